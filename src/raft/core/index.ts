// Public surface of the Raft core.
export * from './messages.js';
export type { LogReader } from './log-storage.js';
export { Raft, validateRaftConfig, type RaftConfig, type ProposeOutcome, type CoreLogger } from './raft.js';
export { RawNode } from './raw-node.js';
export { quorumSize } from './quorum.js';
