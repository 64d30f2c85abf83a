import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StateStore, WatchSet } from '../../src/state/index.js';
import { FakeClock, check, kv, node, park, session, settle } from './helpers.js';

function storeWithNode(clock = new FakeClock()): StateStore {
  const s = new StateStore({ clock });
  s.ensureRegistration(1, {
    ...node('n1'),
    Service: { Service: 'web' } as never,
    Checks: [check('n1', 'serfHealth', 'passing'), check('n1', 'web-check', 'passing', { ServiceID: 'web' })],
  });
  return s;
}

test('sessionCreate validates node and checks with Consul texts, changing nothing on error', () => {
  const s = storeWithNode();
  s.ensureRegistration(2, { ...node('n1'), Checks: [check('n1', 'bad', 'critical')] });
  const cases: Array<[Parameters<StateStore['sessionCreate']>[1], string]> = [
    [session('', 'n1'), 'Missing session ID'],
    [session('s', 'ghost'), 'Missing node registration'],
    [session('s', 'n1', { NodeChecks: ['nope'] }), "Missing check 'nope' registration"],
    [session('s', 'n1', { NodeChecks: ['bad'] }), "Check 'bad' is in critical state"],
    [session('s', 'n1', { ServiceChecks: [{ ID: 'bad', Namespace: '' }] }), "Check 'bad' is in critical state"],
    [session('s', 'n1', { Behavior: 'explode' as never }), 'Invalid session behavior: explode'],
  ];
  for (const [sess, message] of cases) assert.throws(() => s.sessionCreate(3, sess), { message });
  assert.deepEqual(s.sessionList(null), [0, []]);
});

test('sessions are listed by ID, by node, and carry their indexes', () => {
  const s = storeWithNode();
  s.sessionCreate(2, session('b', 'n1', { NodeChecks: ['serfHealth'], Behavior: '' as never }));
  s.sessionCreate(3, session('a', 'N1'));
  const [idx, list] = s.sessionList(null);
  assert.equal(idx, 3);
  assert.deepEqual(list.map((x) => x.ID), ['a', 'b']);
  assert.equal(list[1]!.Behavior, 'release', 'empty behavior defaults to release');
  assert.equal(list[1]!.CreateIndex, 2);
  assert.deepEqual(s.nodeSessions(null, 'n1')[1].map((x) => x.ID), ['a', 'b']);
  assert.deepEqual(s.sessionGet(null, 'a')[0], 3);
  assert.equal(s.sessionGet(null, 'zzz')[1], null);
});

test('destroy releases held locks (LockIndex kept) and starts the lock-delay from the clock', () => {
  const clock = new FakeClock();
  const s = storeWithNode(clock);
  s.sessionCreate(2, session('s1', 'n1', { LockDelay: 15e9 }));
  s.sessionCreate(3, session('s2', 'n1'));
  assert.equal(s.kvsLock(4, kv('lock', 'v', { Session: 's1' })), true);
  s.sessionDestroy(5, 's1');
  const e = s.kvsGet(null, 'lock')[1]!;
  assert.equal(e.Session, '');
  assert.equal(e.LockIndex, 1);
  assert.equal(e.ModifyIndex, 5);
  assert.equal(s.kvsLockDelay('lock'), clock.now + 15_000);
  assert.equal(s.kvsLock(6, kv('lock', 'v', { Session: 's2' })), false, 'refused inside the lock-delay');
  assert.equal(s.kvsLock(6, kv('lock', 'v', { Session: 's2' }), { enforceLockDelay: false }), true, 'the FSM path can skip it');
  s.kvsUnlock(7, kv('lock', '', { Session: 's2' }));
  clock.now += 15_000;
  assert.equal(s.kvsLockDelay('lock'), 0);
  assert.equal(s.kvsLock(8, kv('lock', 'v', { Session: 's2' })), true);
  assert.equal(s.kvsGet(null, 'lock')[1]!.LockIndex, 3);
});

