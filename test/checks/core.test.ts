// Pure pieces: flap damping, the output tail, the first-run stagger, the gRPC health encoding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusDamper, dampingLimits } from '../../src/agent/checks/damping.js';
import { TailBuffer } from '../../src/agent/checks/output.js';
import { SlotClock, firstRunDelayMs } from '../../src/agent/checks/runner.js';
import { decodeHealthRequest, decodeHealthResponse, encodeHealthRequest, encodeHealthResponse } from '../../src/agent/checks/grpc-health.js';
import { seededRng } from '../../src/lib/rng.js';
import type { CheckStatus } from '../../src/structs/catalog.js';
import { waitUntil } from '../support/wait.js';

const feed = (d: StatusDamper, seq: CheckStatus[]) => seq.map((s) => d.next(s));

test('without thresholds every result is recorded as it comes', () => {
  const d = new StatusDamper(dampingLimits({}));
  assert.deepEqual(feed(d, ['critical', 'passing', 'warning', 'critical']), ['critical', 'passing', 'warning', 'critical']);
});

test('the first result is recorded at once even with thresholds (counters start full)', () => {
  assert.deepEqual(feed(new StatusDamper(dampingLimits({ SuccessBeforePassing: 3 })), ['passing']), ['passing']);
  assert.deepEqual(feed(new StatusDamper(dampingLimits({ FailuresBeforeCritical: 3 })), ['critical']), ['critical']);
});

test('SuccessBeforePassing needs that many consecutive successes after a failure', () => {
  const d = new StatusDamper(dampingLimits({ SuccessBeforePassing: 2 }));
  assert.deepEqual(feed(d, ['critical', 'passing', 'passing', 'passing']), ['critical', null, 'passing', 'passing']);
  // A failure in between starts the count again.
  assert.deepEqual(feed(d, ['critical', 'passing', 'critical', 'passing', 'passing']), ['critical', null, 'critical', null, 'passing']);
});

test('FailuresBeforeCritical holds the status until that many consecutive failures', () => {
  const d = new StatusDamper(dampingLimits({ FailuresBeforeCritical: 3 }));
  assert.deepEqual(feed(d, ['passing', 'critical', 'critical', 'critical', 'critical']), ['passing', null, null, 'critical', 'critical']);
  assert.deepEqual(feed(d, ['passing', 'critical', 'critical', 'passing', 'critical', 'critical']), ['passing', null, null, 'passing', null, null]);
});

test('FailuresBeforeWarning passes through warning before critical', () => {
  const d = new StatusDamper(dampingLimits({ FailuresBeforeWarning: 1, FailuresBeforeCritical: 3 }));
  assert.deepEqual(feed(d, ['passing', 'critical', 'critical', 'critical']), ['passing', 'warning', 'warning', 'critical']);
});

test('FailuresBeforeWarning defaults to FailuresBeforeCritical', () => {
  assert.deepEqual(dampingLimits({ FailuresBeforeCritical: 4 }), { successBeforePassing: 0, failuresBeforeWarning: 4, failuresBeforeCritical: 4 });
});

test('TailBuffer keeps the last max bytes and says how much it dropped', () => {
  const b = new TailBuffer(8);
  b.push(Buffer.from('hello '));
  assert.equal(b.captured(), 'hello ');
  b.push(Buffer.from('world!'));
  assert.equal(b.text(), 'o world!');
  assert.equal(b.captured(), 'Captured 8 of 12 bytes\n...\no world!');
  b.push(Buffer.from('x'.repeat(20)));
  assert.equal(b.text(), 'x'.repeat(8));
  assert.equal(b.total, 32);
});

test('TailBuffer at 4 KiB keeps exactly the last 4096 bytes of a long stream', () => {
  const b = new TailBuffer(4096);
  for (let i = 0; i < 100; i++) b.push(Buffer.from(`${String(i).padStart(3, '0')}:${'.'.repeat(96)}\n`));
  const out = b.captured();
  assert.ok(out.startsWith('Captured 4096 of 10100 bytes\n...\n'));
  assert.equal(Buffer.byteLength(out.split('\n...\n')[1]!), 4096);
  assert.ok(out.endsWith(`099:${'.'.repeat(96)}\n`));
});

test('first runs are spread over the whole interval, never past it', () => {
  const rng = seededRng(7);
  const intervalMs = 10_000;
  const buckets = new Array(10).fill(0);
  for (let i = 0; i < 1000; i++) {
    const d = firstRunDelayMs(intervalMs, rng);
    assert.ok(d >= 0 && d < intervalMs);
    buckets[Math.floor(d / 1000)]++;
  }
  // 1,000 checks over ten 1-second buckets: each bucket gets a share, none gets a pile.
  for (const n of buckets) assert.ok(n > 50 && n < 150, `bucket counts ${buckets}`);
});

test('a SlotClock starts everything due within one slot from a single timer callback; cancel works', async () => {
  const now = performance.now();
  const clock = new SlotClock(() => now);
  // Which timer callback each call came from: calls made in one callback share a batch number.
  let batch = 0;
  let open = false;
  const calls: Array<[string, number]> = [];
  const mark = (name: string) => () => {
    if (!open) {
      open = true;
      batch++;
      queueMicrotask(() => (open = false));
    }
    calls.push([name, batch]);
  };
  const slot = 40;
  const base = Math.ceil(now / slot) * slot - now; // delays below measured from the slot grid
  clock.schedule(base + 1, slot, mark('a'));
  clock.schedule(base + 39, slot, mark('b'));
  const cancelC = clock.schedule(base + 20, slot, mark('c'));
  clock.schedule(base + 41, slot, mark('d'));
  const cancelE = clock.schedule(base + 200, slot, mark('e'));
  cancelC();
  cancelE();
  // e was alone in its slot, so that slot's timer is gone; c's slot still holds a and b.
  assert.equal(clock.armed, 2);
  await waitUntil(() => calls.length >= 3, 'a, b and d to fire');
  assert.deepEqual(calls, [['a', 1], ['b', 1], ['d', 2]]);
  assert.equal(clock.armed, 0, 'nothing left that could still fire');
});

test('gRPC health messages round-trip through their protobuf encoding', () => {
  const framed = encodeHealthRequest('my.Service');
  assert.equal(framed.readUInt32BE(1), framed.length - 5);
  assert.equal(decodeHealthRequest(framed.subarray(5)), 'my.Service');
  assert.equal(decodeHealthRequest(encodeHealthRequest('').subarray(5)), '');
  for (const s of [0, 1, 2, 3]) assert.equal(decodeHealthResponse(encodeHealthResponse(s)), s);
  // Unknown fields before the status are skipped.
  const msg = Buffer.from([0x12, 0x02, 0x68, 0x69, 0x08, 0x02]);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(msg.length, 1);
  assert.equal(decodeHealthResponse(Buffer.concat([head, msg])), 2);
  assert.throws(() => decodeHealthResponse(Buffer.from([0, 0, 0, 0, 9, 8])), /truncated/);
});
