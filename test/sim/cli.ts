// npm run sim -- --seeds N [--seed S] [--ops M] [--history-out DIR]
//                [--workload consistent|lease|both] [--mutation NAME] [--jobs J] [--no-faults]
// Runs seeds S..S+N-1 (S defaults to 1; --seed S alone runs only S) over worker threads, prints
// one line per failing seed with the command that replays it, and closes with
// `seeds: N, violations: V`. Exit status 1 when any seed failed.

import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { MUTATIONS, type Mutation, isMutation } from './mutations.js';
import { type ReadWorkload, type SeedResult, runSeedSafe as runSeed, workloadOf } from './run.js';

export interface CliOptions {
  seeds: number;
  first: number;
  ops: number;
  historyOut: string | null;
  workload: ReadWorkload | 'both';
  mutation: Mutation | null;
  jobs: number;
  faults: boolean;
}

const USAGE = 'usage: npm run sim -- --seeds N [--seed S] [--ops M] [--history-out DIR] [--workload consistent|lease|both] ' +
  `[--mutation ${MUTATIONS.join('|')}] [--jobs J] [--no-faults]`;

export function parseArgs(argv: readonly string[]): CliOptions {
  const o: CliOptions = { seeds: 0, first: 1, ops: 2000, historyOut: null, workload: 'both', mutation: null, jobs: Math.max(1, availableParallelism()), faults: true };
  let seedsGiven = false;
  let seedGiven = false;
  const int = (flag: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isSafeInteger(n) || n < min) throw new RangeError(`${flag} needs an integer >= ${min}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[i + 1];
    switch (a) {
      case '--seeds': o.seeds = int(a, v, 1); seedsGiven = true; i++; break;
      case '--seed': o.first = int(a, v, 0); seedGiven = true; i++; break;
      case '--ops': o.ops = int(a, v, 1); i++; break;
      case '--jobs': o.jobs = int(a, v, 1); i++; break;
      case '--history-out':
        if (!v) throw new RangeError('--history-out needs a directory');
        o.historyOut = v; i++; break;
      case '--workload':
        if (v !== 'consistent' && v !== 'lease' && v !== 'both') throw new RangeError('--workload must be consistent, lease or both');
        o.workload = v; i++; break;
      case '--mutation':
        if (!v || !isMutation(v)) throw new RangeError(`--mutation must be one of ${MUTATIONS.join(', ')}`);
        o.mutation = v; i++; break;
      case '--no-faults': o.faults = false; break;
      default: throw new RangeError(`unknown argument ${a}`);
    }
  }
  if (!seedsGiven && !seedGiven) throw new RangeError('give --seeds N and/or --seed S');
  if (!seedsGiven) o.seeds = 1;
  return o;
}


export function replayCommand(o: CliOptions, r: Pick<SeedResult, 'seed' | 'workload'>): string {
  return `npm run sim -- --seed ${r.seed} --ops ${o.ops} --workload ${r.workload}` +
    (o.mutation ? ` --mutation ${o.mutation}` : '') + (o.faults ? '' : ' --no-faults');
}

/** "t=12.0ms state machine safety: ..." -> "state machine safety". */
export function violationKind(v: string): string {
  const m = /^t=[\d.]+ms ([^:]+):/.exec(v);
  return m ? m[1]! : 'other';
}

type Summary = Omit<SeedResult, 'history'> & { wallMs: number };

function runOne(o: CliOptions, seed: number): Summary {
  const started = performance.now();
  const r = runSeed({ seed, ops: o.ops, workload: workloadOf(o, seed), mutation: o.mutation, faults: o.faults });
  if (o.historyOut) {
    writeFileSync(join(o.historyOut, `seed-${seed}.jsonl`), r.history.map((e) => JSON.stringify(e)).join('\n') + '\n');
  }
  const { history: _h, ...rest } = r;
  return { ...rest, wallMs: performance.now() - started };
}

async function main(): Promise<number> {
  let o: CliOptions;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`sim: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (o.historyOut) mkdirSync(o.historyOut, { recursive: true });
  const seeds = Array.from({ length: o.seeds }, (_, i) => o.first + i);
  const started = performance.now();
  const results: Summary[] = [];
  const report = (r: Summary) => {
    results.push(r);
    if (r.violations.length > 0) {
      console.log(`seed ${r.seed} FAILED (${r.workload}, ${r.servers} servers, ${r.clients} clients): ${r.violations[0]}` +
        (r.violations.length > 1 ? ` (+${r.violations.length - 1} more)` : '') + `\n  replay: ${replayCommand(o, r)}`);
    } else if (r.unknown) {
      console.log(`seed ${r.seed}: linearizability unknown (search budget exceeded)\n  replay: ${replayCommand(o, r)}`);
    }
  };
  const jobs = Math.min(o.jobs, seeds.length);
  if (jobs <= 1) {
    for (const s of seeds) report(runOne(o, s));
  } else {
    await Promise.all(Array.from({ length: jobs }, (_, w) => new Promise<void>((resolve, reject) => {
      const mine = seeds.filter((_, i) => i % jobs === w);
      const worker = new Worker(new URL(import.meta.url), { workerData: { o, seeds: mine } });
      worker.on('message', (r: Summary) => report(r));
      worker.on('error', reject);
      worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sim worker exited with ${code}`))));
    })));
  }
  const failed = results.filter((r) => r.violations.length > 0).sort((a, b) => a.seed - b.seed);
  const unknown = results.filter((r) => r.unknown).length;
  const ops = results.reduce((n, r) => n + r.stats.ok + r.stats.fail + r.stats.info, 0);
  const wall = results.map((r) => r.wallMs).sort((a, b) => a - b);
  const pct = (p: number) => (wall[Math.min(wall.length - 1, Math.floor(p * wall.length))] ?? 0).toFixed(0);
  console.log(`ops: ${ops}, unknown: ${unknown}, wall: ${((performance.now() - started) / 1000).toFixed(1)} s ` +
    `(per seed p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, ${jobs} jobs)` +
    (failed.length > 0 ? `, first failing seed: ${failed[0]!.seed}` : ''));
  if (failed.length > 0) {
    // Which checks fired, counted once per seed: says what a planted bug was caught by.
    const kinds = new Map<string, number[]>();
    for (const r of failed) {
      for (const k of new Set(r.violations.map(violationKind))) {
        const l = kinds.get(k) ?? [];
        l.push(r.seed);
        kinds.set(k, l);
      }
    }
    console.log('checks fired: ' + [...kinds].map(([k, l]) => `${k} ${l.length} (first seed ${Math.min(...l)})`).join('; '));
  }
  console.log(`seeds: ${results.length}, violations: ${failed.length}`);
  return failed.length > 0 ? 1 : 0;
}

const isEntryPoint = (process.argv[1] ?? '').endsWith('cli.js');
if (isMainThread && isEntryPoint) {
  main().then((code) => { process.exitCode = code; }, (err) => {
    console.error(err);
    process.exitCode = 1;
  });
} else if (!isMainThread) {
  const { o, seeds } = workerData as { o: CliOptions; seeds: number[] };
  for (const s of seeds) parentPort!.postMessage(runOne(o, s));
}
