// Three-server raft cluster throughput: committed KV writes/s and p50/p99 commit latency through the
// HTTP KV API at 1/16/64/256 concurrent clients, for Conclave (3 server agents on loopback, fsync
// on: a PUT is acknowledged once a quorum has fdatasync'ed it and the leader applied it) beside
// etcd 3.4 (3 members on loopback, its JSON gateway), both loaded by autocannon in the same run.
// Also default-mode KV GET against etcd's serializable range. Prints the table and the ratios.
//
//   npm run bench:raft
//   BENCH_DURATION_S=5 BENCH_WARMUP_S=1 BENCH_CONNECTIONS=1,16,64,256 BENCH_TARGETS=conclave,etcd BENCH_OPS=put,get
//
// Conclave servers: 127.0.0.41-43 (HTTP :8500, raft :8300, configured by raft/peers.json); etcd
// members: 127.0.0.44-46 (:2379 clients, :2380 peers). Load goes to each cluster's leader (a
// follower would forward, in both). Every process is stopped by PID at the end; temp dirs removed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type autocannon from 'autocannon';
import { cleanup, cleanupOnSignals, startChild, tempDir, type Child } from './support/children.js';
import { REPO_ROOT } from './support/conclave.js';
import { b64, ensureEtcd } from './support/etcd.js';
import { distinctKeyRequests, runLoad, type LoadRow, type Target } from './support/load.js';
import { printTable } from './support/report.js';
import { waitFor } from './support/wait.js';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 1);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '1,16,64,256').split(',').map(Number);
const TARGETS = new Set((process.env.BENCH_TARGETS ?? 'conclave,etcd').split(','));
const OPS = (process.env.BENCH_OPS ?? 'put,get').split(',').filter((op): op is 'put' | 'get' => op === 'put' || op === 'get');
const VALUE = '0123456789abcdef';
const GET_KEY = 'bench/get';
const CONCLAVE_IPS = ['127.0.0.41', '127.0.0.42', '127.0.0.43'];
const ETCD_IPS = ['127.0.0.44', '127.0.0.45', '127.0.0.46'];

async function startConclaveCluster(): Promise<Target> {
  const ids = CONCLAVE_IPS.map(() => randomUUID());
  const children: Child[] = [];
  for (const [i, ip] of CONCLAVE_IPS.entries()) {
    const dataDir = tempDir(`raft-bench-${ip}`);
    mkdirSync(join(dataDir, 'raft'), { recursive: true });
    writeFileSync(join(dataDir, 'raft', 'peers.json'), JSON.stringify(CONCLAVE_IPS.map((x, k) => ({ id: ids[k], address: `${x}:8300`, non_voter: false }))));
    children.push(startChild(`conclave ${ip}`, process.execPath, [
      join(REPO_ROOT, 'bin/consul'), 'agent', '-server', '-data-dir', dataDir, '-node-id', ids[i]!,
      '-bind', ip, '-client', ip, '-node', `bench-${i}`, '-log-level', 'warn',
    ], { cwd: REPO_ROOT }));
  }
  process.stderr.write(`conclave: 3 servers on ${CONCLAVE_IPS.join(', ')}, waiting for a leader ...\n`);
  const leaderIp = await waitFor('the Conclave cluster to elect a leader', async () => {
    for (const c of children) if (c.exited()) throw new Error(`a server exited:\n${c.output()}`);
    const r = await fetch(`http://${CONCLAVE_IPS[0]}:8500/v1/status/leader`).catch(() => null);
    const leader = r?.ok ? ((await r.json()) as string) : '';
    return leader !== '' ? leader.split(':')[0] : undefined;
  });
  const leader = CONCLAVE_IPS.indexOf(leaderIp!);
  const base = `http://${leaderIp}:8500`;
  const seed = await fetch(`${base}/v1/kv/${GET_KEY}`, { method: 'PUT', body: VALUE });
  if (!seed.ok) throw new Error(`conclave: seeding answered ${seed.status} ${await seed.text()}`);
  return {
    name: 'conclave', pid: children[leader]!.pid, url: base,
    put: (key) => ({ method: 'PUT', path: `/v1/kv/${key}`, body: VALUE }),
    get: { method: 'GET', path: `/v1/kv/${GET_KEY}` },
  };
}

