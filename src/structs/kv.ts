// KV vocabulary.
import { quoteJsonString } from '../lib/json-encode.js';

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
    Value: valueBase64(e.Value),
  };
  if (e.Session) out.Session = e.Session;
  out.CreateIndex = e.CreateIndex;
  out.ModifyIndex = e.ModifyIndex;
  return out;
}

/** A value as Go's []byte marshals: standard base64, or null when empty. Reads the bytes in place. */
function valueBase64(v: Uint8Array | null): string | null {
  return v && v.length > 0 ? Buffer.from(v.buffer, v.byteOffset, v.length).toString('base64') : null;
}

/**
 * The compact JSON array of entries that GET /v1/kv answers, written directly: the same text
 * encodeJson(entries.map(kvToWire), false) gives (bigint Flags would send that down the encoder's
 * general path), without the intermediate objects. Keys may hold any character: quoteJsonString
 * escapes them as Go does.
 */
export function dirEntriesJson(entries: readonly DirEntry[]): string {
  if (entries.length === 1) return singleEntryJson(entries[0]!);
  const parts: string[] = [];
  for (const e of entries) parts.push(dirEntryJson(e));
  return '[' + parts.join(',') + ']';
}

// The last single-key answer and its entry. Stored entries are frozen (the state store replaces,
// never edits, them), so the same object always has the same text: a key read over and over (a
// leader key, a config key) is encoded once per write instead of once per read.
let lastEntry: DirEntry | null = null;
let lastText = '';

function singleEntryJson(e: DirEntry): string {
  if (e === lastEntry) return lastText;
  const text = '[' + dirEntryJson(e) + ']';
  if (Object.isFrozen(e)) {
    lastEntry = e;
    lastText = text;
  }
  return text;
}

function dirEntryJson(e: DirEntry): string {
  const value = valueBase64(e.Value);
  return '{"LockIndex":' + e.LockIndex + ',"Key":' + quoteJsonString(e.Key) + ',"Flags":' + e.Flags.toString() +
    ',"Value":' + (value === null ? 'null' : '"' + value + '"') +
    (e.Session ? ',"Session":' + quoteJsonString(e.Session) : '') +
    ',"CreateIndex":' + e.CreateIndex + ',"ModifyIndex":' + e.ModifyIndex + '}';
}
