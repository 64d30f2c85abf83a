// Multi-op transactions (PUT /v1/txn), Consul's state/txn.go: every op runs in one write
// transaction, errors are collected per op ({OpIndex, What}) and any error rolls the whole
// transaction back. Read verbs work in both read-write and read-only transactions.
import type { DirEntry, HealthCheck, Node, NodeService, TxnError, TxnOp, TxnResult } from '../structs/index.js';
import { type Db, type Tx, goQuote, lc, pairKey } from './db.js';
import { deleteCheckTx, deleteNodeTx, deleteServiceTx, ensureCheckTx, ensureNodeTx, ensureServiceTx } from './catalog.js';
import {
  keysUnder,
  kvsCasTx,
  kvsDeleteCasTx,
  kvsDeleteTreeTx,
  kvsDeleteTx,
  kvsLockTx,
  kvsSetTx,
  kvsUnlockTx,
  normalizeEntry,
} from './kvs.js';
import { ConclaveError } from '../lib/errors.js';

const READ_KV_VERBS = new Set(['get', 'get-or-empty', 'get-tree', 'check-index', 'check-session', 'check-not-exists']);

/** True when every op only reads (a read-only transaction may run on any server). */
export function isReadOnlyTxn(ops: readonly TxnOp[]): boolean {
  return ops.every((op) => {
    if ('KV' in op) return READ_KV_VERBS.has(op.KV.Verb);
    if ('Node' in op) return op.Node.Verb === 'get';
    if ('Service' in op) return op.Service.Verb === 'get';
    if ('Check' in op) return op.Check.Verb === 'get';
    return false;
  });
}

class OpError extends Error {}

function fail(message: string): never {
  throw new OpError(message);
}

/** A KV result without its value (only get verbs return values). */
function blank(e: DirEntry): TxnResult {
  return { KV: { ...e, Value: null } };
}

/** Runs one op; `tx` is null for a read-only transaction. Returns its results. */
function runOp(db: Db, tx: Tx | null, op: TxnOp, enforceLockDelay: boolean): TxnResult[] {
  const w = (): Tx => tx ?? fail('cannot run a write operation in a read-only transaction');
  if ('KV' in op && op.KV && op.KV.Entry) {
    return runKv(db, w, op.KV.Verb, normalizeEntry(op.KV.Entry), enforceLockDelay);
  }
  if ('Node' in op && op.Node && op.Node.Node) return runNode(db, w, op.Node.Verb, op.Node.Node);
  if ('Service' in op && op.Service && op.Service.Service) {
    return runService(db, w, op.Service.Verb, op.Service.Node ?? '', op.Service.Service);
  }
  if ('Check' in op && op.Check && op.Check.Check) return runCheck(db, w, op.Check.Verb, op.Check.Check);
  fail('no operation specified');
}

function runKv(db: Db, w: () => Tx, verb: string, e: DirEntry, enforceLockDelay: boolean): TxnResult[] {
  const key = goQuote(e.Key);
  switch (verb) {
    case 'set':
      return [blank(kvsSetTx(w(), e, false))];
    case 'cas': {
      const r = kvsCasTx(w(), e);
      if (!r) fail(`failed to set key ${key}, index is stale`);
      return [blank(r)];
    }
    case 'lock': {
      const r = kvsLockTx(w(), e, enforceLockDelay);
      if (!r.ok && r.why === 'lock-delay') fail(`failed to lock key ${key} due to lock delay`);
      if (!r.ok) fail(`failed to lock key ${key}, lock is already held`);
      return [blank(r.entry)];
    }
    case 'unlock': {
      const r = kvsUnlockTx(w(), e);
      if (!r) fail(`failed to unlock key ${key}, lock isn't held, or is held by another session`);
      return [blank(r)];
    }
    case 'delete':
      kvsDeleteTx(w(), e.Key);
      return [];
    case 'delete-cas':
      if (!kvsDeleteCasTx(w(), e.Key, e.ModifyIndex)) fail(`failed to delete key ${key}, index is stale`);
      return [];
    case 'delete-tree':
      kvsDeleteTreeTx(w(), e.Key);
      return [];
    case 'get': {
      const cur = db.kvs.get(e.Key);
      if (!cur) fail(`key ${key} doesn't exist`);
      return [{ KV: cur }];
    }
    case 'get-or-empty':
      return [{ KV: db.kvs.get(e.Key) ?? { ...e, Value: null } }];
    case 'get-tree':
      return keysUnder(db, e.Key).map((k) => ({ KV: db.kvs.get(k)! }));
    case 'check-session': {
      const cur = db.kvs.get(e.Key);
      if (!cur) fail(`failed to check session, key ${key} doesn't exist`);
      if (cur.Session !== e.Session) {
        fail(`failed session check for key ${key}, current session ${goQuote(cur.Session)} != ${goQuote(e.Session)}`);
      }
      return [blank(cur)];
    }
    case 'check-index': {
      const cur = db.kvs.get(e.Key);
      if (!cur) fail(`failed to check index, key ${key} doesn't exist`);
      if (cur.ModifyIndex !== e.ModifyIndex) {
        fail(`failed index check for key ${key}, current modify index ${cur.ModifyIndex} != ${e.ModifyIndex}`);
      }
      return [blank(cur)];
    }
    case 'check-not-exists':
      if (db.kvs.has(e.Key)) fail(`key ${key} exists`);
      return [];
    default:
      fail(`unknown KV verb ${goQuote(verb)}`);
  }
}

