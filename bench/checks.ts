// Health checks at scale: one Conclave client agent, joined to a single server (on disk, so raft writes
// are real), runs 1,000 services, each with a 10 s HTTP check against a local target served by this
// process. After every check has reported and a settle period, it measures over a window: the client
// agent's CPU (user+system time from /proc/<pid>/stat, as % of one core: robust to machine load), its
// RSS, how many check requests the target served, and raft writes per minute (deltas of the server's
// /v1/agent/self Stats.raft.commit_index). Aims (issue #5): zero writes when nothing changes; under
// 1 core-% per 1,000 checks. Last, a C program does only the sockets of the same check runs (the
// floor under any implementation of Consul's fresh-connection checks) and its CPU is printed too.
//
//   npm run bench:checks
//   BENCH_CHECKS=1000 BENCH_INTERVAL=10s BENCH_WINDOW_S=60 BENCH_SETTLE_S=15 BENCH_FLOOR_S=30
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { cleanup, cleanupOnSignals, startChild, tempDir, type Child } from './support/children.js';
import { REPO_ROOT, launcherNodeFlags, readRss, startConclave } from './support/conclave.js';
import { buildProbeFloor, runProbeFloor } from './support/probe-floor.js';
import { cpuSeconds } from './support/load.js';
import { delay, waitFor } from './support/wait.js';

const CHECKS = Number(process.env.BENCH_CHECKS ?? 1000);
const INTERVAL = process.env.BENCH_INTERVAL ?? '10s';
const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 60);
const SETTLE_S = Number(process.env.BENCH_SETTLE_S ?? 15);
const AGENT_IP = '127.0.0.80';
const TARGET_IP = '127.0.0.81';
const SERVER_IP = '127.0.0.82';
const REGISTER_IN_FLIGHT = 16;
/** The idle agent (no services yet) is measured this long first, to tell check cost from background. */
const BASELINE_S = Number(process.env.BENCH_BASELINE_S ?? 10);
/** The C floor (./support/probe-floor.c) runs this long at most. */
const FLOOR_S = Number(process.env.BENCH_FLOOR_S ?? 30);

const mib = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

async function commitIndex(base: string): Promise<number> {
  const self = (await (await fetch(`${base}/v1/agent/self`)).json()) as { Stats: { raft: { commit_index?: string } } };
  return Number(self.Stats.raft.commit_index ?? NaN);
}

/** A client agent joined to the server; BENCH_AGENT_NODE_ARGS (e.g. --cpu-prof) applies to it. */
async function startClient(serverIp: string): Promise<{ child: Child; base: string }> {
  const nodeArgs = (process.env.BENCH_AGENT_NODE_ARGS ?? '').split(/\s+/).filter((a) => a !== '');
  const args = [
    ...launcherNodeFlags(), ...nodeArgs, join(REPO_ROOT, 'bin/consul'), 'agent', '-data-dir', tempDir('client'),
    '-bind', AGENT_IP, '-client', AGENT_IP, '-node', 'bench-client', '-retry-join', serverIp, '-retry-interval', '1s',
  ];
  const child = startChild('conclave client agent', process.execPath, args, { cwd: REPO_ROOT });
  const base = `http://${AGENT_IP}:8500`;
  await waitFor('the client agent to know the leader', async () => {
    if (child.exited()) throw new Error(`client exited:\n${child.output()}`);
    const r = await fetch(`${base}/v1/status/leader`);
    return r.status === 200 && ((await r.json()) as string) !== '' ? true : undefined;
  });
  return { child, base };
}

async function registerAll(base: string, targetUrl: string): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < CHECKS) {
      const i = next++;
      const body = JSON.stringify({ Name: `svc-${i}`, Port: 10_000 + i, Check: { HTTP: `${targetUrl}/health/${i}`, Interval: INTERVAL } });
      const r = await fetch(`${base}/v1/agent/service/register`, { method: 'PUT', body });
      if (r.status !== 200) throw new Error(`register svc-${i}: ${r.status} ${await r.text()}`);
    }
  };
  await Promise.all(Array.from({ length: REGISTER_IN_FLIGHT }, worker));
}

async function passingCount(base: string): Promise<number> {
  const checks = (await (await fetch(`${base}/v1/agent/checks`)).json()) as Record<string, { Status: string }>;
  return Object.values(checks).filter((c) => c.Status === 'passing').length;
}

/**
 * The floor: a C program doing only the sockets of the same check runs (fresh connection, request,
 * read to EOF, close) at the same rate and in the same batches as the agent's slots, measured the
 * same way. What the agent costs above it is the agent's own; the floor is the kernel's and this
 * machine's (on a paravirtualised VM, every syscall and interrupt is dear).
 */
