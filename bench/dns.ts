// DNS throughput and latency: a `web.service.consul` SRV lookup with 50 healthy instances, answered by a
// Conclave dev agent and, in the same run, by dnsmasq serving the same 50 SRV + A records. Load comes from
// dnsperf (Debian) when installed, else from a small UDP load generator in this file.
//
//   npm run bench:dns
//   BENCH_DURATION_S=5 BENCH_CLIENTS=4 BENCH_OUTSTANDING=64 BENCH_MODES=udp,udp-edns,tcp BENCH_TARGETS=conclave,dnsmasq
//   BENCH_AGENT_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"   (profile the agent)
//
// Targets: Conclave `agent -dev` on 127.0.0.56 (DNS 8600), dnsmasq on 127.0.0.57:8600. Each is loaded
// alone, one mode after another; both are stopped by PID at the end whatever happens.
import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import dnsPacket from 'dns-packet';
import { cleanup, cleanupOnSignals, startChild, tempDir, type Child } from './support/children.js';
import { REPO_ROOT } from './support/conclave.js';
import { cpuSeconds, machineBusySeconds } from './support/load.js';
import { waitFor } from './support/wait.js';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 4);
const OUTSTANDING = Number(process.env.BENCH_OUTSTANDING ?? 64);
const MODES = (process.env.BENCH_MODES ?? 'udp,udp-edns,tcp').split(',') as Mode[];
const TARGETS = new Set((process.env.BENCH_TARGETS ?? 'conclave,dnsmasq').split(','));
const INSTANCES = 50;
const QNAME = 'web.service.consul';
const CONCLAVE_IP = '127.0.0.56';
const DNSMASQ_IP = '127.0.0.57';
const PORT = 8600;

type Mode = 'udp' | 'udp-edns' | 'tcp';

interface Row {
  target: string;
  mode: Mode;
  qps: number;
  p50Ms: number;
  p99Ms: number;
  answers: number;
  lost: number;
  serverCpu: number;
  otherCpu: number;
  tool: string;
}

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** Installs dnsperf and dnsmasq from Debian when missing and we are root; reports what is there. */
function ensureTools(): { dnsperf: boolean; dnsmasq: boolean } {
  const missing = [!have('dnsperf') && 'dnsperf', !have('dnsmasq') && 'dnsmasq-base'].filter(Boolean) as string[];
  if (missing.length > 0 && process.getuid?.() === 0) {
    process.stderr.write(`installing ${missing.join(' ')} ...\n`);
    spawnSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  return { dnsperf: have('dnsperf'), dnsmasq: have('dnsmasq') };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** One query over UDP, decoded, for checking a target before loading it. */
function queryOnce(ip: string, edns: boolean): Promise<dnsPacket.Packet> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    const timer = setTimeout(() => { sock.close(); reject(new Error(`no answer from ${ip}`)); }, 2000);
    sock.on('message', (m) => { clearTimeout(timer); sock.close(); resolve(dnsPacket.decode(m)); });
    sock.send(dnsPacket.encode({
      id: 1, type: 'query', flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: QNAME, type: 'SRV' }],
      additionals: edns ? [{ name: '.', type: 'OPT', udpPayloadSize: 4096 } as any] : [],
    }), PORT, ip);
  });
}

/** dnsperf run with -v, so each query's latency is known (dnsperf itself prints no percentiles). */
function runDnsperf(ip: string, mode: Mode, qfile: string): Promise<{ qps: number; lat: number[]; lost: number }> {
  const args = ['-s', ip, '-p', String(PORT), '-d', qfile, '-l', String(DURATION_S), '-c', String(CLIENTS), '-q', String(OUTSTANDING), '-v'];
  if (mode === 'udp-edns') args.push('-e');
  if (mode === 'tcp') args.push('-m', 'tcp');
  return new Promise((resolve, reject) => {
    const p = spawn('dnsperf', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const lat: number[] = [];
    let qps = NaN;
    let lost = 0;
    let rest = '';
    p.stdout.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('> ')) {
          const sec = Number(line.slice(line.lastIndexOf(' ') + 1));
          if (Number.isFinite(sec)) lat.push(sec * 1000);
        } else if (line.includes('Queries per second:')) qps = Number(line.split(':')[1]);
        else if (line.includes('Queries lost:')) lost = Number(line.split(':')[1]!.trim().split(' ')[0]);
      }
    });
    p.on('error', reject);
    p.on('exit', () => resolve({ qps, lat, lost }));
  });
}

