// The contract every check kind implements, and the interval driver most of them share.
//
// A CheckRunner is started once and stopped once by the registry (./registry.ts); between the two it
// reports results through the ReportFn it was built with. Calls never overlap: an interval check runs
// its probe to completion (each probe enforces its own timeout) before it arms the next run, so a
// slow target can never pile up concurrent probes.
import type { CheckStatus } from '../../structs/catalog.js';
import { randomInt, type Rng } from '../../lib/rng.js';

export interface CheckResult {
  status: CheckStatus;
  output: string;
}

/** Receives every raw result (before damping); the registry turns it into a state update. */
export type ReportFn = (result: CheckResult) => void;

export interface CheckRunner {
  start(): void;
  /** Idempotent. No report is delivered after stop() returns. */
  stop(): void;
}

/** One run of an interval check. Must settle within its own timeout and never reject. */
export interface Probe {
  run(): Promise<CheckResult>;
}

export interface IntervalOptions {
  intervalMs: number;
  rng: Rng;
  report: ReportFn;
}

/** Consul's lib.RandomStagger: the first run lands uniformly within one interval. */
export function firstRunDelayMs(intervalMs: number, rng: Rng): number {
  return randomInt(rng, Math.floor(intervalMs));
}

/** Runs a probe after a random stagger, then every interval measured from the end of the last run. */
export class IntervalRunner implements CheckRunner {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly probe: Probe,
    private readonly o: IntervalOptions,
  ) {}

  start(): void {
    this.arm(firstRunDelayMs(this.o.intervalMs, this.o.rng));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.fire(), delayMs);
    this.timer.unref();
  }

  private async fire(): Promise<void> {
    this.timer = null;
    let result: CheckResult;
    try {
      result = await this.probe.run();
    } catch (err) {
      result = { status: 'critical', output: (err as Error).message ?? String(err) };
    }
    if (this.stopped) return;
    this.o.report(result);
    this.arm(this.o.intervalMs);
  }
}
