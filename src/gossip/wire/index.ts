// memberlist + serf wire vocabulary (see README.md beside src/gossip).
export * from './errors.js';
export * from './msgpack.js';
export * from './messages.js';
export * from './framing.js';
export * from './stream.js';
export * from './addr.js';
export * from './crc32.js';
export * from './serf-messages.js';