function findNode(db: Db, n: Node): Node | undefined {
  if (n.ID) {
    const name = db.nodeIds.get(lc(n.ID));
    return name !== undefined ? db.nodes.get(name) : undefined;
  }
  return db.nodes.get(lc(n.Node));
}

function runNode(db: Db, w: () => Tx, verb: string, n: Node): TxnResult[] {
  const name = goQuote(n.Node);
  switch (verb) {
    case 'get': {
      const cur = findNode(db, n);
      if (!cur) fail(`node ${name} doesn't exist`);
      return [{ Node: cur }];
    }
    case 'set':
      ensureNodeTx(w(), n);
      return [{ Node: { ...findNode(db, n)! } }];
    case 'cas': {
      const cur = findNode(db, n);
      const want = n.ModifyIndex ?? 0;
      if ((want === 0 && cur) || (want !== 0 && !cur) || (cur && want !== 0 && want !== cur.ModifyIndex)) {
        fail(`failed to set node ${name}, index is stale`);
      }
      ensureNodeTx(w(), n);
      return [{ Node: { ...findNode(db, n)! } }];
    }
    case 'delete':
      deleteNodeTx(w(), n.Node);
      return [];
    case 'delete-cas': {
      const cur = db.nodes.get(lc(n.Node));
      if (!cur || cur.ModifyIndex !== n.ModifyIndex) fail(`failed to delete node ${name}, index is stale`);
      deleteNodeTx(w(), n.Node);
      return [];
    }
    default:
      fail(`unknown Node verb ${goQuote(verb)}`);
  }
}

function runService(db: Db, w: () => Tx, verb: string, node: string, svc: NodeService): TxnResult[] {
  const where = `${goQuote(svc.ID)} on node ${goQuote(node)}`;
  const current = () => db.services.get(pairKey(node, svc.ID))?.Service;
  switch (verb) {
    case 'get': {
      const cur = current();
      if (!cur) fail(`service ${where} doesn't exist`);
      return [{ Service: cur }];
    }
    case 'set':
      ensureServiceTx(w(), node, svc);
      return [{ Service: { ...current()! } }];
    case 'cas': {
      const cur = current();
      const want = svc.ModifyIndex ?? 0;
      if ((want === 0 && cur) || (want !== 0 && !cur) || (cur && want !== 0 && want !== cur.ModifyIndex)) {
        fail(`failed to set service ${where}, index is stale`);
      }
      ensureServiceTx(w(), node, svc);
      return [{ Service: { ...current()! } }];
    }
    case 'delete':
      deleteServiceTx(w(), node, svc.ID);
      return [];
    case 'delete-cas': {
      const cur = current();
      if (!cur || cur.ModifyIndex !== svc.ModifyIndex) fail(`failed to delete service ${where}, index is stale`);
      deleteServiceTx(w(), node, svc.ID);
      return [];
    }
    default:
      fail(`unknown Service verb ${goQuote(verb)}`);
  }
}

function runCheck(db: Db, w: () => Tx, verb: string, hc: HealthCheck): TxnResult[] {
  const where = `${goQuote(hc.CheckID)} on node ${goQuote(hc.Node)}`;
  const current = () => db.checks.get(pairKey(hc.Node, hc.CheckID));
  switch (verb) {
    case 'get': {
      const cur = current();
      if (!cur) fail(`check ${where} doesn't exist`);
      return [{ Check: cur }];
    }
    case 'set':
      ensureCheckTx(w(), hc);
      return [{ Check: { ...current()! } }];
    case 'cas': {
      const cur = current();
      const want = hc.ModifyIndex ?? 0;
      if ((want === 0 && cur) || (want !== 0 && !cur) || (cur && want !== 0 && want !== cur.ModifyIndex)) {
        fail(`failed to set check ${where}, index is stale`);
      }
      ensureCheckTx(w(), hc);
      return [{ Check: { ...current()! } }];
    }
    case 'delete':
      deleteCheckTx(w(), hc.Node, hc.CheckID);
      return [];
    case 'delete-cas': {
      const cur = current();
      if (!cur || cur.ModifyIndex !== hc.ModifyIndex) fail(`failed to delete check ${where}, index is stale`);
      deleteCheckTx(w(), hc.Node, hc.CheckID);
      return [];
    }
    default:
      fail(`unknown Check verb ${goQuote(verb)}`);
  }
}

/**
 * txnDispatch: runs every op (later ops see earlier ops' writes), collecting results and errors.
 * An op error from the store (a ConclaveError) or from a verb check becomes {OpIndex, What};
 * anything else is a bug and propagates.
 */
export function txnDispatch(
  db: Db,
  tx: Tx | null,
  ops: readonly TxnOp[],
  enforceLockDelay = true,
): { results: TxnResult[]; errors: TxnError[] } {
  const results: TxnResult[] = [];
  const errors: TxnError[] = [];
  ops.forEach((op, i) => {
    try {
      if (!op || typeof op !== 'object') fail('no operation specified');
      results.push(...runOp(db, tx, op, enforceLockDelay));
    } catch (err) {
      if (err instanceof OpError || err instanceof ConclaveError) errors.push({ OpIndex: i, What: err.message });
      else throw err;
    }
  });
  return { results, errors };
}
