import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StateStore } from '../../src/state/index.js';
import { kv, node, session } from './helpers.js';

const text = (v: Uint8Array | null) => (v ? new TextDecoder().decode(v) : null);

test('kvsGet: entry index is its ModifyIndex; a missing key reports the KV tables index', () => {
  const s = new StateStore();
  assert.deepEqual(s.kvsGet(null, 'a'), [0, null]);
  s.kvsSet(5, kv('a', 'one'));
  s.kvsSet(7, kv('b', 'two'));
  const [idx, e] = s.kvsGet(null, 'a');
  assert.equal(idx, 5);
  assert.equal(text(e!.Value), 'one');
  assert.equal(e!.CreateIndex, 5);
  assert.equal(s.kvsGet(null, 'missing')[0], 7);
  s.kvsDelete(9, 'b');
  assert.equal(s.kvsGet(null, 'missing')[0], 9, 'tombstones count for a missing key');
});

test('kvsSet keeps CreateIndex, bumps ModifyIndex, and keeps the lock holder', () => {
  const s = new StateStore();
  s.ensureRegistration(1, node('n1'));
  s.sessionCreate(2, session('s1', 'n1'));
  assert.equal(s.kvsLock(3, kv('k', 'v', { Session: 's1' })), true);
  s.kvsSet(4, kv('k', 'v2'));
  const e = s.kvsGet(null, 'k')[1]!;
  assert.equal(e.CreateIndex, 3);
  assert.equal(e.ModifyIndex, 4);
  assert.equal(e.Session, 's1', 'a plain set never drops a lock');
  assert.equal(s.maxIndex('kvs'), 4);
});

test('flags are uint64 bigints', () => {
  const s = new StateStore();
  s.kvsSet(1, kv('f', '', { Flags: 2n ** 64n - 1n }));
  assert.equal(s.kvsGet(null, 'f')[1]!.Flags, 18446744073709551615n);
});

test('kvsList returns sorted entries under the prefix, a range not a scan of others', () => {
  const s = new StateStore();
  for (const [i, k] of ['b/2', 'a', 'b/1', 'b', 'c/1', 'b/10'].entries()) s.kvsSet(i + 1, kv(k, k));
  const [idx, list] = s.kvsList(null, 'b/');
  assert.deepEqual(list.map((e) => e.Key), ['b/1', 'b/10', 'b/2']);
  assert.equal(idx, 6, 'max ModifyIndex under the prefix');
  assert.deepEqual(s.kvsList(null, '')[1].map((e) => e.Key), ['a', 'b', 'b/1', 'b/10', 'b/2', 'c/1']);
});

test('prefix index: max over entries and tombstones, else the tables index, never backwards on delete', () => {
  const s = new StateStore();
  s.kvsSet(1, kv('app/a', '1'));
  s.kvsSet(2, kv('app/b', '1'));
  s.kvsSet(3, kv('other', '1'));
  assert.equal(s.kvsList(null, 'app/')[0], 2);
  s.kvsDelete(4, 'app/b');
  assert.equal(s.kvsList(null, 'app/')[0], 4, 'the tombstone carries the delete forward');
  s.kvsSet(5, kv('other', '2'));
  assert.equal(s.kvsList(null, 'app/')[0], 4, 'unrelated writes do not move the prefix index');
  assert.equal(s.kvsList(null, 'nothing/')[0], 5, 'no entries or tombstones: the tables index');
  assert.equal(s.kvsList(null, '')[0], 5, 'the root prefix uses the tables index');
});

