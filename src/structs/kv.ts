// KV vocabulary.

/** A stored KV entry. Value is raw bytes; the HTTP edge base64-encodes it. Flags is a uint64 held as bigint. */
export interface DirEntry {
  Key: string;
  Value: Uint8Array | null;
  Flags: bigint;
  Session: string;
  LockIndex: number;
  CreateIndex: number;
  ModifyIndex: number;
}

export type KVOp =
  | 'set'
  | 'cas'
  | 'lock'
  | 'unlock'
  | 'delete'
  | 'delete-cas'
  | 'delete-tree'
  | 'get'
  | 'get-or-empty'
  | 'get-tree'
  | 'check-index'
  | 'check-session'
  | 'check-not-exists';

/** The KVS raft command. For cas/delete-cas, Entry.ModifyIndex carries the expected index. */
export interface KVSRequest {
  Op: KVOp;
  Entry: DirEntry;
}

/** JSON shape of a KV entry on the wire (GET /v1/kv). Flags printed as an exact uint64 by the encoder. */
export function kvToWire(e: DirEntry): Record<string, unknown> {
  const out: Record<string, unknown> = {
    LockIndex: e.LockIndex,
    Key: e.Key,
    Flags: e.Flags,
    Value: e.Value && e.Value.length > 0 ? Buffer.from(e.Value).toString('base64') : null,
  };
  if (e.Session) out.Session = e.Session;
  out.CreateIndex = e.CreateIndex;
  out.ModifyIndex = e.ModifyIndex;
  return out;
}
