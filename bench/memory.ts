// Memory of a Conclave server agent on disk holding 100,000 KV keys with 1 KiB values: writes them
// through the HTTP API (64 requests in flight), waits until the agent's RSS stops growing (or a
// deadline passes), prints VmRSS (and the peak, VmHWM) from /proc/<pid>/status, where the resident
// bytes are (/proc/<pid>/smaps), how long the load took and the agent's CPU time for it, then checks
// that every key is there.
//
//   npm run bench:memory       (build, then node dist/bench/memory.js)
//   BENCH_KEYS=100000 BENCH_VALUE_BYTES=1024 BENCH_IN_FLIGHT=64
//   BENCH_HEAP_SNAPSHOT_DIR=/tmp/heap   also write a heap snapshot of the agent after the settle (which
//                                       forces a full GC) and print RSS after it; read it with
//                                       node dist/bench/heap-top.js <file>
//   BENCH_LATER_S=20                    also print RSS that long after the measurement (agent idle)
//   BENCH_SHOW_AGENT_OUTPUT=1           print the tail of the agent's output at the end (with
//                                       BENCH_AGENT_NODE_ARGS=--trace-gc: the V8 heap sizes)
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import autocannon from 'autocannon';
import { cleanup, cleanupOnSignals } from './support/children.js';
import { readRss, startConclave } from './support/conclave.js';
import { distinctKeyRequests } from './support/load.js';
import { delay, waitFor } from './support/wait.js';

const KEYS = Number(process.env.BENCH_KEYS ?? 100_000);
const VALUE_BYTES = Number(process.env.BENCH_VALUE_BYTES ?? 1024);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 64);
const IP = '127.0.0.53';
/** The aim: 300 MB (decimal), which is 286.1 MiB. */
const AIM_BYTES = 300_000_000;
/** RSS counts as settled once it has not reached a new high for this long... */
const SETTLE_QUIET_MS = 3_000;
/** ...or when this much time has passed since the load ended. */
const SETTLE_DEADLINE_MS = 30_000;
const POLL_MS = 250;

const HEAP_DIR = process.env.BENCH_HEAP_SNAPSHOT_DIR;
/** Also print RSS this many seconds after the measurement (idle: V8's memory reducer may run). */
const LATER_S = Number(process.env.BENCH_LATER_S ?? 0);

const mib = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