/** Fallback load: OUTSTANDING queries in flight per client socket over UDP for DURATION_S. */
async function runOwnLoad(ip: string, mode: Mode): Promise<{ qps: number; lat: number[]; lost: number }> {
  if (mode === 'tcp') return { qps: NaN, lat: [], lost: 0 };
  const query = (id: number) => dnsPacket.encode({
    id, type: 'query', flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: QNAME, type: 'SRV' }],
    additionals: mode === 'udp-edns' ? [{ name: '.', type: 'OPT', udpPayloadSize: 4096 } as any] : [],
  });
  const lat: number[] = [];
  let done = 0;
  const end = performance.now() + DURATION_S * 1000;
  await Promise.all(Array.from({ length: CLIENTS }, () => new Promise<void>((resolve) => {
    const sock = dgram.createSocket('udp4');
    const sent = new Map<number, number>();
    let next = 0;
    const send = () => {
      const id = next++ & 0xffff;
      sent.set(id, performance.now());
      sock.send(query(id), PORT, ip);
    };
    sock.on('message', (m) => {
      const t0 = sent.get(m.readUInt16BE(0));
      if (t0 === undefined) return;
      sent.delete(m.readUInt16BE(0));
      lat.push(performance.now() - t0);
      done++;
      if (performance.now() < end) send();
      else if (sent.size === 0) { sock.close(); resolve(); }
    });
    setTimeout(() => { try { sock.close(); } catch { /* closed */ } resolve(); }, DURATION_S * 1000 + 2000);
    sock.bind(0, '127.0.0.1', () => { for (let i = 0; i < OUTSTANDING; i++) send(); });
  })));
  return { qps: done / DURATION_S, lat, lost: 0 };
}

async function measure(target: string, child: Child, ip: string, mode: Mode, tool: 'dnsperf' | 'own', qfile: string): Promise<Row> {
  const probe = await queryOnce(ip, mode !== 'udp');
  const cpu0 = cpuSeconds(child.pid);
  const busy0 = machineBusySeconds();
  const t0 = performance.now();
  const r = tool === 'dnsperf' ? await runDnsperf(ip, mode, qfile) : await runOwnLoad(ip, mode);
  const wall = (performance.now() - t0) / 1000;
  const server = cpuSeconds(child.pid) - cpu0;
  const other = machineBusySeconds() - busy0 - server;
  r.lat.sort((a, b) => a - b);
  return {
    target, mode, qps: r.qps, p50Ms: percentile(r.lat, 50), p99Ms: percentile(r.lat, 99),
    answers: probe.answers?.length ?? 0, lost: r.lost,
    serverCpu: (100 * server) / wall, otherCpu: (100 * other) / wall, tool,
  };
}

async function startConclaveDev(): Promise<Child> {
  const nodeArgs = (process.env.BENCH_AGENT_NODE_ARGS ?? '').split(/\s+/).filter((a) => a !== '');
  const child = startChild('conclave agent', process.execPath, [
    ...nodeArgs, join(REPO_ROOT, 'bin/consul'), 'agent', '-dev', '-bind', CONCLAVE_IP, '-client', CONCLAVE_IP, '-node', 'bench-dns',
    '-log-level', 'warn',
  ], { cwd: REPO_ROOT });
  const base = `http://${CONCLAVE_IP}:8500`;
  await waitFor('the Conclave dev agent to elect a leader', async () => {
    if (child.exited()) throw new Error(`agent exited:\n${child.output()}`);
    const leader = (await (await fetch(`${base}/v1/status/leader`)).json()) as string;
    return leader !== '' ? leader : undefined;
  });
  for (let i = 1; i <= INSTANCES; i++) {
    const r = await fetch(`${base}/v1/catalog/register`, {
      method: 'PUT',
      body: JSON.stringify({
        Node: `web-${i}`, Address: `10.0.${Math.floor(i / 250)}.${i % 250}`,
        Service: { Service: 'web', Port: 8000 + i },
        Check: { CheckID: `web-${i}-alive`, Name: 'alive', Status: 'passing', ServiceID: 'web' },
      }),
    });
    if (r.status !== 200) throw new Error(`register web-${i}: ${r.status} ${await r.text()}`);
  }
  return child;
}

