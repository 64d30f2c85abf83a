// The KV table: ordered by key (a prefix read is a range scan), with a session index for locks.
// Write helpers take a Tx and compose (the Txn endpoint reuses them); reads take the Db and a
// watch set. Semantics and error texts follow Consul's state/kvs.go.
import type { DirEntry } from '../structs/index.js';
import { type Db, type Tx, goQuote } from './db.js';
import { insertTombstone, tombstoneMaxIndex } from './graveyard.js';
import { stateError } from './catalog-rules.js';
import type { WatchSet } from './watch.js';

/** Fills defaults for an incoming entry so stored rows always have every field. */
export function normalizeEntry(e: DirEntry): DirEntry {
  const flags = typeof e.Flags === 'bigint' ? e.Flags : BigInt(e.Flags ?? 0);
  return {
    Key: e.Key ?? '',
    Value: e.Value ?? null,
    // Decoders make a new bigint per entry; the common 0 shares the literal's (16 bytes a key).
    Flags: flags === 0n ? 0n : flags,
    Session: e.Session ?? '',
    LockIndex: e.LockIndex ?? 0,
    CreateIndex: e.CreateIndex ?? 0,
    ModifyIndex: e.ModifyIndex ?? 0,
  };
}

/** DirEntry.Equal: the fields a client can change (indexes aside). */
function sameEntry(a: DirEntry, b: DirEntry): boolean {
  if (a.Key !== b.Key || a.Flags !== b.Flags || a.Session !== b.Session || a.LockIndex !== b.LockIndex) return false;
  const av = a.Value ?? EMPTY;
  const bv = b.Value ?? EMPTY;
  if (av.length !== bv.length) return false;
  for (let i = 0; i < av.length; i++) if (av[i] !== bv[i]) return false;
  return true;
}
const EMPTY = new Uint8Array(0);

/**
 * The bytes a stored value keeps alive. A value usually arrives as a view into a larger buffer
 * (the raft command it was decoded from, a network read, a WAL segment read at start-up), which
 * would stay in memory for as long as the key does. A copy owns just its bytes; Buffer.from puts
 * small ones (< 4 KiB) side by side in Node's shared 8 KiB pool slabs, which saves a separate
 * allocation (and ArrayBuffer object) per value. Returned as a plain Uint8Array view.
 */
function ownedValue(v: Uint8Array | null, previous: DirEntry | undefined): Uint8Array | null {
  if (v === null || v === previous?.Value) return v; // already stored (a session release re-puts it)
  return ownedBytes(v);
}

