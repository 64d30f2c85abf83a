// The linearizability checker on hand-made histories: linearizable ones (including concurrent
// and indeterminate operations) must pass, non-linearizable ones must be found, an exhausted
// budget must say "unknown", and malformed input must be refused with a clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type KvEvent, checkKvHistory, kvOperations, parseKvHistory } from '../../src/lib/linearizability/index.js';
import { seededRng } from '../../src/lib/rng.js';

type Ev = [process: number, type: KvEvent['type'], f: KvEvent['f'], value: KvEvent['value'], key?: string];
/** Builds a history; each event's time is its position. */
function h(...evs: Ev[]): KvEvent[] {
  return evs.map(([process, type, f, value, key], time) => ({ process, type, f, key: key ?? 'x', value, time }));
}
const verdict = (evs: KvEvent[]) => checkKvHistory(evs).verdict;

test('sequential write then read of the written value is linearizable', () => {
  assert.equal(verdict(h([0, 'invoke', 'write', 1], [0, 'ok', 'write', 1], [1, 'invoke', 'read', null], [1, 'ok', 'read', 1])), 'ok');
});

test('a read of an absent key returns null', () => {
  assert.equal(verdict(h([0, 'invoke', 'read', null], [0, 'ok', 'read', null])), 'ok');
  assert.equal(verdict(h([0, 'invoke', 'read', null], [0, 'ok', 'read', 7])), 'illegal');
});

test('a stale read after a completed write is not linearizable', () => {
  const r = checkKvHistory(h(
    [0, 'invoke', 'write', 1], [0, 'ok', 'write', 1],
    [0, 'invoke', 'write', 2], [0, 'ok', 'write', 2],
    [1, 'invoke', 'read', null], [1, 'ok', 'read', 1],
  ));
  assert.equal(r.verdict, 'illegal');
  assert.equal(r.problems[0]!.key, 'x');
  assert.equal(r.problems[0]!.stuckAt?.f, 'read');
});

test('a read concurrent with a write may see either value', () => {
  for (const seen of [1, 2]) {
    assert.equal(verdict(h(
      [0, 'invoke', 'write', 1], [0, 'ok', 'write', 1],
      [0, 'invoke', 'write', 2], [1, 'invoke', 'read', null], [1, 'ok', 'read', seen], [0, 'ok', 'write', 2],
    )), 'ok');
  }
});

test('reads must not go back in time: new then old value is illegal', () => {
  assert.equal(verdict(h(
    [0, 'invoke', 'write', 1], [0, 'ok', 'write', 1],
    [0, 'invoke', 'write', 2],
    [1, 'invoke', 'read', null], [1, 'ok', 'read', 2],
    [2, 'invoke', 'read', null], [2, 'ok', 'read', 1],
    [0, 'ok', 'write', 2],
  )), 'illegal');
});

test('cas succeeds only on the expected value', () => {
  assert.equal(verdict(h(
    [0, 'invoke', 'write', 1], [0, 'ok', 'write', 1],
    [0, 'invoke', 'cas', [1, 2]], [0, 'ok', 'cas', [1, 2]],
    [1, 'invoke', 'read', null], [1, 'ok', 'read', 2],
  )), 'ok');
  assert.equal(verdict(h(
    [0, 'invoke', 'write', 1], [0, 'ok', 'write', 1],
    [0, 'invoke', 'cas', [5, 2]], [0, 'ok', 'cas', [5, 2]],
  )), 'illegal');
  // Two successful cas from the same expected value cannot both have happened.
  assert.equal(verdict(h(
    [0, 'invoke', 'write', 1], [0, 'ok', 'write', 1],
    [1, 'invoke', 'cas', [1, 2]], [2, 'invoke', 'cas', [1, 3]], [1, 'ok', 'cas', [1, 2]], [2, 'ok', 'cas', [1, 3]],
  )), 'illegal');
});

test('failed operations are ignored', () => {
  assert.equal(verdict(h(
    [0, 'invoke', 'write', 1], [0, 'fail', 'write', 1],
    [1, 'invoke', 'read', null], [1, 'ok', 'read', null],
  )), 'ok');
});

test('an indeterminate write may take effect late or never', () => {
  const base: Ev[] = [[0, 'invoke', 'write', 1], [0, 'info', 'write', 1]];
  assert.equal(verdict(h(...base, [1, 'invoke', 'read', null], [1, 'ok', 'read', null])), 'ok');
  assert.equal(verdict(h(...base, [1, 'invoke', 'read', null], [1, 'ok', 'read', 1])), 'ok');
  // ...but once observed it cannot be undone.
  assert.equal(verdict(h(...base,
    [1, 'invoke', 'read', null], [1, 'ok', 'read', 1],
    [1, 'invoke', 'read', null], [1, 'ok', 'read', null])), 'illegal');
  // A write that never completed at all (no info line) counts as indeterminate too.
  assert.equal(verdict(h([0, 'invoke', 'write', 1], [1, 'invoke', 'read', null], [1, 'ok', 'read', 1])), 'ok');
});

test('an indeterminate cas applies only if its expected value was there', () => {
  assert.equal(verdict(h(
    [0, 'invoke', 'write', 1], [0, 'ok', 'write', 1],
    [1, 'invoke', 'cas', [1, 2]], [1, 'info', 'cas', [1, 2]],
    [2, 'invoke', 'read', null], [2, 'ok', 'read', 2],
  )), 'ok');
  assert.equal(verdict(h(
    [0, 'invoke', 'write', 1], [0, 'ok', 'write', 1],
    [1, 'invoke', 'cas', [9, 2]], [1, 'info', 'cas', [9, 2]],
    [2, 'invoke', 'read', null], [2, 'ok', 'read', 2],
  )), 'illegal');
});