test('lock-delay is capped at 60s and zero means none', () => {
  const clock = new FakeClock();
  const s = storeWithNode(clock);
  s.sessionCreate(2, session('long', 'n1', { LockDelay: 600e9 }));
  s.sessionCreate(3, session('none', 'n1', { LockDelay: 0 }));
  s.kvsLock(4, kv('a', '', { Session: 'long' }));
  s.kvsLock(5, kv('b', '', { Session: 'none' }));
  s.sessionDestroy(6, 'long');
  s.sessionDestroy(7, 'none');
  assert.equal(s.kvsLockDelay('a'), clock.now + 60_000);
  assert.equal(s.kvsLockDelay('b'), 0);
});

test('Behavior=delete deletes held keys, leaving tombstones', () => {
  const s = storeWithNode();
  s.sessionCreate(2, session('s1', 'n1', { Behavior: 'delete' }));
  s.kvsLock(3, kv('svc/leader', 'me', { Session: 's1' }));
  s.kvsSet(4, kv('svc/other', 'x'));
  s.sessionDestroy(5, 's1');
  assert.equal(s.kvsGet(null, 'svc/leader')[1], null);
  assert.deepEqual(s.kvsList(null, 'svc/')[1].map((e) => e.Key), ['svc/other']);
  assert.equal(s.kvsList(null, 'svc/')[0], 5);
});

test('a check turning critical invalidates the sessions that list it', async () => {
  const s = storeWithNode();
  s.sessionCreate(2, session('s1', 'n1', { NodeChecks: ['serfHealth'] }));
  s.sessionCreate(3, session('s2', 'n1', { ServiceChecks: [{ ID: 'web-check', Namespace: '' }] }));
  s.sessionCreate(4, session('s3', 'n1'));
  s.kvsLock(5, kv('k1', '', { Session: 's1' }));
  const ws = new WatchSet();
  s.kvsGet(ws, 'k1');
  const p = park(ws);
  s.ensureRegistration(6, { ...node('n1'), Checks: [check('n1', 'serfHealth', 'critical')] });
  assert.deepEqual(s.sessionList(null)[1].map((x) => x.ID), ['s2', 's3']);
  assert.equal(s.kvsGet(null, 'k1')[1]!.Session, '');
  await settle();
  assert.equal(p.woke(), 'changed');
  s.ensureRegistration(7, { ...node('n1'), Checks: [check('n1', 'web-check', 'critical', { ServiceID: 'web' })] });
  assert.deepEqual(s.sessionList(null)[1].map((x) => x.ID), ['s3']);
});

test('deleting a check, a service (and its checks) or the node invalidates dependent sessions', () => {
  const s = storeWithNode();
  s.ensureRegistration(2, { ...node('n1'), Checks: [check('n1', 'extra', 'passing')] });
  s.sessionCreate(3, session('by-check', 'n1', { NodeChecks: ['extra'] }));
  s.sessionCreate(4, session('by-service-check', 'n1', { ServiceChecks: [{ ID: 'web-check', Namespace: '' }] }));
  s.sessionCreate(5, session('by-node', 'n1'));
  s.deleteCheck(6, 'n1', 'extra');
  assert.deepEqual(s.sessionList(null)[1].map((x) => x.ID), ['by-node', 'by-service-check']);
  s.deleteService(7, 'n1', 'web');
  assert.deepEqual(s.sessionList(null)[1].map((x) => x.ID), ['by-node']);
  s.kvsLock(8, kv('held', '', { Session: 'by-node' }));
  s.deleteNode(9, 'n1');
  assert.deepEqual(s.sessionList(null), [9, []]);
  assert.equal(s.kvsGet(null, 'held')[1]!.Session, '');
});

test('sessionDestroy of an unknown session is a no-op', () => {
  const s = storeWithNode();
  s.sessionDestroy(2, 'ghost');
  assert.equal(s.maxIndex('sessions'), 0);
});
