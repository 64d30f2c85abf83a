// Conclave's state store (Consul's agent/consul/state.Store): in-memory tables written only by the
// FSM, read by endpoints, with watch sets for blocking queries.
//
// - Synchronous: no method awaits; a write is applied, committed and published in one call.
// - Writes take the Raft index `idx` and run in one transaction with an undo log. A write that
//   throws leaves the store exactly as it was and wakes no one; a write that changes nothing
//   wakes no one either ("no watch churn").
// - Watchers are told once per write, after the whole write is visible (see watch.ts).
// - Rows returned by reads are shared and frozen: never mutate them; copy to shape a response.
// - Restore never mutates a live store: `StateStore.restore()` builds a new one, the caller swaps
//   it in and calls `old.abandon()`, which wakes every blocked query on the old store.
import { assert } from '../lib/assert.js';
import { type Clock, systemClock } from '../lib/clock.js';
import type {
  CheckServiceNode,
  DirEntry,
  HealthCheck,
  Node,
  NodeService,
  RegisterRequest,
  ServiceNode,
  Session,
  TxnOp,
  TxnResponse,
} from '../structs/index.js';
import { Db, type TableName, Tx } from './db.js';
import * as catalog from './catalog.js';
import * as read from './catalog-read.js';
import * as kvs from './kvs.js';
import * as sessions from './sessions.js';
import { reapTombstones } from './graveyard.js';
import { isReadOnlyTxn, txnDispatch } from './txn.js';
import { SnapshotStream, decodeSnapshotInto, encodeSnapshot } from './snapshot.js';
import { WatchHub, type WatchSet } from './watch.js';
import { stateError } from './catalog-rules.js';

export type { TableName } from './db.js';
export type NodeMeta = Record<string, string>;

export interface StateStoreOptions {
  /** Wall clock for lock-delays (Consul's FSM uses the server's wall time). */
  clock?: Clock;
  /**
   * Called after a committed write that left tombstones, with its Raft index (Consul's
   * TombstoneGC.Hint): the leader uses it to schedule a reap. Must not write to the store.
   */
  onTombstone?: (idx: number) => void;
}

/** Internal: carries a failed txn's response out of the write transaction so it rolls back. */
class TxnRollback extends Error {
  constructor(readonly response: TxnResponse) {
    super('txn rolled back');
  }
}

export class StateStore {
  private readonly hub = new WatchHub();
  private readonly db: Db;
  private writing = false;
  private readonly onTombstone: ((idx: number) => void) | undefined;

  constructor(opts: StateStoreOptions = {}) {
    this.db = new Db(this.hub, opts.clock ?? systemClock);
    this.onTombstone = opts.onTombstone;
  }

  // ---- lifecycle ----

  /** Serialises every table and index (not lock-delays) with msgpack. */
  snapshot(): Uint8Array {
    return encodeSnapshot(this.db);
  }

  /** The same bytes as snapshot(), of the state now, produced piece by piece when iterated. */
  snapshotStream(): SnapshotStream {
    return new SnapshotStream(this.db);
  }

  /** Builds a NEW store from a snapshot. The caller swaps it in and abandons the old one. */
  static restore(data: Uint8Array, opts: StateStoreOptions = {}): StateStore {
    const store = new StateStore(opts);
    decodeSnapshotInto(store.db, data);
    return store;
  }

  /** Wakes every waiter on this store, now and later: it has been replaced by a restore. */
  abandon(): void {
    this.hub.abandon();
  }

  get abandoned(): boolean {
    return this.hub.abandoned;
  }

  /** Highest index among the given tables (0 for a table never written). */
  maxIndex(...tables: TableName[]): number {
    return this.db.maxIndex(...tables);
  }

  /** Number of blocked waiters (for metrics and tests). */
  get parkedWatchers(): number {
    return this.hub.parked;
  }