test('keys are independent partitions; the problem names the bad key', () => {
  const r = checkKvHistory(h(
    [0, 'invoke', 'write', 1, 'a'], [0, 'ok', 'write', 1, 'a'],
    [1, 'invoke', 'write', 1, 'b'], [1, 'ok', 'write', 1, 'b'],
    [2, 'invoke', 'read', null, 'a'], [2, 'ok', 'read', 1, 'a'],
    [3, 'invoke', 'read', null, 'b'], [3, 'ok', 'read', null, 'b'],
  ));
  assert.equal(r.verdict, 'illegal');
  assert.deepEqual(r.problems.map((p) => p.key), ['b']);
  assert.equal(r.keys, 2);
});

test('equal timestamps keep event order (the simulator records events as they happen)', () => {
  const evs = h([0, 'invoke', 'write', 1], [0, 'ok', 'write', 1], [1, 'invoke', 'read', null], [1, 'ok', 'read', null]);
  for (const e of evs) e.time = 5;
  assert.equal(verdict(evs), 'illegal');
});

/** A random linearizable history: ops take effect at a random instant inside their interval. */
function randomHistory(seed: number, n: number, clients: number, infoEvery: number): KvEvent[] {
  const rng = seededRng(seed);
  let state: number | null = null;
  let value = 0;
  const events: KvEvent[] = [];
  type Pending = { process: number; f: KvEvent['f']; v: KvEvent['value']; applied: boolean; result: KvEvent['value'] | 'fail'; info: boolean };
  const pending = new Map<number, Pending>();
  let nextProcess = clients;
  const idle = Array.from({ length: clients }, (_, i) => i);
  let issued = 0;
  for (let t = 0; issued < n || pending.size > 0; t++) {
    const r = rng.nextU32() % 3;
    if (r === 0 && idle.length > 0 && issued < n) {
      const process = idle.splice(rng.nextU32() % idle.length, 1)[0]!;
      const k = rng.nextU32() % 3;
      const f: KvEvent['f'] = k === 0 ? 'read' : k === 1 ? 'write' : 'cas';
      const v: KvEvent['value'] = f === 'read' ? null : f === 'write' ? ++value : [state ?? null, ++value];
      events.push({ process, type: 'invoke', f, key: 'x', value: v, time: t });
      pending.set(process, { process, f, v, applied: false, result: null, info: issued % infoEvery === infoEvery - 1 });
      issued++;
    } else if (r === 1) {
      // Some pending op takes effect now.
      const open = [...pending.values()].filter((p) => !p.applied);
      if (open.length === 0) continue;
      const p = open[rng.nextU32() % open.length]!;
      p.applied = true;
      if (p.f === 'read') p.result = state;
      else if (p.f === 'write') state = p.v as number;
      else {
        const [exp, nv] = p.v as [number | null, number];
        if (state === exp) state = nv;
        else p.result = 'fail';
      }
    } else {
      const done = [...pending.values()].filter((p) => p.applied);
      if (done.length === 0) continue;
      const p = done[rng.nextU32() % done.length]!;
      pending.delete(p.process);
      const type = p.info ? 'info' : p.result === 'fail' ? 'fail' : 'ok';
      events.push({ process: p.process, type, f: p.f, key: 'x', value: p.f === 'read' ? (p.result as KvEvent['value']) : p.v, time: t });
      idle.push(p.info ? nextProcess++ : p.process);
    }
  }
  return events;
}

test('random linearizable histories pass; a single corrupted read is caught', () => {
  let caught = 0;
  let tried = 0;
  for (let seed = 1; seed <= 60; seed++) {
    const evs = randomHistory(seed, 300, 5, 25);
    assert.equal(checkKvHistory(evs).verdict, 'ok', `seed ${seed} should be linearizable`);
    // Corrupt one completed read to a value never written.
    const reads = evs.filter((e) => e.type === 'ok' && e.f === 'read');
    if (reads.length === 0) continue;
    tried++;
    reads[seededRng(seed).nextU32() % reads.length]!.value = -1;
    if (checkKvHistory(evs).verdict === 'illegal') caught++;
  }
  assert.equal(caught, tried);
});

test('an exhausted budget answers unknown, never ok', () => {
  const evs = randomHistory(7, 300, 8, 1000);
  const r = checkKvHistory(evs, { budgetPerKey: 10 });
  assert.equal(r.verdict, 'unknown');
  assert.equal(r.problems[0]!.verdict, 'unknown');
});

test('malformed histories are refused with the offending event named', () => {
  assert.throws(() => kvOperations(h([0, 'ok', 'write', 1])), /event 0 .*without an invocation/);
  assert.throws(() => kvOperations(h([0, 'invoke', 'write', 1], [0, 'invoke', 'write', 2])), /event 1 .*outstanding/);
  assert.throws(() => kvOperations(h([0, 'invoke', 'cas', 1])), /cas value must be/);
  assert.throws(() => parseKvHistory('{"process":0}\nnope'), /line 1/);
  assert.throws(() => parseKvHistory('\n{x'), /line 2: not JSON/);
});

test('JSON lines round-trip through the parser', () => {
  const evs = h([0, 'invoke', 'cas', [null, 1]], [0, 'ok', 'cas', [null, 1]], [1, 'invoke', 'read', null], [1, 'ok', 'read', 1]);
  const text = evs.map((e) => JSON.stringify(e)).join('\n') + '\n';
  assert.deepEqual(parseKvHistory(text), evs);
  assert.equal(verdict(parseKvHistory(text)), 'ok');
});
