// Snapshot encoding of the whole store (msgpack). Flags are uint64 held as bigint; they travel as
// decimal strings so every value survives whatever the msgpack integer mode is. Lock-delays are
// not included: like Consul's, they are local wall-clock state of the server that set them.
import { Packr } from 'msgpackr';
import type { DirEntry, HealthCheck, Node, Session } from '../structs/index.js';
import { type BTree, type Db, type ServiceRow, lc, pairKey } from './db.js';
import { ownedBytes } from './kvs.js';
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

/** Size of the buffer a snapshot stream fills and hands out, again and again. */
const PIECE_BYTES = 1024 * 1024;

/**
 * The store's state at one instant, serialised piece by piece (raft's SnapshotStream): the tables
 * are cloned when the stream is made (sorted-btree clones share nodes and copy them on write), so
 * later writes do not show, and the bytes are produced only while they are written out, into one
 * reused buffer, so a large store never exists as one big buffer. The bytes are the msgpack of a
 * SnapshotV1, exactly as packing it whole would give.
 */
export class SnapshotStream {
  private readonly nodes: BTree<string, Node>;
  private readonly services: BTree<string, ServiceRow>;
  private readonly checks: BTree<string, HealthCheck>;
  private readonly kvs: BTree<string, DirEntry>;
  private readonly tombstones: BTree<string, number>;
  private readonly sessions: BTree<string, Session>;
  private readonly indexes: Array<[string, number]>;
  private produced = 0;

