import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StateStore, WatchSet } from '../../src/state/index.js';
import type { TxnOp } from '../../src/structs/index.js';
import { FakeClock, check, kv, node, park, session, settle } from './helpers.js';

const kvOp = (Verb: string, key: string, value = '', extra = {}): TxnOp =>
  ({ KV: { Verb, Entry: kv(key, value, extra) } }) as TxnOp;

test('a successful txn applies every op and returns KV results without values (except gets)', () => {
  const s = new StateStore();
  s.kvsSet(1, kv('existing', 'old'));
  const r = s.txn(2, [
    kvOp('set', 'a', 'va'),
    kvOp('cas', 'b', 'vb', { ModifyIndex: 0 }),
    kvOp('get', 'existing'),
    kvOp('delete', 'existing'),
    kvOp('check-not-exists', 'existing'),
  ]);
  assert.equal(r.Errors, null);
  const results = r.Results!.map((x) => ('KV' in x ? [x.KV.Key, x.KV.Value && new TextDecoder().decode(x.KV.Value)] : null));
  assert.deepEqual(results, [
    ['a', null],
    ['b', null],
    ['existing', 'old'],
  ]);
  assert.equal(s.kvsGet(null, 'existing')[1], null);
  assert.equal(s.kvsGet(null, 'a')[1]!.ModifyIndex, 2);
});

test('any op error rolls the whole txn back and reports every failed op', async () => {
  const s = new StateStore();
  s.ensureRegistration(1, node('n1'));
  s.kvsSet(2, kv('k', 'v'));
  const before = s.snapshot();
  const ws = new WatchSet();
  s.kvsList(ws, '');
  s.nodes(ws);
  const p = park(ws);
  const r = s.txn(3, [
    kvOp('set', 'new', 'x'),
    kvOp('delete-tree', ''),
    { Node: { Verb: 'set', Node: { Node: 'n2', Address: '10.0.0.2' } } } as TxnOp,
    kvOp('cas', 'k', 'y', { ModifyIndex: 99 }),
    kvOp('get', 'nope'),
    { Service: { Verb: 'set', Node: 'ghost', Service: { ID: 'web', Service: 'web' } } } as TxnOp,
    kvOp('bogus', 'k'),
  ]);
  assert.equal(r.Results, null);
  assert.deepEqual(r.Errors, [
    { OpIndex: 3, What: 'failed to set key "k", index is stale' },
    { OpIndex: 4, What: 'key "nope" doesn\'t exist' },
    { OpIndex: 5, What: 'Missing node registration' },
    { OpIndex: 6, What: 'unknown KV verb "bogus"' },
  ]);
  assert.deepEqual(s.snapshot(), before, 'nothing of the txn is left');
  assert.equal(s.kvsGet(null, 'k')[1]!.ModifyIndex, 2);
  assert.equal(s.getNode(null, 'n2')[1], null);
  await settle();
  assert.equal(p.woke(), null, 'a rolled-back txn wakes no one');
  await p.stop();
});

test('lock, unlock, check-session and check-index verbs', () => {
  const clock = new FakeClock();
  const s = new StateStore({ clock });
  s.ensureRegistration(1, node('n1'));
  s.sessionCreate(2, session('s1', 'n1'));
  let r = s.txn(3, [kvOp('lock', 'l', 'v', { Session: 's1' }), kvOp('check-session', 'l', '', { Session: 's1' })]);
  assert.equal(r.Errors, null);
  r = s.txn(4, [kvOp('check-index', 'l', '', { ModifyIndex: 1 })]);
  assert.deepEqual(r.Errors, [{ OpIndex: 0, What: 'failed index check for key "l", current modify index 3 != 1' }]);
  r = s.txn(4, [kvOp('unlock', 'l', '', { Session: 'other' })]);
  assert.deepEqual(r.Errors, [{ OpIndex: 0, What: 'failed to unlock key "l", lock isn\'t held, or is held by another session' }]);
  s.sessionDestroy(5, 's1');
  s.sessionCreate(6, session('s2', 'n1'));
  r = s.txn(7, [kvOp('lock', 'l', 'v', { Session: 's2' })]);
  assert.deepEqual(r.Errors, [{ OpIndex: 0, What: 'failed to lock key "l" due to lock delay' }]);
  r = s.txn(7, [kvOp('check-session', 'l', '', { Session: 's2' })]);
  assert.deepEqual(r.Errors, [{ OpIndex: 0, What: 'failed session check for key "l", current session "" != "s2"' }]);
});

test('catalog verbs: set, cas, get, delete-cas, with Consul error texts', () => {
  const s = new StateStore();
  let r = s.txn(1, [
    { Node: { Verb: 'set', Node: { Node: 'n1', Address: '10.0.0.1' } } } as TxnOp,
    { Service: { Verb: 'set', Node: 'n1', Service: { ID: 'web', Service: 'web', Port: 80 } } } as TxnOp,
    { Check: { Verb: 'set', Check: check('n1', 'c1', 'passing', { ServiceID: 'web' }) } } as TxnOp,
  ]);
  assert.equal(r.Errors, null);
  assert.deepEqual(r.Results!.map((x) => Object.keys(x)[0]), ['Node', 'Service', 'Check']);
  assert.equal(s.checkServiceNodes(null, 'web')[1][0]!.Checks[0]!.ServiceName, 'web');
  r = s.txn(2, [{ Node: { Verb: 'cas', Node: { Node: 'n1', Address: '10.0.0.9', ModifyIndex: 7 } } } as TxnOp]);
  assert.deepEqual(r.Errors, [{ OpIndex: 0, What: 'failed to set node "n1", index is stale' }]);
  r = s.txn(2, [{ Service: { Verb: 'delete-cas', Node: 'n1', Service: { ID: 'web', ModifyIndex: 9 } } } as TxnOp]);
  assert.deepEqual(r.Errors, [{ OpIndex: 0, What: 'failed to delete service "web" on node "n1", index is stale' }]);
  r = s.txn(2, [{ Check: { Verb: 'get', Check: { Node: 'n1', CheckID: 'zz' } } } as TxnOp]);
  assert.deepEqual(r.Errors, [{ OpIndex: 0, What: 'check "zz" on node "n1" doesn\'t exist' }]);
  r = s.txn(2, [{ Node: { Verb: 'delete-cas', Node: { Node: 'n1', ModifyIndex: 1 } } } as TxnOp]);
  assert.equal(r.Errors, null);
  assert.deepEqual(s.nodes(null)[1], []);
});

test('txnRead runs reads without a Raft index and refuses writes', () => {
  const s = new StateStore();
  s.kvsSet(1, kv('a/1', 'x'));
  s.kvsSet(2, kv('a/2', 'y'));
  const ops = [kvOp('get-tree', 'a/'), kvOp('get-or-empty', 'missing')];
  assert.ok(StateStore.isReadOnlyTxn(ops));
  const r = s.txnRead(ops);
  assert.equal(r.Errors, null);
  assert.deepEqual(r.Results!.map((x) => ('KV' in x ? x.KV.Key : '')), ['a/1', 'a/2', 'missing']);
  const w = s.txnRead([kvOp('set', 'b', 'z')]);
  assert.deepEqual(w.Errors, [{ OpIndex: 0, What: 'cannot run a write operation in a read-only transaction' }]);
  assert.equal(StateStore.isReadOnlyTxn([kvOp('set', 'b')]), false);
  assert.deepEqual(s.txnRead([{} as TxnOp]).Errors, [{ OpIndex: 0, What: 'no operation specified' }]);
});