/** `v` itself if it is a large value that owns its whole buffer, else a copy (see ownedValue). */
export function ownedBytes(v: Uint8Array): Uint8Array {
  if (v.byteOffset === 0 && v.byteLength === v.buffer.byteLength && v.length >= 4096) return v;
  const b = Buffer.from(v);
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

function insertEntry(tx: Tx, entry: DirEntry, previous: DirEntry | undefined): void {
  const db = tx.db;
  entry.Value = ownedValue(entry.Value, previous);
  tx.put(db.kvs, entry.Key, Object.freeze(entry));
  if (previous && previous.Session && previous.Session !== entry.Session) {
    tx.unlink(db.kvsBySession, previous.Session, entry.Key);
  }
  if (entry.Session) tx.link(db.kvsBySession, entry.Session, entry.Key);
  tx.bump('kvs');
  tx.touchKv(entry.Key);
}

/**
 * kvsSetTxn: upserts `input`. Unless `updateSession`, the stored session is kept (a plain set never
 * takes or drops a lock). A write that changes nothing is skipped ("no watch churn"). Returns the
 * entry as stored (or as it already was).
 */
export function kvsSetTx(tx: Tx, input: DirEntry, updateSession: boolean): DirEntry {
  const entry = normalizeEntry(input);
  const existing = tx.db.kvs.get(entry.Key);
  entry.CreateIndex = existing ? existing.CreateIndex : tx.idx;
  if (!updateSession) entry.Session = existing ? existing.Session : '';
  if (existing && sameEntry(existing, entry)) return existing;
  entry.ModifyIndex = tx.idx;
  insertEntry(tx, entry, existing);
  return entry;
}

/** kvsSetCASTxn: ModifyIndex 0 means "only if absent"; otherwise it must match. */
export function kvsCasTx(tx: Tx, input: DirEntry): DirEntry | null {
  const existing = tx.db.kvs.get(input.Key);
  const want = input.ModifyIndex ?? 0;
  if (want === 0 && existing) return null;
  if (want !== 0 && !existing) return null;
  if (existing && want !== 0 && want !== existing.ModifyIndex) return null;
  return kvsSetTx(tx, input, false);
}

/** Expiry (wall ms) of the lock-delay on `key`, 0 when none. Expired entries are dropped. */
export function lockDelayUntil(db: Db, key: string): number {
  const until = db.lockDelay.get(key);
  if (until === undefined) return 0;
  if (until <= db.clock.nowMs()) {
    db.lockDelay.delete(key);
    return 0;
  }
  return until;
}

/** Starts (or extends) the lock-delay on `key`; never shortens one already running. */
export function setLockDelay(tx: Tx, key: string, untilMs: number): void {
  const db = tx.db;
  const cur = db.lockDelay.get(key);
  if (cur !== undefined && cur >= untilMs) return;
  tx.put(db.lockDelay, key, untilMs);
  if (db.lockDelay.size > 4096) pruneLockDelays(db);
}

function pruneLockDelays(db: Db): void {
  const now = db.clock.nowMs();
  for (const [k, until] of db.lockDelay) if (until <= now) db.lockDelay.delete(k);
}

export type LockOutcome = { ok: true; entry: DirEntry } | { ok: false; why: 'held' | 'lock-delay' };

/**
 * kvsLockTxn: acquires `input.Key` for `input.Session`. The holder re-acquiring keeps its
 * LockIndex; a new acquisition increments it. Refused while another session holds the key or the
 * key is inside a lock-delay (Consul checks that on the leader before Raft; see store.ts).
 */
export function kvsLockTx(tx: Tx, input: DirEntry, checkLockDelay: boolean): LockOutcome {
  const db = tx.db;
  if (checkLockDelay && lockDelayUntil(db, input.Key) > 0) return { ok: false, why: 'lock-delay' };
  if (!input.Session) throw stateError('missing session');
  if (!db.sessions.has(input.Session)) throw stateError(`invalid session ${goQuote(input.Session)}`);
  const entry = normalizeEntry(input);
  const existing = db.kvs.get(entry.Key);
  if (existing) {
    if (existing.Session === entry.Session) {
      entry.LockIndex = existing.LockIndex;
    } else if (existing.Session !== '') {
      return { ok: false, why: 'held' };
    } else {
      entry.LockIndex = existing.LockIndex + 1;
    }
  } else {
    entry.LockIndex = 1;
  }
  return { ok: true, entry: kvsSetTx(tx, entry, true) };
}

/** kvsUnlockTxn: releases `input.Key` if `input.Session` holds it; LockIndex is kept. */
export function kvsUnlockTx(tx: Tx, input: DirEntry): DirEntry | null {
  if (!input.Session) throw stateError('missing session');
  const existing = tx.db.kvs.get(input.Key);
  if (!existing || existing.Session !== input.Session) return null;
  const entry = normalizeEntry(input);
  entry.Session = '';
  entry.LockIndex = existing.LockIndex;
  return kvsSetTx(tx, entry, true);
}

/** Deletes one key, leaving a tombstone. A missing key is a no-op. */
export function kvsDeleteTx(tx: Tx, key: string): void {
  const db = tx.db;
  const existing = db.kvs.get(key);
  if (!existing) return;
  insertTombstone(tx, key);
  tx.remove(db.kvs, key);
  if (existing.Session) tx.unlink(db.kvsBySession, existing.Session, key);
  tx.bump('kvs');
  tx.touchKv(key);
}

/** kvsDeleteCASTxn: deletes only if ModifyIndex matches; a missing key counts as success. */
export function kvsDeleteCasTx(tx: Tx, key: string, casIndex: number): boolean {
  const existing = tx.db.kvs.get(key);
  if (!existing || existing.ModifyIndex !== casIndex) return !existing;
  kvsDeleteTx(tx, key);
  return true;
}

/** Keys under `prefix`, in order. */
export function keysUnder(db: Db, prefix: string): string[] {
  const out: string[] = [];
  for (const key of db.kvs.keys(prefix)) {
    if (!key.startsWith(prefix)) break;
    out.push(key);
  }
  return out;
}

/** Deletes every key under `prefix` with one tombstone at the prefix (none for the whole store). */
export function kvsDeleteTreeTx(tx: Tx, prefix: string): void {
  const db = tx.db;
  const keys = keysUnder(db, prefix);
  if (keys.length === 0) return;
  for (const key of keys) {
    const existing = db.kvs.get(key)!;
    tx.remove(db.kvs, key);
    if (existing.Session) tx.unlink(db.kvsBySession, existing.Session, key);
    tx.touchKv(key);
  }
  if (prefix !== '') insertTombstone(tx, prefix);
  tx.bump('kvs');
}

// ---- reads ----

/** X-Consul-Index of a single-key read: the entry's ModifyIndex, else the KV tables' index. */
export function kvsGet(db: Db, ws: WatchSet | null, key: string): [number, DirEntry | null] {
  if (ws) db.watch(ws, `kv:${key}`, 'kvs');
  const e = db.kvs.get(key);
  if (e) return [e.ModifyIndex, e];
  return [db.maxIndex('kvs', 'tombstones'), null];
}

/** Index for a prefix read: max over entries and tombstones under it, else the table index. */
function prefixIndex(db: Db, prefix: string, entriesMax: number): number {
  const tableIdx = db.maxIndex('kvs', 'tombstones');
  let lindex = entriesMax;
  if (prefix !== '') lindex = Math.max(lindex, tombstoneMaxIndex(db, prefix));
  else lindex = tableIdx;
  return lindex !== 0 ? lindex : tableIdx;
}

export function kvsList(db: Db, ws: WatchSet | null, prefix: string): [number, DirEntry[]] {
  db.watch(ws, `kvp:${prefix}`, 'kvs');
  const out: DirEntry[] = [];
  let max = 0;
  for (const [key, e] of db.kvs.entries(prefix)) {
    if (!key.startsWith(prefix)) break;
    out.push(e);
    if (e.ModifyIndex > max) max = e.ModifyIndex;
  }
  return [prefixIndex(db, prefix, max), out];
}

/**
 * Keys under `prefix`, rolled up at the first `separator` after the prefix (Consul's ListKeys):
 * "web/sub/a" and "web/sub/b" under "web/" with "/" become one "web/sub/".
 */
export function kvsListKeys(db: Db, ws: WatchSet | null, prefix: string, separator: string): [number, string[]] {
  db.watch(ws, `kvp:${prefix}`, 'kvs');
  const out: string[] = [];
  let max = 0;
  let last = '';
  for (const [key, e] of db.kvs.entries(prefix)) {
    if (!key.startsWith(prefix)) break;
    if (e.ModifyIndex > max) max = e.ModifyIndex;
    if (separator === '') {
      out.push(key);
      continue;
    }
    const at = key.indexOf(separator, prefix.length);
    if (at >= 0) {
      const rolled = key.slice(0, at + separator.length);
      if (rolled !== last) {
        out.push(rolled);
        last = rolled;
      }
    } else {
      out.push(key);
    }
  }
  return [prefixIndex(db, prefix, max), out];
}
