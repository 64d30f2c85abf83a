// The deterministic simulator in CI: a few hundred seeds with every fault on, alternating the
// consistent (ReadIndex) and lease (default-mode) read workloads, must show no violation; a seed
// replays exactly; and planted bugs are found. SIM_SEEDS=n and SIM_OPS=m change the sizes;
// `npm run sim -- --seed S --ops M --workload W` replays a failing seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSeedSafe as runSeed, workloadOf } from './run.js';

const SEEDS = Number(process.env.SIM_SEEDS ?? 300);
const OPS = Number(process.env.SIM_OPS ?? 400);

test(`${SEEDS} seeds of ${OPS} operations with all faults: no violation`, () => {
  const failures: string[] = [];
  let unknown = 0;
  let ok = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const workload = workloadOf({ workload: 'both' }, seed);
    const r = runSeed({ seed, ops: OPS, workload });
    ok += r.stats.ok;
    if (r.unknown) unknown++;
    if (r.violations.length > 0) {
      failures.push(`seed ${seed}: ${r.violations[0]} (replay: npm run sim -- --seed ${seed} --ops ${OPS} --workload ${workload})`);
    }
  }
  assert.deepEqual(failures, []);
  assert.equal(unknown, 0, 'the linearizability search ran out of budget');
  assert.ok(ok > SEEDS * OPS * 0.3, `too few operations succeeded (${ok}): the workload is not exercising the cluster`);
});

test('a seed replays exactly', () => {
  const a = runSeed({ seed: 42, ops: 300, workload: 'consistent' });
  const b = runSeed({ seed: 42, ops: 300, workload: 'consistent' });
  assert.deepEqual(a.history, b.history);
  assert.deepEqual(a.stats, b.stats);
});

test('the faults actually happen', () => {
  let crashes = 0;
  let partitions = 0;
  let leaders = 0;
  let info = 0;
  for (let seed = 1; seed <= 10; seed++) {
    const r = runSeed({ seed, ops: 1000, workload: 'consistent' });
    crashes += r.stats.crashes;
    partitions += r.stats.partitions;
    leaders += r.stats.leaders;
    info += r.stats.info;
  }
  assert.ok(crashes >= 10 && partitions >= 10 && leaders >= 20 && info > 0, JSON.stringify({ crashes, partitions, leaders, info }));
});

test('canary: reads served from local state are caught as non-linearizable', () => {
  let caughtAt = 0;
  for (let seed = 1; seed <= 10 && caughtAt === 0; seed++) {
    const r = runSeed({ seed, ops: 500, workload: 'consistent', mutation: 'local-reads' });
    if (r.violations.some((v) => v.includes('linearizability'))) caughtAt = seed;
  }
  assert.ok(caughtAt > 0, 'local reads were not caught in 10 seeds');
});

test('canary: skipping the log-matching check is caught', () => {
  let caughtAt = 0;
  for (let seed = 1; seed <= 60 && caughtAt === 0; seed++) {
    const r = runSeed({ seed, ops: 1000, workload: workloadOf({ workload: 'both' }, seed), mutation: 'skip-log-matching' });
    if (r.violations.length > 0) caughtAt = seed;
  }
  assert.ok(caughtAt > 0, 'skip-log-matching was not caught in 60 seeds');
});

test('canary: a hard state written after the vote goes out is caught', () => {
  let caughtAt = 0;
  for (let seed = 1; seed <= 30 && caughtAt === 0; seed++) {
    const r = runSeed({ seed, ops: 1000, workload: workloadOf({ workload: 'both' }, seed), mutation: 'vote-before-fsync' });
    if (r.violations.length > 0) caughtAt = seed;
  }
  assert.ok(caughtAt > 0, 'vote-before-fsync was not caught in 30 seeds');
});
