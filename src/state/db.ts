// The store's tables and its write transaction (undo log + touched watch keys).
//
// Rows are immutable once inserted: a write replaces a row with a new frozen object, never edits
// one in place, so readers may hold rows across writes (go-memdb's rule). Every mutation of a table
// or a secondary index goes through `Tx`, which records how to undo it; a write that throws is
// rolled back completely before anyone can see it, and watchers are told once, at commit.
import sortedBtree from 'sorted-btree';
import type { Clock } from '../lib/clock.js';
import type { DirEntry, HealthCheck, Node, NodeService, Session } from '../structs/index.js';
import { WatchHub, type Watch, type WatchSet } from './watch.js';

// sorted-btree ships CommonJS with `exports.default`; under NodeNext the default import is the module.
export const BTree = sortedBtree.default;
export type BTree<K, V> = InstanceType<typeof sortedBtree.default<K, V>>;

/**
 * Every table is keyed by strings. The library's default comparator first tests for finite numbers,
 * mixed types and valueOf() before it gets to `<`; on a lookup in 400k keys (some 20 comparisons)
 * that was a visible share of a KV read. The order is the same: UTF-16 code units, as `<` compares.
 */
const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function table<V>(): BTree<string, V> {
  return new BTree<string, V>(undefined, compareKeys);
}

/** Tables whose max index is tracked and may be asked for. */
export type TableName = 'nodes' | 'services' | 'checks' | 'kvs' | 'tombstones' | 'sessions';
export const TABLE_NAMES: readonly TableName[] = ['nodes', 'services', 'checks', 'kvs', 'tombstones', 'sessions'];

/** A service instance: the node's name as registered plus the service. */
export interface ServiceRow {
  readonly Node: string;
  readonly Service: NodeService;
}

/** Minimal map interface shared by Map and BTree so Tx can undo either. */
interface Table<K, V> {
  get(key: K): V | undefined;
  set(key: K, value: V): unknown;
  delete(key: K): boolean;
  has(key: K): boolean;
}

export type Multi = Map<string, Set<string>>;

/** Lower-cases the way Consul's memdb indexes do for node names, service and check IDs. */
export const lc = (s: string): string => s.toLowerCase();
export const pairKey = (a: string, b: string): string => `${lc(a)}\u0000${lc(b)}`;

export class Db {
  /** lc(node name) -> Node. */
  readonly nodes: BTree<string, Node> = table();
  /** lc(node ID) -> lc(node name). */
  readonly nodeIds = new Map<string, string>();
  /** pairKey(node, serviceID) -> row. */
  readonly services: BTree<string, ServiceRow> = table();
  readonly servicesByNode: Multi = new Map();
  readonly servicesByName: Multi = new Map();
  /** pairKey(node, checkID) -> check. */
  readonly checks: BTree<string, HealthCheck> = table();
  readonly checksByNode: Multi = new Map();
  /** pairKey(node, serviceID) ('' for node-level checks) -> check keys. */
  readonly checksByNodeService: Multi = new Map();
  readonly checksByServiceName: Multi = new Map();
  /** Key -> entry, ordered so that a prefix read is a range scan. */
  readonly kvs: BTree<string, DirEntry> = table();
  readonly kvsBySession: Multi = new Map();
  /** Deleted key (or deleted tree prefix) -> Raft index of the delete. */
  readonly tombstones: BTree<string, number> = table();
  readonly sessions: BTree<string, Session> = table();
  readonly sessionsByNode: Multi = new Map();
  /** pairKey(node, checkID) -> session IDs that depend on the check. */
  readonly sessionsByCheck: Multi = new Map();
  /** Index name ('kvs', 'service.web', 'service_last_extinction', ...) -> max Raft index. */
  readonly indexes = new Map<string, number>();
  /** KV key -> wall-clock ms until which a lock may not be acquired. Local only, like Consul's. */
  readonly lockDelay = new Map<string, number>();

  constructor(
    readonly hub: WatchHub,
    readonly clock: Clock,
  ) {}

  index(name: string): number {
    return this.indexes.get(name) ?? 0;
  }

  maxIndex(...names: string[]): number {
    let m = 0;
    for (const n of names) m = Math.max(m, this.index(n));
    return m;
  }

