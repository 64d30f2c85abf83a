import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StateStore, WatchSet } from '../../src/state/index.js';
import { check, kv, node, park, session, settle } from './helpers.js';

function populated(): StateStore {
  const s = new StateStore();
  s.ensureRegistration(1, {
    ...node('n1', '10.0.0.1', { NodeMeta: { env: 'prod' }, TaggedAddresses: { lan: '10.0.0.1' } }),
    Service: { Service: 'web', Tags: ['a'], Port: 80 } as never,
    Checks: [check('n1', 'serfHealth', 'passing'), check('n1', 'w', 'warning', { ServiceID: 'web' })],
  });
  s.sessionCreate(2, session('s1', 'n1', { NodeChecks: ['serfHealth'] }));
  s.kvsSet(3, kv('flags/max', 'v', { Flags: 2n ** 64n - 1n }));
  s.kvsSet(4, kv('bin', ''));
  s.kvsLock(5, kv('lock', 'held', { Session: 's1' }));
  s.kvsSet(6, kv('gone/x', '1'));
  s.kvsDelete(7, 'gone/x');
  s.ensureRegistration(8, { ...node('n1', '10.0.0.1', { NodeMeta: { env: 'prod' }, TaggedAddresses: { lan: '10.0.0.1' } }), Service: { Service: 'tmp' } as never });
  s.deleteService(9, 'n1', 'tmp');
  return s;
}

test('snapshot/restore round-trips rows, secondary indexes and every index', () => {
  const s = populated();
  const r = StateStore.restore(s.snapshot());
  assert.equal(r.kvsGet(null, 'flags/max')[1]!.Flags, 18446744073709551615n);
  assert.deepEqual(r.kvsGet(null, 'bin')[1], s.kvsGet(null, 'bin')[1]);
  assert.deepEqual(r.kvsList(null, ''), s.kvsList(null, ''));
  assert.deepEqual(r.kvsList(null, 'gone/'), [7, []], 'tombstones survive');
  assert.deepEqual(r.checkServiceNodes(null, 'web'), s.checkServiceNodes(null, 'web'));
  assert.deepEqual(r.serviceNodes(null, 'tmp'), s.serviceNodes(null, 'tmp'), 'extinction index survives');
  assert.deepEqual(r.nodeServices(null, 'n1'), s.nodeServices(null, 'n1'));
  assert.deepEqual(r.sessionList(null), s.sessionList(null));
  for (const t of ['nodes', 'services', 'checks', 'kvs', 'tombstones', 'sessions'] as const) {
    assert.equal(r.maxIndex(t), s.maxIndex(t), t);
  }
  assert.deepEqual(r.snapshot(), s.snapshot(), 'a restored store snapshots identically');
  // Secondary indexes were rebuilt: a critical check still finds and invalidates the session.
  r.ensureRegistration(10, { ...node('n1', '10.0.0.1', { NodeMeta: { env: 'prod' }, TaggedAddresses: { lan: '10.0.0.1' } }), Checks: [check('n1', 'serfHealth', 'critical')] });
  assert.deepEqual(r.sessionList(null)[1], []);
  assert.equal(r.kvsGet(null, 'lock')[1]!.Session, '');
});

test('restore builds a new store; abandoning the old one wakes its waiters', async () => {
  const s = populated();
  const ws = new WatchSet();
  s.kvsGet(ws, 'flags/max');
  const p = park(ws);
  const fresh = StateStore.restore(s.snapshot());
  await settle();
  assert.equal(p.woke(), null);
  s.abandon();
  await settle();
  assert.equal(p.woke(), 'changed');
  assert.equal(s.abandoned, true);
  assert.equal(fresh.abandoned, false);
});

test('restore rejects data that is not a snapshot', () => {
  assert.throws(() => StateStore.restore(new Uint8Array([0x93, 1, 2, 3])), /unsupported format/);
});

test('a snapshot stream holds the state at the moment it was made, and gives the same bytes in pieces', () => {
  const s = new StateStore();
  const value = 'x'.repeat(1000);
  for (let i = 0; i < 3000; i++) s.kvsSet(i + 1, kv(`k/${String(i).padStart(5, '0')}`, value));
  const whole = s.snapshot();
  const stream = s.snapshotStream();
  // Writes after the stream was made must not show in it.
  s.kvsSet(3001, kv('k/00000', 'changed'));
  s.kvsDelete(3002, 'k/00001');
  s.kvsSet(3003, kv('late', 'v'));
  const pieces: Uint8Array[] = [];
  let previous: ArrayBufferLike | null = null;
  let reused = false;
  for (const p of stream.chunks()) {
    assert.ok(p.length <= 1024 * 1024, `a piece is at most 1 MiB (${p.length})`);
    if (previous === p.buffer) reused = true;
    previous = p.buffer;
    pieces.push(p.slice());
  }
  assert.ok(pieces.length >= 3, `~3 MB comes in several pieces (${pieces.length})`);
  assert.ok(reused, 'the pieces share one buffer');
  const bytes = Buffer.concat(pieces);
  assert.equal(stream.length, bytes.length);
  assert.ok(bytes.equals(Buffer.from(whole)), 'the same bytes as snapshot() at that moment');
  const r = StateStore.restore(bytes);
  assert.equal(new TextDecoder().decode(r.kvsGet(null, 'k/00000')[1]!.Value!), value);
  assert.ok(r.kvsGet(null, 'k/00001')[1], 'the later delete is not in it');
  assert.equal(r.kvsGet(null, 'late')[1], null);
  assert.equal(r.maxIndex('kvs'), 3000);
});

test('restore reads a snapshot packed whole, in any field order, the same as one written as a stream', async () => {
  const { Packr } = await import('msgpackr');
  const s = populated();
  const packr = new Packr({ useRecords: false, moreTypes: false });
  const whole = packr.unpack(s.snapshot()) as Record<string, unknown>;
  const reordered: Record<string, unknown> = {};
  for (const k of Object.keys(whole).reverse()) reordered[k] = whole[k];
  for (const bytes of [packr.pack(whole), packr.pack(reordered)]) {
    const r = StateStore.restore(bytes);
    assert.deepEqual(r.snapshot(), s.snapshot());
    assert.deepEqual(r.kvsList(null, ''), s.kvsList(null, ''));
  }
  assert.throws(() => StateStore.restore(s.snapshot().subarray(0, 200)));
});