  /**
   * Runs `fn` in a write transaction at Raft index `idx`: commit and publish on return, roll
   * back on throw. Writes do not nest (the FSM is the only writer and applies one entry at a time).
   */
  private write<T>(idx: number, fn: (tx: Tx) => T): T {
    assert(Number.isSafeInteger(idx) && idx > 0, `state store: invalid Raft index ${idx}`);
    assert(!this.writing, 'state store: nested write');
    const tx = new Tx(this.db, idx);
    this.writing = true;
    let result: T;
    try {
      result = fn(tx);
    } catch (err) {
      tx.rollback();
      throw err;
    } finally {
      this.writing = false;
    }
    if (tx.changed) this.hub.publish(tx.touched, tx.kvTouched);
    if (tx.tombstoned) this.onTombstone?.(idx);
    return result;
  }

  // ---- catalog writes ----

  /** Catalog.Register: validates like Consul's endpoint, then upserts node, service and checks. */
  ensureRegistration(idx: number, req: RegisterRequest): void {
    this.write(idx, (tx) => catalog.ensureRegistrationTx(tx, req));
  }

  deleteNode(idx: number, node: string): void {
    this.write(idx, (tx) => catalog.deleteNodeTx(tx, node));
  }

  deleteService(idx: number, node: string, serviceId: string): void {
    this.write(idx, (tx) => catalog.deleteServiceTx(tx, node, serviceId));
  }

  deleteCheck(idx: number, node: string, checkId: string): void {
    this.write(idx, (tx) => catalog.deleteCheckTx(tx, node, checkId));
  }

  // ---- catalog reads ----

  nodes(ws: WatchSet | null, opts: { nodeMeta?: NodeMeta } = {}): [number, Node[]] {
    return read.nodes(this.db, ws, opts.nodeMeta);
  }

  getNode(ws: WatchSet | null, name: string): [number, Node | null] {
    return read.getNode(this.db, ws, name);
  }

  services(ws: WatchSet | null, opts: { nodeMeta?: NodeMeta } = {}): [number, Record<string, string[]>] {
    return read.services(this.db, ws, opts.nodeMeta);
  }

  serviceNodes(ws: WatchSet | null, service: string, opts: { tags?: string[]; nodeMeta?: NodeMeta } = {}): [number, ServiceNode[]] {
    return read.serviceNodes(this.db, ws, service, opts);
  }

  nodeServices(ws: WatchSet | null, node: string): [number, { Node: Node; Services: NodeService[] } | null] {
    return read.nodeServices(this.db, ws, node);
  }

  nodeService(node: string, serviceId: string): NodeService | null {
    return read.nodeService(this.db, node, serviceId);
  }

  nodeChecks(ws: WatchSet | null, node: string): [number, HealthCheck[]] {
    return read.nodeChecks(this.db, ws, node);
  }

  serviceChecks(ws: WatchSet | null, service: string, opts: { nodeMeta?: NodeMeta } = {}): [number, HealthCheck[]] {
    return read.serviceChecks(this.db, ws, service, opts.nodeMeta);
  }

  checksInState(
    ws: WatchSet | null,
    state: 'any' | 'passing' | 'warning' | 'critical',
    opts: { nodeMeta?: NodeMeta } = {},
  ): [number, HealthCheck[]] {
    if (!['any', 'passing', 'warning', 'critical'].includes(state)) throw stateError(`Invalid check state '${state}'`);
    return read.checksInState(this.db, ws, state, opts.nodeMeta);
  }

  checkServiceNodes(
    ws: WatchSet | null,
    service: string,
    opts: { tags?: string[]; nodeMeta?: NodeMeta } = {},
  ): [number, CheckServiceNode[]] {
    return read.checkServiceNodes(this.db, ws, service, opts);
  }

  // ---- KV ----

  kvsGet(ws: WatchSet | null, key: string): [number, DirEntry | null] {
    return kvs.kvsGet(this.db, ws, key);
  }

  kvsList(ws: WatchSet | null, prefix: string): [number, DirEntry[]] {
    return kvs.kvsList(this.db, ws, prefix);
  }

  kvsListKeys(ws: WatchSet | null, prefix: string, separator: string): [number, string[]] {
    return kvs.kvsListKeys(this.db, ws, prefix, separator);
  }

