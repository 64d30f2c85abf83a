// KV throughput and latency of a Conclave server agent on disk, next to the best a bare node:http server
// can do and next to etcd 3.4, all loaded by the same autocannon client in the same run, plus the disk's
// serial fsync rate. Prints one table and the ratios the "real consul agent" issue asks for.
//
//   npm run bench              (build, then node dist/bench/kv.js)
//   BENCH_DURATION_S=5 BENCH_WARMUP_S=1 BENCH_CONNECTIONS=1,16,64 BENCH_TARGETS=conclave,bare,etcd BENCH_OPS=put,get
//   BENCH_PIN=0      do not pin: by default (2+ cpus, taskset present) every target runs on cpu 0 and
//                    this process (autocannon) on cpu 1, so each server has one core to itself and the
//                    numbers do not depend on where the scheduler puts whom (on this VM cpu 0 is the
//                    slower one, and which process landed where swung results by 2x)
//   Before each (op, connections) group every target is left to go idle (< 5% of a core for 1 s, at
//   most 60 s), and the agent to take the snapshot the previous group's writes left owed, so that a
//   group measures steady state, not what the previous group left running.
//   BENCH_ROUNDS=3   each (op, connections) is loaded this many times, targets taking turns; the table
//                    shows each target's median round (a 2-cpu machine's scheduling makes single runs
//                    swing by 2x). Each aim is judged on the median of its per-round ratios: within a
//                    round the two numbers were taken seconds apart, and the disk's serial fsync rate is
//                    measured again right before each round of PUTs at the top connection count. The
//                    ratio of the medians is printed beside it.
//   BENCH_AGENT_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"   (profile the agent)
//
// Targets: Conclave `agent -server -bootstrap -data-dir <tmp>` on 127.0.0.50:8500 (every PUT is
// fdatasync'ed before it is acknowledged); bench/bare-http-server on 127.0.0.51:8500; etcd on
// 127.0.0.52:2379 through its JSON gateway. All three are started first (idle ones cost next to
// nothing) and loaded one after the other for each op and connection count; every one is stopped by
// PID at the end whatever happens, and temp dirs are removed.
import { spawnSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type autocannon from 'autocannon';
import { cleanup, cleanupOnSignals, startChild, tempDir, type Child } from './support/children.js';
import { REPO_ROOT, startConclave } from './support/conclave.js';
import { b64, ensureEtcd, startEtcd } from './support/etcd.js';
import { measureFsyncRate } from './support/fsync-rate.js';
import { cpuSeconds, distinctKeyRequests, runLoad, type LoadRow, type Target } from './support/load.js';
import { printRatios, printTable } from './support/report.js';
import { waitFor } from './support/wait.js';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 1);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '1,16,64').split(',').map(Number);
const TARGETS = new Set((process.env.BENCH_TARGETS ?? 'conclave,bare,etcd').split(','));
const OPS = (process.env.BENCH_OPS ?? 'put,get').split(',').filter((op): op is 'put' | 'get' => op === 'put' || op === 'get');
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const FSYNC_SECONDS = 2;
const FSYNC_ROUND_SECONDS = 1;
const VALUE = '0123456789abcdef'; // 16-byte value for every PUT
const GET_KEY = 'bench/get';

const CONCLAVE_IP = '127.0.0.50';
const BARE_IP = '127.0.0.51';
const ETCD_IP = '127.0.0.52';

const rows: LoadRow[] = [];
/** The disk's serial fsync rate, measured again just before each round of PUTs at the top connection
 *  count, so that the group-commit ratio compares numbers taken in the same minute. */
const fsyncRounds: number[] = [];
const TOP_CONNECTIONS = Math.max(...CONNECTIONS);
/** Every round's req/s per "target op c": the per-round ratios the aims are judged on. */
const rounds = new Map<string, number[]>();