async function startEtcdCluster(bin: string): Promise<{ target: Target; note: string }> {
  const cluster = ETCD_IPS.map((ip, i) => `e${i}=http://${ip}:2380`).join(',');
  const children = ETCD_IPS.map((ip, i) => startChild(`etcd ${ip}`, bin, [
    '--name', `e${i}`, '--data-dir', tempDir(`etcd-${ip}`),
    '--listen-client-urls', `http://${ip}:2379`, '--advertise-client-urls', `http://${ip}:2379`,
    '--listen-peer-urls', `http://${ip}:2380`, '--initial-advertise-peer-urls', `http://${ip}:2380`,
    '--initial-cluster', cluster, '--initial-cluster-state', 'new', '--initial-cluster-token', `bench-${process.pid}`,
    '--logger', 'zap', '--log-outputs', 'stderr', '--log-level', 'warn',
  ]));
  process.stderr.write(`etcd: 3 members on ${ETCD_IPS.join(', ')}, waiting for a leader ...\n`);
  // 3.4's gateway answers at /v3 (and /v3beta); maintenance/status names the leader's member id.
  const prefix = '/v3';
  const found = await waitFor('the etcd cluster to elect a leader', async () => {
    for (const c of children) if (c.exited()) throw new Error(`an etcd member exited:\n${c.output()}`);
    for (const [i, ip] of ETCD_IPS.entries()) {
      const r = await fetch(`http://${ip}:2379${prefix}/maintenance/status`, { method: 'POST', body: '{}' }).catch(() => null);
      if (!r?.ok) continue;
      const s = (await r.json()) as { header?: { member_id?: string }; leader?: string; version?: string };
      if (s.leader && s.leader !== '0' && s.header?.member_id === s.leader) return { i, version: s.version ?? '?' };
    }
    return undefined;
  });
  const base = `http://${ETCD_IPS[found.i]}:2379`;
  const json = { 'Content-Type': 'application/json' };
  const seed = await fetch(`${base}${prefix}/kv/put`, { method: 'POST', headers: json, body: JSON.stringify({ key: b64(GET_KEY), value: b64(VALUE) }) });
  if (!seed.ok) throw new Error(`etcd: seeding answered ${seed.status} ${await seed.text()}`);
  const valueB64 = b64(VALUE);
  return {
    note: `etcd ${found.version}: 3 members, load on the leader ${ETCD_IPS[found.i]}; gateway ${prefix}/kv/put, ${prefix}/kv/range {serializable:true}`,
    target: {
      name: 'etcd', pid: children[found.i]!.pid, url: base,
      put: (key) => ({ method: 'POST', path: `${prefix}/kv/put`, headers: json, body: `{"key":"${b64(key)}","value":"${valueB64}"}` }),
      get: { method: 'POST', path: `${prefix}/kv/range`, headers: json, body: JSON.stringify({ key: b64(GET_KEY), serializable: true }) },
    },
  };
}

function ratioLine(label: string, num: number | undefined, den: number | undefined, aim: string, met: boolean | undefined): void {
  if (num === undefined || den === undefined || !(den > 0)) {
    console.log(`${label}: n/a`);
    return;
  }
  console.log(`${label}: ${num.toFixed(num < 100 ? 2 : 0)} / ${den.toFixed(den < 100 ? 2 : 0)} = ${(num / den).toFixed(2)}x  (aim ${aim}: ${met ? 'MET' : 'NOT MET'})`);
}

async function main(): Promise<void> {
  console.log(`raft cluster bench: node ${process.version}, ${availableParallelism()} cpus (${cpus()[0]?.model ?? '?'}), ` +
    `${DURATION_S}s per run after ${WARMUP_S}s warm-up, connections ${CONNECTIONS.join('/')}, 16-byte values, fsync on`);
  console.log(`load average before: ${loadavg()[0]!.toFixed(2)}`);
  const targets: Target[] = [];
  if (TARGETS.has('conclave')) targets.push(await startConclaveCluster());
  if (TARGETS.has('etcd')) {
    const found = ensureEtcd();
    if ('missing' in found) console.log(`etcd: NOT RUN — ${found.missing}`);
    else {
      const e = await startEtcdCluster(found.bin);
      console.log(e.note);
      targets.push(e.target);
    }
  }
  const rows: LoadRow[] = [];
  for (const op of OPS) {
    for (const connections of CONNECTIONS) {
      for (const t of targets) {
        const requests = (phase: string): autocannon.Request[] =>
          op === 'get' ? [t.get] : distinctKeyRequests((n) => t.put(`bench/put-c${connections}-${phase}-${n}`));
        const row = await runLoad({ target: t.name, op, url: t.url, serverPid: t.pid, connections, durationS: DURATION_S, warmupS: WARMUP_S, requests });
        rows.push(row);
        process.stderr.write(`  ${t.name} ${op} c=${connections}: ${row.reqPerSec.toFixed(0)} req/s, p99 ${row.p99Ms.toFixed(2)} ms, ${row.errors} errors\n`);
      }
    }
  }
  console.log('');
  console.log('server cpu = the leader process only');
  printTable(rows);
  console.log('');
  const row = (t: string, op: string, c: number) => rows.find((r) => r.target === t && r.op === op && r.connections === c);
  for (const c of CONNECTIONS) {
    const ours = row('conclave', 'put', c);
    const theirs = row('etcd', 'put', c);
    ratioLine(`PUT@${c} conclave / etcd req/s`, ours?.reqPerSec, theirs?.reqPerSec, c === 64 ? '>= 2x' : 'info', ours && theirs ? ours.reqPerSec >= 2 * theirs.reqPerSec : undefined);
    ratioLine(`PUT@${c} p99 conclave / etcd ms`, ours?.p99Ms, theirs?.p99Ms, c === 64 ? '<= 1x' : 'info', ours && theirs ? ours.p99Ms <= theirs.p99Ms : undefined);
  }
  for (const c of CONNECTIONS) {
    const ours = row('conclave', 'get', c);
    const theirs = row('etcd', 'get', c);
    ratioLine(`GET@${c} conclave default / etcd serializable`, ours?.reqPerSec, theirs?.reqPerSec, '>= 3x', ours && theirs ? ours.reqPerSec >= 3 * theirs.reqPerSec : undefined);
  }
  const errs = rows.filter((r) => r.errors > 0);
  if (errs.length > 0) console.log(`ERRORS in ${errs.length} run(s): ` + errs.map((r) => `${r.target} ${r.op}@${r.connections}: ${r.errorDetail}`).join('; '));
  console.log(`load average after: ${loadavg()[0]!.toFixed(2)}`);
}

cleanupOnSignals();
let exitCode = 0;
try {
  await main();
} catch (err) {
  console.log(`raft cluster bench failed: ${(err as Error).stack ?? String(err)}`);
  exitCode = 1;
} finally {
  await cleanup();
}
process.exit(exitCode);