test('kvsListKeys rolls keys up at the first separator after the prefix', () => {
  const s = new StateStore();
  for (const [i, k] of ['web/bar', 'web/sub/a', 'web/sub/b', 'web/sub/c/d', 'web/zed', 'webx'].entries()) {
    s.kvsSet(i + 1, kv(k));
  }
  assert.deepEqual(s.kvsListKeys(null, 'web/', '/')[1], ['web/bar', 'web/sub/', 'web/zed']);
  assert.deepEqual(s.kvsListKeys(null, 'web/', '')[1], ['web/bar', 'web/sub/a', 'web/sub/b', 'web/sub/c/d', 'web/zed']);
  assert.deepEqual(s.kvsListKeys(null, '', '/')[1], ['web/', 'webx']);
  assert.equal(s.kvsListKeys(null, 'web/', '/')[0], 5);
});

test('kvsCAS: 0 means create-only; otherwise the ModifyIndex must match', () => {
  const s = new StateStore();
  assert.equal(s.kvsCAS(1, kv('k', 'a', { ModifyIndex: 3 })), false, 'missing key with a non-zero index');
  assert.equal(s.kvsCAS(2, kv('k', 'a', { ModifyIndex: 0 })), true);
  assert.equal(s.kvsCAS(3, kv('k', 'b', { ModifyIndex: 0 })), false);
  assert.equal(s.kvsCAS(4, kv('k', 'b', { ModifyIndex: 1 })), false);
  assert.equal(s.kvsCAS(5, kv('k', 'b', { ModifyIndex: 2 })), true);
  assert.equal(text(s.kvsGet(null, 'k')[1]!.Value), 'b');
  assert.equal(s.maxIndex('kvs'), 5);
});

test('kvsDeleteCAS deletes only at the right index; a missing key counts as done', () => {
  const s = new StateStore();
  s.kvsSet(1, kv('k', 'a'));
  assert.equal(s.kvsDeleteCAS(2, 'k', 7), false);
  assert.ok(s.kvsGet(null, 'k')[1]);
  assert.equal(s.kvsDeleteCAS(3, 'k', 1), true);
  assert.equal(s.kvsGet(null, 'k')[1], null);
  assert.equal(s.kvsDeleteCAS(4, 'k', 0), true);
});

test('kvsDeleteTree removes the subtree with one tombstone at the prefix', () => {
  const s = new StateStore();
  for (const [i, k] of ['t/a', 't/b/c', 'tx', 'u'].entries()) s.kvsSet(i + 1, kv(k));
  s.kvsDeleteTree(10, 't/');
  assert.deepEqual(s.kvsList(null, '')[1].map((e) => e.Key), ['tx', 'u']);
  assert.equal(s.kvsList(null, 't/')[0], 10);
  assert.equal(s.maxIndex('tombstones'), 10);
  s.kvsDeleteTree(11, 'nothing/');
  assert.equal(s.maxIndex('kvs'), 10, 'deleting an empty tree changes nothing');
  s.kvsDeleteTree(12, '');
  assert.deepEqual(s.kvsList(null, '')[1], []);
  assert.equal(s.maxIndex('tombstones'), 10, 'no tombstone for deleting everything');
});

test('reapTombstones drops tombstones at or below the index; the prefix index falls back', () => {
  const s = new StateStore();
  s.kvsSet(1, kv('p/a'));
  s.kvsSet(2, kv('p/b'));
  s.kvsDelete(3, 'p/a');
  s.kvsDelete(4, 'p/b');
  s.kvsSet(5, kv('q'));
  assert.equal(s.kvsList(null, 'p/')[0], 4);
  s.reapTombstones(3);
  assert.equal(s.kvsList(null, 'p/')[0], 4);
  s.reapTombstones(4);
  assert.equal(s.kvsList(null, 'p/')[0], 5, 'no tombstones left: the tables index');
});