function putAll(base: string): Promise<autocannon.Result> {
  const value = Buffer.alloc(VALUE_BYTES, 'v').toString();
  const requests = distinctKeyRequests((n) => ({ method: 'PUT', path: `/v1/kv/mem/${n}`, body: value }));
  return new Promise((resolve, reject) => {
    autocannon(
      { url: base, connections: IN_FLIGHT, amount: KEYS, timeout: 30, requests },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

/**
 * Where the resident bytes are, from /proc/<pid>/smaps: malloc's brk heap ("[heap]"), anonymous
 * mappings by size (V8's heap pages are 256 KiB pieces; ArrayBuffer backing stores past malloc's
 * mmap threshold get their own mapping), and file-backed mappings (the node binary, libraries).
 */
function rssBreakdown(pid: number): string {
  const sums = { brk: 0, anonSmall: 0, anonLarge: 0, file: 0 };
  let kind: keyof typeof sums = 'file';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) {
      const size = parseInt(head[2]!, 16) - parseInt(head[1]!, 16);
      const path = head[3]!;
      kind = path === '[heap]' ? 'brk' : path === '' ? (size >= 4 * 1024 * 1024 ? 'anonLarge' : 'anonSmall') : 'file';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) sums[kind] += Number(rss[1]) * 1024;
  }
  return `malloc brk heap ${mib(sums.brk)}, anonymous mappings < 4 MiB ${mib(sums.anonSmall)}, ` +
    `>= 4 MiB ${mib(sums.anonLarge)}, file-backed ${mib(sums.file)}`;
}

/** CPU seconds (user + system) the process has used, from /proc/<pid>/stat: robust to machine load. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

/** Polls RSS until it stops making new highs for SETTLE_QUIET_MS, or SETTLE_DEADLINE_MS passes. */
async function settle(pid: number): Promise<{ waitedMs: number; settled: boolean }> {
  const start = Date.now();
  let high = readRss(pid).rss;
  let highAt = start;
  while (Date.now() - highAt < SETTLE_QUIET_MS) {
    if (Date.now() - start > SETTLE_DEADLINE_MS) return { waitedMs: Date.now() - start, settled: false };
    await delay(POLL_MS);
    const rss = readRss(pid).rss;
    if (rss > high) {
      high = rss;
      highAt = Date.now();
    }
  }
  return { waitedMs: Date.now() - start, settled: true };
}

/** Asks the agent for a heap snapshot (V8 runs a full GC first), waits for the file, prints RSS after. */
async function heapSnapshot(pid: number, base: string, dir: string): Promise<void> {
  const before = new Set(existsSync(dir) ? readdirSync(dir) : []);
  const t0 = Date.now();
  process.kill(pid, 'SIGUSR2');
  const file = await waitFor('the agent to write its heap snapshot', () => {
    const fresh = readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    return fresh[0];
  }, 300_000, 500);
  // The agent writes the snapshot synchronously on its main thread, so once the file exists, the next
  // HTTP answer it gives means the writing has finished.
  await waitFor('the agent to answer again after its heap snapshot', async () => (await fetch(`${base}/v1/status/leader`)).ok, 300_000, 500);
  const after = readRss(pid);
  console.log(`heap snapshot ${dir}/${file} after ${((Date.now() - t0) / 1000).toFixed(1)} s; ` +
    `RSS after its full GC: ${mib(after.rss)} (anonymous ${mib(after.anon)})`);
  console.log(`RSS by mapping after the full GC: ${rssBreakdown(pid)}`);
}

async function main(): Promise<number> {
  console.log(`memory bench: node ${process.version}; ${KEYS} keys x ${VALUE_BYTES}-byte values, ${IN_FLIGHT} in flight`);
  if (HEAP_DIR) {
    mkdirSync(HEAP_DIR, { recursive: true });
    const flags = `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${HEAP_DIR}`;
    process.env.BENCH_AGENT_NODE_ARGS = `${process.env.BENCH_AGENT_NODE_ARGS ?? ''} ${flags}`;
  }
  const agent = await startConclave(IP);
  const pid = agent.child.pid;
  const before = readRss(pid);
  console.log(`agent pid ${pid} on ${IP}: RSS at start ${mib(before.rss)}`);

  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  const result = await putAll(agent.base);
  const loadS = (performance.now() - t0) / 1000;
  const loadCpuS = cpuSeconds(pid) - cpu0;
  const failed = result.errors + result.non2xx;
  console.log(`load: ${result['2xx']} PUTs answered 2xx in ${loadS.toFixed(1)} s (${(result['2xx'] / loadS).toFixed(0)}/s), ` +
    `${failed} errors (non-2xx ${result.non2xx}, timeouts ${result.timeouts}, other ${result.errors - result.timeouts}); ` +
    `agent CPU ${loadCpuS.toFixed(1)} s (${((loadCpuS * 1e6) / Math.max(1, result['2xx'])).toFixed(0)} us per PUT)`);

  const s = await settle(pid);
  const after = readRss(pid);
  console.log(`settle: ${s.settled ? 'no new RSS high' : 'RSS still growing at the deadline'} after ${(s.waitedMs / 1000).toFixed(1)} s`);
  console.log(`RSS: ${mib(after.rss)} (VmRSS), anonymous ${mib(after.anon)} (RssAnon), peak ${mib(after.hwm)} (VmHWM)`);
  console.log(`RSS by mapping: ${rssBreakdown(pid)}`);
  console.log(`aim RSS <= 300 MB (${mib(AIM_BYTES)}): ${after.rss <= AIM_BYTES ? 'MET' : 'NOT MET'}`);

  if (LATER_S > 0) {
    await delay(LATER_S * 1000);
    const later = readRss(pid);
    console.log(`RSS ${LATER_S} s later, idle: ${mib(later.rss)} (VmRSS); by mapping: ${rssBreakdown(pid)}`);
  }
  if (HEAP_DIR) await heapSnapshot(pid, agent.base, HEAP_DIR);

  // Only after measuring: a full key listing allocates in the agent too.
  const r = await fetch(`${agent.base}/v1/kv/mem/?keys`);
  const keys = r.ok ? ((await r.json()) as string[]).length : -1;
  const ok = keys === KEYS && failed === 0;
  console.log(`check: the agent lists ${keys} keys under mem/ (expected ${KEYS}): ${ok ? 'OK' : 'MISMATCH'}`);
  await agent.child.stop();
  if (process.env.BENCH_SHOW_AGENT_OUTPUT) console.log(`--- agent output (tail) ---\n${agent.child.output()}`);
  return ok ? 0 : 1;
}

cleanupOnSignals();
let exitCode = 0;
try {
  exitCode = await main();
} catch (err) {
  console.log(`memory bench failed: ${(err as Error).stack ?? String(err)}`);
  exitCode = 1;
} finally {
  await cleanup();
}
process.exit(exitCode);