/**
 * Loads every target for each (op, connections) in turn, so that the numbers being compared were taken
 * seconds apart rather than minutes: other work on a shared machine comes and goes.
 */
async function loadAll(targets: Target[]): Promise<void> {
  for (const op of OPS) {
    for (const connections of CONNECTIONS) {
      const measured = new Map<string, LoadRow[]>();
      await settle(targets);
      for (let round = 0; round < ROUNDS; round++) {
        if (op === 'put' && connections === TOP_CONNECTIONS) fsyncRounds.push(serialFsyncRate(FSYNC_ROUND_SECONDS));
        for (const t of targets) {
          const requests = (phase: string): autocannon.Request[] =>
            op === 'get' ? [t.get] : distinctKeyRequests((n) => t.put(`bench/put-c${connections}-r${round}-${phase}-${n}`));
          const row = await runLoad({ target: t.name, op, url: t.url, serverPid: t.pid, connections, durationS: DURATION_S, warmupS: WARMUP_S, requests });
          measured.set(t.name, [...(measured.get(t.name) ?? []), row]);
          process.stderr.write(`  ${t.name} ${op} c=${connections} round ${round + 1}/${ROUNDS}: ${row.reqPerSec.toFixed(0)} req/s, ${row.errors} errors\n`);
        }
      }
      for (const t of targets) {
        const runs = measured.get(t.name)!;
        rounds.set(`${t.name} ${op} ${connections}`, runs.map((r) => r.reqPerSec));
        const sorted = [...runs].sort((a, b) => a.reqPerSec - b.reqPerSec);
        rows.push(sorted[Math.floor((sorted.length - 1) / 2)]!);
      }
    }
  }
}

function consulShaped(name: string, pid: number, url: string): Target {
  return {
    name,
    pid,
    url,
    put: (key) => ({ method: 'PUT', path: `/v1/kv/${key}`, body: VALUE }),
    get: { method: 'GET', path: `/v1/kv/${GET_KEY}` },
  };
}

/** Consul's default raft_snapshot_threshold, which the benchmarked agent runs with. */
const SNAPSHOT_THRESHOLD = 16384;

async function startConclaveTarget(): Promise<Target> {
  process.stderr.write(`conclave: starting agent -server -bootstrap on ${CONCLAVE_IP} ...\n`);
  const agent = await startConclave(CONCLAVE_IP);
  const r = await fetch(`${agent.base}/v1/kv/${GET_KEY}`, { method: 'PUT', body: VALUE });
  if (!r.ok) throw new Error(`conclave: seeding ${GET_KEY} answered ${r.status} ${await r.text()}`);
  await r.arrayBuffer().catch(() => undefined);
  return {
    ...consulShaped('conclave', agent.child.pid, agent.base),
    // Small PUTs are snapshotted on the 30 s raft_snapshot_interval, so a PUT group can leave a
    // snapshot owed that starts after the agent went idle, in the middle of the next group.
    settled: async () => {
      const self = (await (await fetch(`${agent.base}/v1/agent/self`)).json()) as { Stats: { raft: Record<string, string> } };
      const raft = self.Stats.raft;
      return Number(raft.applied_index) - Number(raft.last_snapshot_index) < SNAPSHOT_THRESHOLD;
    },
  };
}

async function startBareTarget(): Promise<Target> {
  process.stderr.write(`bare-node: starting node:http server on ${BARE_IP} ...\n`);
  const script = join(REPO_ROOT, 'dist/bench/bare-http-server.js');
  const child: Child = startChild('bare-node', process.execPath, [script, BARE_IP, '8500']);
  await waitFor(`the bare node server on ${BARE_IP}`, async () => {
    if (child.exited()) throw new Error(`bare server exited:\n${child.output()}`);
    return (await fetch(`http://${BARE_IP}:8500/`)).ok;
  });
  return consulShaped('bare-node', child.pid, `http://${BARE_IP}:8500`);
}