test('lock, re-lock by holder, refuse other sessions, unlock keeps LockIndex', () => {
  const s = new StateStore();
  s.ensureRegistration(1, node('n1'));
  s.sessionCreate(2, session('s1', 'n1'));
  s.sessionCreate(3, session('s2', 'n1'));
  assert.equal(s.kvsLock(4, kv('l', 'a', { Session: 's1' })), true);
  assert.equal(s.kvsGet(null, 'l')[1]!.LockIndex, 1);
  assert.equal(s.kvsLock(5, kv('l', 'b', { Session: 's1' })), true, 'the holder may update');
  assert.equal(s.kvsGet(null, 'l')[1]!.LockIndex, 1, 'no new acquisition, no LockIndex bump');
  assert.equal(text(s.kvsGet(null, 'l')[1]!.Value), 'b');
  assert.equal(s.kvsLock(6, kv('l', 'c', { Session: 's2' })), false);
  assert.equal(s.kvsUnlock(7, kv('l', 'c', { Session: 's2' })), false);
  assert.equal(s.kvsUnlock(8, kv('l', 'c', { Session: 's1' })), true);
  const e = s.kvsGet(null, 'l')[1]!;
  assert.equal(e.Session, '');
  assert.equal(e.LockIndex, 1);
  assert.equal(s.kvsLock(9, kv('l', 'd', { Session: 's2' })), true);
  assert.equal(s.kvsGet(null, 'l')[1]!.LockIndex, 2);
  assert.equal(s.kvsUnlock(10, kv('missing', '', { Session: 's2' })), false);
});

test('lock errors use Consul texts and leave the store unchanged', () => {
  const s = new StateStore();
  assert.throws(() => s.kvsLock(1, kv('l', 'a')), { message: 'missing session' });
  assert.throws(() => s.kvsLock(1, kv('l', 'a', { Session: 'nope' })), { message: 'invalid session "nope"' });
  assert.throws(() => s.kvsUnlock(1, kv('l', 'a')), { message: 'missing session' });
  assert.equal(s.kvsGet(null, 'l')[1], null);
  assert.equal(s.maxIndex('kvs'), 0);
});

test('onTombstone hints the GC after deletes that leave tombstones, not after rolled-back ones', () => {
  const hints: number[] = [];
  const s = new StateStore({ onTombstone: (idx) => hints.push(idx) });
  s.kvsSet(1, kv('a/1'));
  s.kvsSet(2, kv('a/2'));
  s.kvsDelete(3, 'a/1');
  s.kvsDelete(4, 'missing');
  s.kvsDeleteTree(5, 'a/');
  s.kvsSet(6, kv('b'));
  s.txn(7, [{ KV: { Verb: 'delete', Entry: kv('b') } }, { KV: { Verb: 'get', Entry: kv('nope') } }]);
  assert.deepEqual(hints, [3, 5]);
  assert.ok(s.kvsGet(null, 'b')[1], 'the failed txn left b in place');
});

test('a stored value owns its bytes: it does not keep the buffer it arrived in alive', () => {
  const s = new StateStore();
  // As from a raft command: the value is a view into a larger buffer.
  const command = new Uint8Array(5000).fill(7);
  command.set(new TextEncoder().encode('hello'), 100);
  s.kvsSet(1, { ...kv('a'), Value: command.subarray(100, 105) });
  const big = new Uint8Array(10_000).fill(1);
  s.kvsSet(2, { ...kv('big'), Value: big.subarray(10, 8010) });
  const [, a] = s.kvsGet(null, 'a');
  assert.equal(new TextDecoder().decode(a!.Value!), 'hello');
  assert.notEqual(a!.Value!.buffer, command.buffer);
  assert.ok(a!.Value!.buffer.byteLength <= 8192, `a small value sits in a pool slab (${a!.Value!.buffer.byteLength} bytes)`);
  assert.equal(Object.getPrototypeOf(a!.Value), Uint8Array.prototype, 'a plain Uint8Array');
  const [, b] = s.kvsGet(null, 'big');
  assert.equal(b!.Value!.buffer.byteLength, 8000, 'a large value gets a buffer of its own size');
  command.fill(0);
  big.fill(0);
  assert.equal(new TextDecoder().decode(s.kvsGet(null, 'a')[1]!.Value!), 'hello', 'later writes to the source do not show');
  assert.equal(s.kvsGet(null, 'big')[1]!.Value![0], 1);
});
