import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StateStore, WatchSet } from '../../src/state/index.js';
import { kv, node, park, settle } from './helpers.js';

test('a write to a watched key wakes the waiter with changed', async () => {
  const s = new StateStore();
  const ws = new WatchSet();
  s.kvsGet(ws, 'a');
  const p = park(ws);
  s.kvsSet(1, kv('a', 'x'));
  await settle();
  assert.equal(p.woke(), 'changed');
  assert.equal(s.parkedWatchers, 0);
});

test('a write to another key does not wake the waiter', async () => {
  const s = new StateStore();
  const ws = new WatchSet();
  s.kvsGet(ws, 'a');
  const p = park(ws);
  s.kvsSet(1, kv('b', 'x'));
  s.kvsSet(2, kv('ab', 'x'));
  await settle();
  assert.equal(p.woke(), null);
  assert.equal(await p.stop(), 'aborted');
  assert.equal(s.parkedWatchers, 0, 'an aborted waiter is unparked');
});

test('a prefix watch wakes on writes and deletes under the prefix only', async () => {
  const s = new StateStore();
  s.kvsSet(1, kv('app/x', '1'));
  const ws = new WatchSet();
  s.kvsList(ws, 'app/');
  const p = park(ws);
  s.kvsSet(2, kv('other', '1'));
  s.kvsSet(3, kv('ap', '1'));
  await settle();
  assert.equal(p.woke(), null);
  s.kvsDelete(4, 'app/x');
  await settle();
  assert.equal(p.woke(), 'changed');
});

test('a write between the read and wait() is not lost', async () => {
  const s = new StateStore();
  const ws = new WatchSet();
  s.kvsGet(ws, 'k');
  s.kvsSet(1, kv('k', 'v'));
  assert.equal(await ws.wait(60_000), 'changed');
});

test('an unrelated write between the read and wait() does not wake it', async () => {
  const s = new StateStore();
  const ws = new WatchSet();
  s.kvsGet(ws, 'k');
  s.kvsSet(1, kv('unrelated', 'v'));
  const p = park(ws);
  await settle();
  assert.equal(p.woke(), null);
  await p.stop();
});

test('a write that changes nothing wakes no one (no watch churn)', async () => {
  const s = new StateStore();
  s.kvsSet(1, kv('k', 'v'));
  const ws = new WatchSet();
  s.kvsGet(ws, 'k');
  const p = park(ws);
  s.kvsSet(2, kv('k', 'v'));
  await settle();
  assert.equal(p.woke(), null);
  assert.equal(s.kvsGet(null, 'k')[0], 1, 'ModifyIndex unchanged');
  await p.stop();
});

test('wait() times out when nothing changes, and aborts on signal', async () => {
  const s = new StateStore();
  const ws = new WatchSet();
  s.kvsGet(ws, 'k');
  assert.equal(await ws.wait(1), 'timeout');
  const ac = new AbortController();
  ac.abort();
  assert.equal(await ws.wait(60_000, ac.signal), 'aborted');
});

test('abandon() wakes every waiter, and later waits return at once', async () => {
  const s = new StateStore();
  const waits = [];
  for (let i = 0; i < 5; i++) {
    const ws = new WatchSet();
    s.kvsGet(ws, `k${i}`);
    waits.push(park(ws));
  }
  s.abandon();
  await settle();
  for (const w of waits) assert.equal(w.woke(), 'changed');
  const ws = new WatchSet();
  s.kvsGet(ws, 'x');
  assert.equal(await ws.wait(60_000), 'changed');
});

test('past the cap a watch set falls back to the table watch', async () => {
  const s = new StateStore();
  const ws = new WatchSet(3);
  for (const k of ['a', 'b', 'c', 'd', 'e']) s.kvsGet(ws, k);
  assert.equal(ws.size, 4);
  assert.ok(ws.has('t:kvs'));
  const p = park(ws);
  s.kvsSet(1, kv('zzz', '1'));
  await settle();
  assert.equal(p.woke(), 'changed', 'the coarse kvs watch fires on any KV write');
});

test('a catalog write does not wake a KV waiter, and vice versa', async () => {
  const s = new StateStore();
  const kvWs = new WatchSet();
  s.kvsList(kvWs, '');
  const catWs = new WatchSet();
  s.nodes(catWs);
  const a = park(kvWs);
  const b = park(catWs);
  s.ensureRegistration(1, node('n1'));
  await settle();
  assert.equal(a.woke(), null);
  assert.equal(b.woke(), 'changed');
  s.kvsSet(2, kv('k', 'v'));
  await settle();
  assert.equal(a.woke(), 'changed');
});

test('10,000 idle watchers: an unrelated write wakes none of them', async () => {
  const s = new StateStore();
  const parked = [];
  for (let i = 0; i < 10_000; i++) {
    const ws = new WatchSet();
    s.kvsGet(ws, `watched/${i}`);
    parked.push(park(ws));
  }
  assert.equal(s.parkedWatchers, 10_000);
  s.kvsSet(1, kv('unrelated/key', 'v'));
  s.kvsSet(2, kv('watched', 'v'));
  await settle();
  assert.equal(s.parkedWatchers, 10_000);
  assert.ok(parked.every((p) => p.woke() === null));
  s.kvsSet(3, kv('watched/42', 'v'));
  await settle();
  assert.equal(parked[42]!.woke(), 'changed');
  assert.equal(s.parkedWatchers, 9_999);
  await Promise.all(parked.map((p) => p.stop()));
  assert.equal(s.parkedWatchers, 0);
});

test('watch sets from two stores cannot be mixed', () => {
  const a = new StateStore();
  const b = new StateStore();
  const ws = new WatchSet();
  a.kvsGet(ws, 'k');
  assert.throws(() => b.kvsGet(ws, 'k'), /two different stores/);
});