  constructor(db: Db) {
    this.nodes = db.nodes.clone();
    this.services = db.services.clone();
    this.checks = db.checks.clone();
    this.kvs = db.kvs.clone();
    this.tombstones = db.tombstones.clone();
    this.sessions = db.sessions.clone();
    // Sorted so that equal states give equal bytes, whatever order the indexes were created in.
    this.indexes = [...db.indexes.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  /** Bytes produced so far. */
  get length(): number {
    return this.produced;
  }

  /** The pieces, each a view of the same buffer: consume one before asking for the next. */
  *chunks(): Generator<Uint8Array> {
    this.produced = 0;
    const out = new PieceWriter();
    out.bytes(Uint8Array.of(0x88)); // a map of the 8 fields of SnapshotV1, in its order
    out.value('v');
    out.value(SNAPSHOT_VERSION);
    const tables: Array<[string, number, Iterable<unknown>]> = [
      ['nodes', this.nodes.size, this.nodes.values()],
      ['services', this.services.size, this.services.values()],
      ['checks', this.checks.size, this.checks.values()],
      ['kvs', this.kvs.size, mapIter(this.kvs.values(), (e) => ({ ...e, Flags: e.Flags.toString() }))],
      ['tombstones', this.tombstones.size, this.tombstones.entries()],
      ['sessions', this.sessions.size, this.sessions.values()],
      ['indexes', this.indexes.length, this.indexes],
    ];
    for (const [name, count, rows] of tables) {
      out.value(name);
      out.bytes(arrayHeader(count));
      for (const row of rows) {
        out.value(row);
        if (out.full()) {
          this.produced += out.used();
          yield out.take();
        }
      }
    }
    if (out.used() > 0) {
      this.produced += out.used();
      yield out.take();
    }
  }
}

function* mapIter<T, U>(it: Iterable<T>, f: (t: T) => U): Generator<U> {
  for (const t of it) yield f(t);
}

/** msgpack array header for `n` elements (the form msgpackr itself writes). */
function arrayHeader(n: number): Uint8Array {
  if (n < 16) return Uint8Array.of(0x90 | n);
  if (n < 0x10000) return Uint8Array.of(0xdc, n >>> 8, n & 0xff);
  return Uint8Array.of(0xdd, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/** Packs values one by one into a reused buffer. */
class PieceWriter {
  private buf = new Uint8Array(PIECE_BYTES);
  private pos = 0;

  value(v: unknown): void {
    // packr.pack returns a view of msgpackr's own shared buffer, valid until the next pack: copy it now.
    this.bytes(packr.pack(v));
  }

  bytes(b: Uint8Array): void {
    if (this.pos + b.length > this.buf.length) {
      // Only a single row larger than a piece gets here with pos 0 (take() empties the buffer).
      const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.pos + b.length));
      bigger.set(this.buf.subarray(0, this.pos));
      this.buf = bigger;
    }
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  full(): boolean {
    return this.pos >= PIECE_BYTES - 64 * 1024;
  }

  used(): number {
    return this.pos;
  }

  take(): Uint8Array {
    const piece = this.buf.subarray(0, this.pos);
    this.pos = 0;
    return piece;
  }
}

/** The whole snapshot as one array (tests, the state-memory bench); raft writes the stream instead. */
export function encodeSnapshot(db: Db): Uint8Array {
  const pieces: Uint8Array[] = [];
  for (const c of new SnapshotStream(db).chunks()) pieces.push(c.slice());
  return Buffer.concat(pieces);
}

function link(multi: Map<string, Set<string>>, key: string, member: string): void {
  let set = multi.get(key);
  if (!set) {
    set = new Set();
    multi.set(key, set);
  }
  set.add(member);
}

type Rows = { [K in Exclude<keyof SnapshotV1, 'v'>]: (row: SnapshotV1[K][number]) => void };

/** Loads `data` into an empty Db, rebuilding every secondary index. Throws on a bad snapshot. */
export function decodeSnapshotInto(db: Db, data: Uint8Array): void {
  const rows: Rows = {
    nodes(n) {
      const node = Object.freeze({ ...n });
      db.nodes.set(lc(node.Node), node);
      if (node.ID) db.nodeIds.set(lc(node.ID), lc(node.Node));
    },
    services(r) {
      const key = pairKey(r.Node, r.Service.ID);
      db.services.set(key, Object.freeze({ Node: r.Node, Service: Object.freeze({ ...r.Service }) }));
      link(db.servicesByNode, lc(r.Node), key);
      link(db.servicesByName, lc(r.Service.Service), key);
    },
    checks(c) {
      const key = pairKey(c.Node, c.CheckID);
      db.checks.set(key, Object.freeze({ ...c }));
      link(db.checksByNode, lc(c.Node), key);
      link(db.checksByNodeService, pairKey(c.Node, c.ServiceID), key);
      if (c.ServiceName) link(db.checksByServiceName, lc(c.ServiceName), key);
    },
    kvs(k) {
      // A copy: the decoded value is a view into the whole snapshot buffer.
      const value = k.Value == null ? null : ownedBytes(k.Value);
      const flags = BigInt(k.Flags);
      const entry: DirEntry = Object.freeze({ ...k, Value: value, Flags: flags === 0n ? 0n : flags });
      db.kvs.set(entry.Key, entry);
      if (entry.Session) link(db.kvsBySession, entry.Session, entry.Key);
    },
    tombstones([key, idx]) {
      db.tombstones.set(key, idx);
    },
    sessions(s) {
      const sess = Object.freeze({ ...s });
      db.sessions.set(sess.ID, sess);
      link(db.sessionsByNode, lc(sess.Node), sess.ID);
      for (const checkId of sessionCheckIds(sess)) link(db.sessionsByCheck, pairKey(sess.Node, checkId), sess.ID);
    },
    indexes([name, idx]) {
      db.indexes.set(name, idx);
    },
  };
  if (decodeRowByRow(data, rows)) return;
  const snap = packr.unpack(data) as SnapshotV1;
  if (!snap || typeof snap !== 'object' || snap.v !== SNAPSHOT_VERSION) {
    throw new Error(`state snapshot: unsupported format (version ${String((snap as SnapshotV1 | null)?.v)})`);
  }
  for (const table of TABLES) for (const row of snap[table] as unknown[]) (rows[table] as (r: unknown) => void)(row);
}

const TABLES = ['nodes', 'services', 'checks', 'kvs', 'tombstones', 'sessions', 'indexes'] as const;

/**
 * Decodes the layout SnapshotStream writes (a map whose first field is v, then one array per
 * table) one row at a time, so that a large snapshot never exists as one tree of decoded objects:
 * each row is decoded, stored and dropped. Returns false, having stored nothing, when `data` does
 * not start that way (the whole-object decode then handles it).
 */
function decodeRowByRow(data: Uint8Array, rows: Rows): boolean {
  if (data.length < 2 || data[0] !== 0x88) return false;
  let p = 1;
  const one = (): unknown => {
    let value: unknown;
    let end = 0;
    packr.unpackMultiple(data.subarray(p), (v, _s, e) => {
      value = v;
      end = e!;
      return false;
    });
    p += end;
    return value;
  };
  try {
    if (one() !== 'v') return false;
    const v = one();
    if (v !== SNAPSHOT_VERSION) throw new Error(`state snapshot: unsupported format (version ${String(v)})`);
    for (let f = 0; f < TABLES.length; f++) {
      const name = one();
      if (!(TABLES as readonly unknown[]).includes(name)) throw new Error(`state snapshot: unexpected field ${String(name)}`);
      const table = name as (typeof TABLES)[number];
      const count = arrayLength(data, p);
      p = count.next;
      const put = rows[table] as (r: unknown) => void;
      let seen = 0;
      let end = 0;
      if (count.n > 0) {
        packr.unpackMultiple(data.subarray(p), (row, _s, e) => {
          put(row);
          end = e!;
          return ++seen < count.n;
        });
      }
      if (seen !== count.n) throw new Error(`state snapshot: ${table} holds ${seen} of ${count.n} rows`);
      p += end;
    }
    if (p !== data.length) throw new Error('state snapshot: bytes after the last table');
    return true;
  } finally {
    packr.unpack(EMPTY_MAP); // msgpackr keeps its last source until a read ends at its end: let `data` go
  }
}

const EMPTY_MAP = Uint8Array.of(0x80);

/** A msgpack array header at `p`: how many elements, and where the first one starts. */
function arrayLength(data: Uint8Array, p: number): { n: number; next: number } {
  const b = data[p];
  if (b === undefined) throw new Error('state snapshot: truncated');
  if ((b & 0xf0) === 0x90) return { n: b & 0x0f, next: p + 1 };
  if (b === 0xdc) return { n: (data[p + 1]! << 8) | data[p + 2]!, next: p + 3 };
  if (b === 0xdd) return { n: ((data[p + 1]! << 24) | (data[p + 2]! << 16) | (data[p + 3]! << 8) | data[p + 4]!) >>> 0, next: p + 5 };
  throw new Error(`state snapshot: expected an array at ${p}`);
}