  /** Wall-clock ms until which `key` may not be locked (0 when free). For the leader's pre-apply check. */
  kvsLockDelay(key: string): number {
    return kvs.lockDelayUntil(this.db, key);
  }

  /** Plain set: keeps the key's current lock holder. */
  kvsSet(idx: number, e: DirEntry): void {
    this.write(idx, (tx) => kvs.kvsSetTx(tx, e, false));
  }

  /** Check-and-set: e.ModifyIndex is the expected index (0 = must not exist). */
  kvsCAS(idx: number, e: DirEntry): boolean {
    return this.write(idx, (tx) => kvs.kvsCasTx(tx, e) !== null);
  }

  /**
   * Acquire for e.Session. False when another session holds the key or, unless
   * `enforceLockDelay` is false, while the key's lock-delay runs (by this store's clock).
   * Consul enforces lock-delay on the leader before Raft (wall clocks differ between servers, so
   * an FSM check could make replicas diverge): the leader calls `kvsLockDelay()` before proposing
   * and the FSM applies with `{ enforceLockDelay: false }`.
   */
  kvsLock(idx: number, e: DirEntry, opts: { enforceLockDelay?: boolean } = {}): boolean {
    return this.write(idx, (tx) => kvs.kvsLockTx(tx, e, opts.enforceLockDelay ?? true).ok);
  }

  kvsUnlock(idx: number, e: DirEntry): boolean {
    return this.write(idx, (tx) => kvs.kvsUnlockTx(tx, e) !== null);
  }

  kvsDelete(idx: number, key: string): void {
    this.write(idx, (tx) => kvs.kvsDeleteTx(tx, key));
  }

  kvsDeleteCAS(idx: number, key: string, casIndex: number): boolean {
    return this.write(idx, (tx) => kvs.kvsDeleteCasTx(tx, key, casIndex));
  }

  kvsDeleteTree(idx: number, prefix: string): void {
    this.write(idx, (tx) => kvs.kvsDeleteTreeTx(tx, prefix));
  }

  /** Removes tombstones whose index is <= `idx` (the tombstone GC's reap index). */
  reapTombstones(idx: number): void {
    this.write(idx, (tx) => reapTombstones(tx, idx));
  }

  // ---- sessions ----

  sessionCreate(idx: number, s: Session): void {
    this.write(idx, (tx) => sessions.sessionCreateTx(tx, s));
  }

  sessionDestroy(idx: number, id: string): void {
    this.write(idx, (tx) => sessions.sessionDestroyTx(tx, id));
  }

  sessionGet(ws: WatchSet | null, id: string): [number, Session | null] {
    return sessions.sessionGet(this.db, ws, id);
  }

  sessionList(ws: WatchSet | null): [number, Session[]] {
    return sessions.sessionList(this.db, ws);
  }

  nodeSessions(ws: WatchSet | null, node: string): [number, Session[]] {
    return sessions.nodeSessions(this.db, ws, node);
  }

  // ---- transactions ----

  /** All-or-nothing: on any op error nothing is applied and Errors lists every failed op. */
  txn(idx: number, ops: TxnOp[], opts: { enforceLockDelay?: boolean } = {}): TxnResponse {
    try {
      return this.write(idx, (tx) => {
        const { results, errors } = txnDispatch(this.db, tx, ops, opts.enforceLockDelay ?? true);
        if (errors.length > 0) throw new TxnRollback({ Results: null, Errors: errors });
        return { Results: results, Errors: null };
      });
    } catch (err) {
      if (err instanceof TxnRollback) return err.response;
      throw err;
    }
  }

  /** Read-only transaction (no Raft index); write verbs are reported as op errors. */
  txnRead(ops: TxnOp[]): TxnResponse {
    const { results, errors } = txnDispatch(this.db, null, ops);
    if (errors.length > 0) return { Results: null, Errors: errors };
    return { Results: results, Errors: null };
  }

  /** True when `ops` only read, so the endpoint may use txnRead without Raft. */
  static isReadOnlyTxn(ops: TxnOp[]): boolean {
    return isReadOnlyTxn(ops);
  }
}