  /** Adds a watch on `key` (falling back to table `table`) when `ws` is non-null. */
  watch(ws: WatchSet | null, key: string, table: string): void {
    if (ws) ws.add(this.hub.watch(key, table) as Watch);
  }
}

/** One write: applies changes in place, remembers how to undo them and which watch keys moved. */
export class Tx {
  private readonly undoLog: Array<() => void> = [];
  readonly touched = new Set<string>();
  readonly kvTouched: string[] = [];
  /** Set when this write left a tombstone (the tombstone GC wants a hint). */
  tombstoned = false;

  constructor(
    readonly db: Db,
    readonly idx: number,
    private readonly recordUndo = true,
  ) {}

  get changed(): boolean {
    return this.touched.size > 0;
  }

  touch(key: string): void {
    this.touched.add(key);
  }

  touchKv(key: string): void {
    this.touched.add(`kv:${key}`);
    this.touched.add('t:kvs');
    this.kvTouched.push(key);
  }

  put<K, V>(table: Table<K, V>, key: K, value: V): void {
    if (this.recordUndo) {
      const had = table.has(key);
      const prev = table.get(key) as V;
      this.undoLog.push(() => {
        if (had) table.set(key, prev);
        else table.delete(key);
      });
    }
    table.set(key, value);
  }

  remove<K, V>(table: Table<K, V>, key: K): void {
    if (!table.has(key)) return;
    const prev = table.get(key) as V;
    table.delete(key);
    if (this.recordUndo) this.undoLog.push(() => table.set(key, prev));
  }

  link(multi: Multi, key: string, member: string): void {
    let set = multi.get(key);
    if (!set) {
      set = new Set();
      multi.set(key, set);
    }
    if (set.has(member)) return;
    set.add(member);
    if (this.recordUndo) this.undoLog.push(() => unlinkRaw(multi, key, member));
  }

  unlink(multi: Multi, key: string, member: string): void {
    const set = multi.get(key);
    if (!set || !set.has(member)) return;
    unlinkRaw(multi, key, member);
    if (this.recordUndo) {
      this.undoLog.push(() => {
        let s = multi.get(key);
        if (!s) {
          s = new Set();
          multi.set(key, s);
        }
        s.add(member);
      });
    }
  }

  /** Raises an index to `idx` (indexes never go down, like Consul's indexUpdateMaxTxn). */
  bump(name: string, idx = this.idx): void {
    const cur = this.db.indexes.get(name) ?? 0;
    if (idx <= cur) return;
    this.put(this.db.indexes, name, idx);
    this.touch(`idx:${name}`);
    this.touch('t:idx');
  }

  /** Removes an index entry (a per-service or per-node index whose subject is gone). */
  dropIndex(name: string): void {
    if (!this.db.indexes.has(name)) return;
    this.remove(this.db.indexes, name);
    this.touch(`idx:${name}`);
    this.touch('t:idx');
  }

  /** Undoes every change, newest first. */
  rollback(): void {
    for (let i = this.undoLog.length - 1; i >= 0; i--) this.undoLog[i]!();
    this.undoLog.length = 0;
    this.touched.clear();
    this.kvTouched.length = 0;
    this.tombstoned = false;
  }
}

function unlinkRaw(multi: Multi, key: string, member: string): void {
  const set = multi.get(key);
  if (!set) return;
  set.delete(member);
  if (set.size === 0) multi.delete(key);
}

/** Members of a secondary index, as a fresh array (safe to iterate while writing). */
export function members(multi: Multi, key: string): string[] {
  const set = multi.get(key);
  return set ? [...set] : [];
}

/** Go's %q for the strings we print in errors. */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** Deep equality for plain row data (objects, arrays, Uint8Array, bigint), ignoring `ignore` keys at the top. */
export function sameData(a: unknown, b: unknown, ignore: ReadonlySet<string> = NO_KEYS): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    return a === b || (isEmptyish(a) && isEmptyish(b));
  }
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameData(a[i], b[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) {
    if (ignore.has(k)) continue;
    if (!sameData(ao[k], bo[k])) return false;
  }
  return true;
}

const NO_KEYS: ReadonlySet<string> = new Set();
export const RAFT_INDEX_KEYS: ReadonlySet<string> = new Set(['CreateIndex', 'ModifyIndex']);

/** Go treats a nil map/slice and an absent field alike; so do we when comparing rows. */
function isEmptyish(v: unknown): boolean {
  return v === undefined || v === null;
}
