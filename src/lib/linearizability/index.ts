// Linearizability checking (WGL/Porcupine style); see checker.ts and kv.ts.
export { type Model, type TimedOp, type Verdict, type CheckResult, checkPartition } from './checker.js';
export {
  type KvValue, type KvFunction, type EventType, type KvEvent, type KvOp, type KvCheckResult,
  registerModel, kvOperations, checkKvHistory, parseKvHistory,
} from './kv.js';