async function reportFloor(targetUrl: string, rate: number): Promise<void> {
  const built = buildProbeFloor();
  if ('missing' in built) return console.log(`floor: not measured (${built.missing})`);
  const u = new URL(targetUrl);
  const slotS = Math.min(0.1, (parseFloat(INTERVAL) || 10) / 10);
  const perSec = Math.max(1, Math.round(rate));
  const batch = Math.max(1, Math.round(perSec * slotS));
  const seconds = Math.min(WINDOW_S, FLOOR_S);
  const r = await runProbeFloor(built.bin, u.hostname, Number(u.port), perSec, batch, seconds);
  if ('missing' in r) return console.log(`floor: not measured (${r.missing})`);
  const per1000 = (r.cpuPercent * 1000) / CHECKS;
  console.log(`floor: a C program doing only these checks' sockets (${perSec}/s in batches of ${batch}, ${r.probes} in ${seconds} s): ` +
    `${r.cpuPercent.toFixed(2)}% of one core (${per1000.toFixed(2)}% per 1,000 checks)`);
}

async function main(): Promise<number> {
  console.log(`checks bench: node ${process.version}; ${CHECKS} services with ${INTERVAL} HTTP checks; window ${WINDOW_S} s after ${SETTLE_S} s settle`);
  let served = 0;
  const target = http.createServer((_req, res) => {
    served++;
    res.end('ok');
  });
  let connections = 0;
  target.on('connection', () => connections++);
  target.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => target.listen(0, TARGET_IP, r));
  const targetUrl = `http://${TARGET_IP}:${(target.address() as AddressInfo).port}`;
  const nodeArgs = process.env.BENCH_AGENT_NODE_ARGS;
  delete process.env.BENCH_AGENT_NODE_ARGS; // profile the client, not the server
  const server = await startConclave(SERVER_IP);
  if (nodeArgs !== undefined) process.env.BENCH_AGENT_NODE_ARGS = nodeArgs;
  const agent = await startClient(SERVER_IP);
  const pid = agent.child.pid;
  try {
    await delay(2000);
    const b0 = cpuSeconds(pid);
    const bw0 = Date.now();
    await delay(BASELINE_S * 1000);
    const baselinePct = (100 * (cpuSeconds(pid) - b0)) / ((Date.now() - bw0) / 1000);
    console.log(`idle client agent (no services): ${baselinePct.toFixed(2)}% of one core over ${BASELINE_S} s`);
    const t0 = Date.now();
    await registerAll(agent.base, targetUrl);
    console.log(`registered ${CHECKS} services in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await waitFor(`all ${CHECKS} checks to pass`, async () => (await passingCount(agent.base)) === CHECKS || undefined, 120_000, 500);
    console.log(`all checks passing ${((Date.now() - t0) / 1000).toFixed(1)} s after the first registration`);
    await delay(SETTLE_S * 1000);

    const idx0 = await commitIndex(server.base);
    const cpu0 = cpuSeconds(pid);
    const served0 = served;
    const conns0 = connections;
    const w0 = Date.now();
    await delay(WINDOW_S * 1000);
    const wallS = (Date.now() - w0) / 1000;
    const cpuPct = (100 * (cpuSeconds(pid) - cpu0)) / wallS;
    const idx1 = await commitIndex(server.base);
    const rss = readRss(pid);
    const writesPerMin = ((idx1 - idx0) * 60) / wallS;
    const perSec = (served - served0) / wallS;

    console.log(`check requests served: ${perSec.toFixed(1)}/s (expected ${(CHECKS / (parseFloat(INTERVAL) || 10)).toFixed(1)}/s)`);
    console.log(`connections the agent opened to the target: ${connections - conns0} in the window (one per check run, as Consul)`);
    console.log(`agent cpu: ${cpuPct.toFixed(2)}% of one core (${((cpuPct * 1000) / CHECKS).toFixed(2)}% per 1,000 checks; aim < 1%: ${(cpuPct * 1000) / CHECKS < 1 ? 'MET' : 'NOT MET'})`);
    console.log(`  of which above the idle agent: ${(cpuPct - baselinePct).toFixed(2)}%`);
    console.log(`agent rss: ${mib(rss.rss)} (peak ${mib(rss.hwm)})`);
    console.log(`raft writes: ${idx1 - idx0} in ${wallS.toFixed(0)} s = ${writesPerMin.toFixed(1)}/min (aim 0: ${idx1 === idx0 ? 'MET' : 'NOT MET'})`);
    await reportFloor(targetUrl, perSec);
    return 0;
  } finally {
    await new Promise((r) => target.close(r));
  }
}

cleanupOnSignals();
main()
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  })
  .catch(async (err: Error) => {
    console.error(err.stack ?? err.message);
    await cleanup();
    process.exit(1);
  });
