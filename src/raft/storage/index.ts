// Public surface of raft storage.
export { DiskStorage, type DiskStorageOptions } from './disk-storage.js';
export { MemoryStorage } from './memory-storage.js';
export { type RaftStorage, type StoredSnapshot, confStateOf } from './storage.js';
export { type StorageIo, type StorageLogger, nodeStorageIo, countingIo } from './io.js';
export { WalCorruptionError } from './wal/record.js';
export { bootstrapIfEmpty, encodeConfiguration, decodeConfiguration } from './configuration.js';
export { recoverConfiguration } from './recover.js';
