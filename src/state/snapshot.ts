// Snapshot encoding of the whole store (msgpack). Flags are uint64 held as bigint; they travel as
// decimal strings so every value survives whatever the msgpack integer mode is. Lock-delays are
// not included: like Consul's, they are local wall-clock state of the server that set them.
import { releasePackBuffer } from '../lib/msgpack-buffer.js';
import { Packr } from 'msgpackr';
import type { DirEntry, HealthCheck, Node, Session } from '../structs/index.js';
import { type Db, type ServiceRow, lc, pairKey } from './db.js';
import { sessionCheckIds } from './sessions.js';

const SNAPSHOT_VERSION = 1;

interface KvRecord extends Omit<DirEntry, 'Flags'> {
  Flags: string;
}

interface SnapshotV1 {
  v: number;
  nodes: Node[];
  services: ServiceRow[];
  checks: HealthCheck[];
  kvs: KvRecord[];
  tombstones: Array<[string, number]>;
  sessions: Session[];
  indexes: Array<[string, number]>;
}

const packr = new Packr({ useRecords: false, moreTypes: false });

export function encodeSnapshot(db: Db): Uint8Array {
  const snap: SnapshotV1 = {
    v: SNAPSHOT_VERSION,
    nodes: [...db.nodes.values()],
    services: [...db.services.values()],
    checks: [...db.checks.values()],
    kvs: [...db.kvs.values()].map((e) => ({ ...e, Flags: e.Flags.toString() })),
    tombstones: [...db.tombstones.entries()],
    sessions: [...db.sessions.values()],
    // Sorted so that equal states give equal bytes, whatever order the indexes were created in.
    indexes: [...db.indexes.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
  };
  // msgpackr grows its buffer by 1.25x past 64 MiB, copying each time; starting from an estimate
  // of the final size avoids most of those copies for large KV stores.
  let estimate = 64 * 1024;
  for (const e of snap.kvs) estimate += 160 + e.Key.length + (e.Value?.length ?? 0);
  estimate += (snap.nodes.length + snap.services.length + snap.checks.length + snap.sessions.length) * 512;
  packr.useBuffer(new Uint8Array(estimate));
  const out = packr.pack(snap);
  // The bytes stay valid (they view the big buffer); msgpackr itself goes back to a small one.
  releasePackBuffer();
  return out;
}

function link(multi: Map<string, Set<string>>, key: string, member: string): void {
  let set = multi.get(key);
  if (!set) {
    set = new Set();
    multi.set(key, set);
  }
  set.add(member);
}

/** Loads `data` into an empty Db, rebuilding every secondary index. Throws on a bad snapshot. */
export function decodeSnapshotInto(db: Db, data: Uint8Array): void {
  const snap = packr.unpack(data) as SnapshotV1;
  if (!snap || typeof snap !== 'object' || snap.v !== SNAPSHOT_VERSION) {
    throw new Error(`state snapshot: unsupported format (version ${String((snap as SnapshotV1 | null)?.v)})`);
  }
  for (const n of snap.nodes) {
    const node = Object.freeze({ ...n });
    db.nodes.set(lc(node.Node), node);
    if (node.ID) db.nodeIds.set(lc(node.ID), lc(node.Node));
  }
  for (const r of snap.services) {
    const key = pairKey(r.Node, r.Service.ID);
    db.services.set(key, Object.freeze({ Node: r.Node, Service: Object.freeze({ ...r.Service }) }));
    link(db.servicesByNode, lc(r.Node), key);
    link(db.servicesByName, lc(r.Service.Service), key);
  }
  for (const c of snap.checks) {
    const key = pairKey(c.Node, c.CheckID);
    db.checks.set(key, Object.freeze({ ...c }));
    link(db.checksByNode, lc(c.Node), key);
    link(db.checksByNodeService, pairKey(c.Node, c.ServiceID), key);
    if (c.ServiceName) link(db.checksByServiceName, lc(c.ServiceName), key);
  }
  for (const k of snap.kvs) {
    const value = k.Value == null ? null : new Uint8Array(k.Value);
    const entry: DirEntry = Object.freeze({ ...k, Value: value, Flags: BigInt(k.Flags) });
    db.kvs.set(entry.Key, entry);
    if (entry.Session) link(db.kvsBySession, entry.Session, entry.Key);
  }
  for (const [key, idx] of snap.tombstones) db.tombstones.set(key, idx);
  for (const s of snap.sessions) {
    const sess = Object.freeze({ ...s });
    db.sessions.set(sess.ID, sess);
    link(db.sessionsByNode, lc(sess.Node), sess.ID);
    for (const checkId of sessionCheckIds(sess)) link(db.sessionsByCheck, pairKey(sess.Node, checkId), sess.ID);
  }
  for (const [name, idx] of snap.indexes) db.indexes.set(name, idx);
}