/** etcd as a target, or a line saying why it is not one. */
async function startEtcdTarget(): Promise<{ target?: Target; note: string }> {
  const found = ensureEtcd();
  if ('missing' in found) return { note: `etcd: NOT RUN — ${found.missing}` };
  process.stderr.write(`etcd: starting ${found.bin} on ${ETCD_IP} ...\n`);
  const etcd = await startEtcd(found.bin, ETCD_IP);
  const json = { 'Content-Type': 'application/json' };
  const seed = await fetch(`${etcd.base}${etcd.prefix}/kv/put`, {
    method: 'POST', headers: json, body: JSON.stringify({ key: b64(GET_KEY), value: b64(VALUE) }),
  });
  if (!seed.ok) throw new Error(`etcd: seeding ${GET_KEY} answered ${seed.status} ${await seed.text()}`);
  await seed.arrayBuffer().catch(() => undefined);
  const valueB64 = b64(VALUE);
  return {
    note: `etcd: ${etcd.version}, gateway ${etcd.prefix}/kv/put and ${etcd.prefix}/kv/range`,
    target: {
      name: 'etcd',
      pid: etcd.child.pid,
      url: etcd.base,
      put: (key) => ({
        method: 'POST', path: `${etcd.prefix}/kv/put`, headers: json,
        body: `{"key":"${b64(key)}","value":"${valueB64}"}`,
      }),
      get: { method: 'POST', path: `${etcd.prefix}/kv/range`, headers: json, body: JSON.stringify({ key: b64(GET_KEY) }) },
    },
  };
}

/** Idle: under this share of one core over SETTLE_WINDOW_MS. */
const IDLE_CPU_FRACTION = 0.05;
const SETTLE_WINDOW_MS = 1000;
const SETTLE_DEADLINE_MS = 60_000;

/**
 * Waits until every target is idle and owes no background work, so that each group measures steady
 * state rather than what the previous group left behind (after ~400k PUTs: a snapshot on the 30 s
 * interval, V8 sweeping a large heap, etcd's compaction), which otherwise lands on the first GET rounds.
 */
async function settle(targets: Target[]): Promise<void> {
  const started = Date.now();
  for (;;) {
    const before = targets.map((t) => cpuSeconds(t.pid));
    await new Promise((r) => setTimeout(r, SETTLE_WINDOW_MS));
    const busy = targets.filter((t, i) => cpuSeconds(t.pid) - before[i]! > IDLE_CPU_FRACTION * SETTLE_WINDOW_MS / 1000);
    for (const t of targets) if (!busy.includes(t) && t.settled && !(await t.settled())) busy.push(t);
    if (busy.length === 0) return;
    if (Date.now() - started > SETTLE_DEADLINE_MS) {
      process.stderr.write(`  settle: ${busy.map((t) => t.name).join(', ')} still busy after ${SETTLE_DEADLINE_MS / 1000}s; measuring anyway\n`);
      return;
    }
  }
}

/** Pins every thread of each target to cpu 0 and this process to cpu 1; returns a line saying what was done. */
function pinAll(targets: Target[]): string {
  if (process.env.BENCH_PIN === '0') return 'cpu pinning: off (BENCH_PIN=0)';
  if (availableParallelism() < 2) return 'cpu pinning: off (one cpu)';
  const pin = (cpu: number, pid: number): boolean => spawnSync('taskset', ['-a', '-pc', String(cpu), String(pid)], { stdio: 'ignore' }).status === 0;
  if (!pin(1, process.pid)) return 'cpu pinning: off (taskset failed or is missing)';
  for (const t of targets) {
    if (!pin(0, t.pid)) return `cpu pinning: off (could not pin ${t.name})`;
  }
  return 'cpu pinning: every target on cpu 0 (one core each, etcd included), autocannon on cpu 1';
}

