// Sessions: rows keyed by ID with node and node/check indexes, so that a node going away or a
// check turning critical finds the sessions to invalidate without a scan. Destroying a session
// releases (or deletes, for Behavior=delete) the keys it holds and starts their lock-delay.
// Semantics and texts follow Consul's state/session.go.
import { MAX_LOCK_DELAY_NS, type Session } from '../structs/index.js';
import { type Db, type Tx, lc, members, pairKey } from './db.js';
import { stateError } from './catalog-rules.js';
import { kvsDeleteTx, kvsSetTx, setLockDelay } from './kvs.js';
import type { WatchSet } from './watch.js';

/** Session.CheckIDs(): node checks then service checks. */
export function sessionCheckIds(s: Session): string[] {
  const ids = [...(s.NodeChecks ?? [])];
  for (const sc of s.ServiceChecks ?? []) ids.push(sc.ID);
  return ids;
}

function normalizeSession(s: Session): Session {
  const out: Session = {
    ID: s.ID ?? '',
    Name: s.Name ?? '',
    Node: s.Node ?? '',
    LockDelay: s.LockDelay ?? 0,
    Behavior: s.Behavior ?? ('' as Session['Behavior']),
    TTL: s.TTL ?? '',
    NodeChecks: s.NodeChecks ?? [],
    ServiceChecks: s.ServiceChecks ?? null,
    CreateIndex: 0,
    ModifyIndex: 0,
  };
  for (const [k, v] of Object.entries(s)) if (!(k in out) && v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  return out;
}

/** sessionCreateTxn: validates and inserts a session. */
export function sessionCreateTx(tx: Tx, input: Session): Session {
  const db = tx.db;
  const sess = normalizeSession(input);
  if (sess.ID === '') throw stateError('Missing session ID');
  const behavior = sess.Behavior as string;
  if (behavior === '') sess.Behavior = 'release';
  else if (behavior !== 'release' && behavior !== 'delete') {
    throw stateError(`Invalid session behavior: ${behavior}`);
  }
  sess.CreateIndex = tx.idx;
  sess.ModifyIndex = tx.idx;
  if (!db.nodes.has(lc(sess.Node))) throw stateError('Missing node registration');
  for (const checkId of sessionCheckIds(sess)) {
    const check = db.checks.get(pairKey(sess.Node, checkId));
    if (!check) throw stateError(`Missing check '${checkId}' registration`);
    if (check.Status === 'critical') throw stateError(`Check '${checkId}' is in critical state`);
  }
  const previous = db.sessions.get(sess.ID);
  if (previous) unindexSession(tx, previous);
  tx.put(db.sessions, sess.ID, Object.freeze(sess));
  tx.link(db.sessionsByNode, lc(sess.Node), sess.ID);
  for (const checkId of sessionCheckIds(sess)) tx.link(db.sessionsByCheck, pairKey(sess.Node, checkId), sess.ID);
  touchSession(tx, sess);
  tx.bump('sessions');
  return sess;
}

function unindexSession(tx: Tx, sess: Session): void {
  tx.unlink(tx.db.sessionsByNode, lc(sess.Node), sess.ID);
  for (const checkId of sessionCheckIds(sess)) tx.unlink(tx.db.sessionsByCheck, pairKey(sess.Node, checkId), sess.ID);
}

function touchSession(tx: Tx, sess: Session): void {
  tx.touch(`sess:${sess.ID}`);
  tx.touch(`nodesess:${lc(sess.Node)}`);
  tx.touch('t:sessions');
}

/**
 * deleteSessionTxn: removes a session and invalidates its locks. With Behavior=release each held
 * key loses its Session (LockIndex kept); with delete the keys go. Either way each key gets a
 * lock-delay of the session's LockDelay (capped at 60s) from the injected clock's now.
 */
export function sessionDestroyTx(tx: Tx, id: string): void {
  const db = tx.db;
  const sess = db.sessions.get(id);
  if (!sess) return;
  unindexSession(tx, sess);
  tx.remove(db.sessions, id);
  touchSession(tx, sess);
  tx.bump('sessions');

  const delayMs = Math.min(sess.LockDelay, MAX_LOCK_DELAY_NS) / 1e6;
  const now = db.clock.nowMs();
  for (const key of members(db.kvsBySession, id)) {
    const entry = db.kvs.get(key);
    if (!entry) continue;
    if (sess.Behavior === 'delete') kvsDeleteTx(tx, key);
    else kvsSetTx(tx, { ...entry, Session: '' }, true);
    if (delayMs > 0) setLockDelay(tx, key, now + delayMs);
  }
}

/** Invalidates every session that lists check `checkId` on `node`. */
export function invalidateCheckSessions(tx: Tx, node: string, checkId: string): void {
  for (const id of members(tx.db.sessionsByCheck, pairKey(node, checkId))) sessionDestroyTx(tx, id);
}

/** Invalidates every session of `node`. */
export function invalidateNodeSessions(tx: Tx, node: string): void {
  for (const id of members(tx.db.sessionsByNode, lc(node))) sessionDestroyTx(tx, id);
}

// ---- reads (index: the sessions table's) ----

export function sessionGet(db: Db, ws: WatchSet | null, id: string): [number, Session | null] {
  db.watch(ws, `sess:${id}`, 'sessions');
  return [db.index('sessions'), db.sessions.get(id) ?? null];
}

export function sessionList(db: Db, ws: WatchSet | null): [number, Session[]] {
  db.watch(ws, 't:sessions', 'sessions');
  return [db.index('sessions'), [...db.sessions.values()]];
}

export function nodeSessions(db: Db, ws: WatchSet | null, node: string): [number, Session[]] {
  db.watch(ws, `nodesess:${lc(node)}`, 'sessions');
  const ids = members(db.sessionsByNode, lc(node)).sort();
  return [db.index('sessions'), ids.map((id) => db.sessions.get(id)!)];
}
