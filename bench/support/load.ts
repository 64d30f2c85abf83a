// One load run with autocannon's programmatic API: a warm-up, then a measured run, over keep-alive
// connections. Throughput counts 2xx answers only; connection errors, timeouts and non-2xx answers are
// all counted as errors (with the status codes seen). Latency percentiles come from every response's
// own timing (autocannon's histogram has 1 ms resolution, too coarse for sub-millisecond answers).
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

/** A KV server under load: how to PUT a new key and GET the seeded one. */
export interface Target {
  name: string;
  pid: number;
  url: string;
  put: (key: string) => autocannon.Request;
  get: autocannon.Request;
  /** False while the target still owes background work for earlier load (checked once it is idle). */
  settled?: () => Promise<boolean>;
}

export interface LoadSpec {
  target: string;
  op: string;
  /** Base URL, e.g. http://127.0.0.50:8500 */
  url: string;
  connections: number;
  durationS: number;
  warmupS: number;
  /** Builds the request list for one phase; called once for the warm-up and once for the measured run. */
  requests: (phase: 'warmup' | 'measure') => autocannon.Request[];
  /** PID of the server under load, to report the CPU it used during the measured run. */
  serverPid?: number;
}

export interface LoadRow {
  target: string;
  op: string;
  connections: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** Server CPU time during the measured run / wall time (100% = one core busy); NaN when unknown. */
  serverCpuPercent: number;
  /** The same for this process, i.e. autocannon (near 100% means the load generator is the limit). */
  clientCpuPercent: number;
  /** CPU that neither used (other processes on the machine): high means the numbers are skewed. */
  otherCpuPercent: number;
  /** e.g. "409x3 timeout x2", empty when there were no errors. */
  errorDetail: string;
}

export async function runLoad(spec: LoadSpec): Promise<LoadRow> {
  if (spec.warmupS > 0) await fire(spec, 'warmup', spec.warmupS, undefined);
  const latencies: number[] = [];
  const cpu0 = cpuSeconds(spec.serverPid);
  const machine0 = machineBusySeconds();
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await fire(spec, 'measure', spec.durationS, latencies);
  const wallS = (performance.now() - t0) / 1000;
  const serverCpuPercent = (100 * (cpuSeconds(spec.serverPid) - cpu0)) / wallS;
  const clientUsage = process.cpuUsage(client0);
  const clientCpuPercent = (100 * (clientUsage.user + clientUsage.system) / 1e6) / wallS;
  const machineCpuPercent = (100 * (machineBusySeconds() - machine0)) / wallS;
  const otherCpuPercent = Math.max(0, machineCpuPercent - serverCpuPercent - clientCpuPercent);
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => (latencies.length === 0 ? NaN : latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!);
  const detail: string[] = [];
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) {
    if (!code.startsWith('2')) detail.push(`${code}x${count}`);
  }
  if (result.timeouts > 0) detail.push(`timeout x${result.timeouts}`);
  if (result.errors - result.timeouts > 0) detail.push(`conn-error x${result.errors - result.timeouts}`);
  return {
    target: spec.target,
    op: spec.op,
    connections: spec.connections,
    reqPerSec: result['2xx'] / result.duration,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    errors: result.errors + result.non2xx,
    serverCpuPercent,
    clientCpuPercent,
    otherCpuPercent,
    errorDetail: detail.join(' '),
  };
}

/** autocannon 9 also reports counts per status code; its type definitions (v7) do not know it yet. */
type ResultWithCodes = autocannon.Result & { statusCodeStats?: Record<string, { count: number }> };

function fire(
  spec: LoadSpec,
  phase: 'warmup' | 'measure',
  durationS: number,
  latencies: number[] | undefined,
): Promise<ResultWithCodes> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url: spec.url, connections: spec.connections, duration: durationS, timeout: 10, requests: spec.requests(phase) },
      (err, result) => (err ? reject(err) : resolve(result as ResultWithCodes)),
    );
    if (latencies) {
      instance.on('response', (_client, _status, _bytes, responseTimeMs) => latencies.push(responseTimeMs));
    }
  });
}

/**
 * User + system CPU seconds of a process and all its threads, from /proc/<pid>/stat (fields 14 and 15,
 * in USER_HZ ticks, which Linux fixes at 100 per second for user space). NaN when there is no such pid.
 */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Busy CPU seconds of the whole machine (all cpus), from the first line of /proc/stat. */
export function machineBusySeconds(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return (user! + nice! + system! + irq! + softirq! + steal!) / 100;
  } catch {
    return NaN;
  }
}

/** A request list whose single PUT/POST goes to a new path and/or body each time (distinct keys). */
export function distinctKeyRequests(build: (n: number) => autocannon.Request): autocannon.Request[] {
  let n = 0;
  return [{ ...build(0), setupRequest: (req) => ({ ...req, ...build(n++) }) }];
}