/** Other work on the machine skews every number here; say so when the 1-minute load average shows it. */
function warnIfBusy(when: string): void {
  const load = loadavg()[0]!;
  const cores = availableParallelism();
  const busy = load > cores * 0.5 ? `  WARNING: the machine is busy with other work; numbers are unreliable` : '';
  console.log(`load average ${when} the runs: ${load.toFixed(2)} on ${cores} cpus${busy}`);
}

/** The faster of the two serial ways (append, overwrite into a preallocated file): the best a server
 *  could do with one fdatasync per write. */
function serialFsyncRate(seconds: number): number {
  const r = measureFsyncRate(tempDir('fsync'), seconds);
  return Math.max(r.append.perSec, r.overwrite.perSec);
}

async function main(): Promise<void> {
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  console.log(`kv bench: node ${process.version}, ${availableParallelism()} cpus (${cpu}), ` +
    `${DURATION_S}s per run after ${WARMUP_S}s warm-up, connections ${CONNECTIONS.join('/')}, 16-byte values`);
  warnIfBusy('before');
  // Shown for its detail (append against overwrite, latencies); the group-commit aim is judged on the
  // rate measured again right before each PUT round (fsyncRounds), since this rate drifts.
  const fsync = measureFsyncRate(tempDir('fsync'), FSYNC_SECONDS);
  for (const [how, r] of [['append', fsync.append], ['overwrite', fsync.overwrite]] as const) {
    console.log(`disk: serial 4 KiB ${how === 'append' ? 'append' : 'overwrite (preallocated file)'} + fdatasync: ` +
      `${r.perSec.toFixed(0)}/s (${r.count} in ${FSYNC_SECONDS}s shared; p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms)`);
  }
  const notes: string[] = [];
  const targets: Target[] = [];
  if (TARGETS.has('conclave')) targets.push(await startConclaveTarget());
  if (TARGETS.has('bare')) targets.push(await startBareTarget());
  if (TARGETS.has('etcd')) {
    try {
      const e = await startEtcdTarget();
      notes.push(e.note);
      if (e.target) targets.push(e.target);
    } catch (err) {
      notes.push(`etcd: FAILED TO START — ${(err as Error).message}`);
    }
  }
  for (const n of notes) console.log(n);
  console.log(pinAll(targets));
  await loadAll(targets);
  console.log('');
  if (ROUNDS > 1) console.log(`each row: the median of ${ROUNDS} rounds (targets took turns within each round)`);
  printTable(rows);
  console.log('');
  if (fsyncRounds.length > 0) {
    console.log(`disk: serial fdatasync rate before each PUT@${TOP_CONNECTIONS} round (the faster of append and overwrite): ` +
      `${fsyncRounds.map((v) => v.toFixed(0)).join(', ')} /s`);
  }
  const c = TOP_CONNECTIONS;
  const per = (target: string, op: string): number[] => rounds.get(`${target} ${op} ${c}`) ?? [];
  printRatios(rows, [
    { label: `GET@${c} conclave / bare-node`, num: per('conclave', 'get'), den: per('bare-node', 'get'), aim: 0.6, asPercent: true },
    { label: `PUT@${c} conclave / serial fsync rate`, num: per('conclave', 'put'), den: fsyncRounds, aim: 3, asPercent: false },
    { label: `PUT@${c} conclave / etcd PUT@${c}`, num: per('conclave', 'put'), den: per('etcd', 'put'), aim: 2, asPercent: false },
    { label: `(info) PUT@${c} conclave / bare-node`, num: per('conclave', 'put'), den: per('bare-node', 'put'), aim: 0, asPercent: true },
    { label: `(info) GET@${c} conclave / etcd`, num: per('conclave', 'get'), den: per('etcd', 'get'), aim: 0, asPercent: false },
  ]);
}

cleanupOnSignals();
let exitCode = 0;
try {
  await main();
} catch (err) {
  console.log(`kv bench failed: ${(err as Error).stack ?? String(err)}`);
  exitCode = 1;
} finally {
  await cleanup();
}
process.exit(exitCode);
