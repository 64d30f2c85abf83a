// Raft log command types. Values must only ever be added, never renumbered (they are on disk).
export const MessageType = {
  Register: 0,
  Deregister: 1,
  KVS: 2,
  Session: 3,
  Txn: 4,
  TombstoneReap: 5,
  /** No-op written by a new leader to commit entries of earlier terms. */
  Noop: 6,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** Set on a type byte to mean "an old server may skip this if it does not know it". */
export const IgnoreUnknownTypeFlag = 128;