function startDnsmasq(dir: string): Child {
  const lines = [`port=${PORT}`, `listen-address=${DNSMASQ_IP}`, 'bind-interfaces', 'no-resolv', 'no-hosts', 'no-daemon', 'edns-packet-max=4096', `pid-file=${join(dir, 'pid')}`];
  for (let i = 1; i <= INSTANCES; i++) {
    lines.push(`srv-host=${QNAME},web-${i}.node.dc1.consul,${8000 + i},1,1`);
    lines.push(`host-record=web-${i}.node.dc1.consul,10.0.${Math.floor(i / 250)}.${i % 250}`);
  }
  const conf = join(dir, 'dnsmasq.conf');
  writeFileSync(conf, `${lines.join('\n')}\n`);
  return startChild('dnsmasq', 'dnsmasq', ['-C', conf, '--user=root', '--group=root']);
}

function printTable(rows: Row[]): void {
  const header = ['target', 'mode', 'answers', 'queries/s', 'p50 ms', 'p99 ms', 'lost', 'server cpu', 'other cpu', 'load'];
  const body = rows.map((r) => [
    r.target, r.mode, String(r.answers), r.qps.toFixed(0), r.p50Ms.toFixed(2), r.p99Ms.toFixed(2), String(r.lost),
    `${r.serverCpu.toFixed(0)}%`, `${r.otherCpu.toFixed(0)}%`, r.tool,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => (i < 2 || i === c.length - 1 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  for (const b of body) console.log(line(b));
}

async function main(): Promise<void> {
  cleanupOnSignals();
  const tools = ensureTools();
  const tool = tools.dnsperf ? 'dnsperf' : 'own';
  console.log(`DNS bench: SRV ${QNAME}, ${INSTANCES} healthy instances; ${DURATION_S}s per run, ${CLIENTS} clients x ${OUTSTANDING} outstanding; load from ${tool === 'dnsperf' ? 'dnsperf' : 'the built-in UDP generator'}`);
  console.log(`machine: ${cpus().length} cpus, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const dir = tempDir('dns');
  const qfile = join(dir, 'queries.txt');
  writeFileSync(qfile, `${QNAME} SRV\n`);
  const rows: Row[] = [];
  try {
    if (TARGETS.has('conclave')) {
      const agent = await startConclaveDev();
      for (const mode of MODES) rows.push(await measure('conclave', agent, CONCLAVE_IP, mode, tool, qfile));
      await agent.stop();
    }
    if (TARGETS.has('dnsmasq')) {
      if (!tools.dnsmasq) console.log('dnsmasq is not installed (apt-get install dnsmasq-base): skipped');
      else {
        const dm = startDnsmasq(dir);
        await waitFor('dnsmasq to answer', () => queryOnce(DNSMASQ_IP, false).then((p) => (p.answers?.length ?? 0) > 0));
        for (const mode of MODES) rows.push(await measure('dnsmasq', dm, DNSMASQ_IP, mode, tool, qfile));
        await dm.stop();
      }
    }
  } finally {
    await cleanup();
  }
  printTable(rows);
  console.log('answers = SRV records in one answer (UDP without EDNS: Consul caps at 3; dnsmasq sends what fits in 512 bytes)');
  for (const mode of MODES) {
    const c = rows.find((r) => r.target === 'conclave' && r.mode === mode);
    const d = rows.find((r) => r.target === 'dnsmasq' && r.mode === mode);
    if (!c || !d || !(d.qps > 0)) continue;
    if (d.lost > 0) {
      console.log(`${mode}: no ratio (dnsmasq lost ${d.lost} queries: it serves TCP by forking a child per connection and stalls under pipelined load)`);
      continue;
    }
    const ratio = c.qps / d.qps;
    console.log(`${mode}: conclave / dnsmasq = ${c.qps.toFixed(0)} / ${d.qps.toFixed(0)} = ${(ratio * 100).toFixed(0)}%  (aim >= 50%: ${ratio >= 0.5 ? 'MET' : 'NOT MET'})`);
  }
}

main().catch(async (err) => {
  console.error(err instanceof Error ? err.stack : err);
  await cleanup();
  process.exit(1);
});
