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
  /** Shared by a registry's checks so that runs due close together start in one timer wakeup. */
  clock?: SlotClock;
}

/** Consul's lib.RandomStagger: the first run lands uniformly within one interval. */
export function firstRunDelayMs(intervalMs: number, rng: Rng): number {
  return randomInt(rng, Math.floor(intervalMs));
}

/** The widest slot: a run may start up to this much after it was due (a tenth of the 1 s minimum interval). */
export const SLOT_MAX_MS = 100;

/**
 * Groups timers into slots so that everything due within one slot fires from a single wakeup. On a
 * virtual machine each wakeup of an idle process costs more CPU than the probe it starts, and 1,000
 * checks on 10 s intervals would wake the agent 100 times a second, each for one check. Slots are
 * `min(SLOT_MAX_MS, interval/10)` wide, so 1,000 such checks still start spread over 100 slots, never
 * at once, and each run is late by less than a tenth of its interval.
 */
export class SlotClock {
  private readonly slots = new Map<number, { timer: NodeJS.Timeout; fns: Set<() => void> }>();

  constructor(private readonly nowMs: () => number = () => performance.now()) {}

  /** Slots whose timer is still armed (a cancelled slot with nothing left in it is not). */
  get armed(): number {
    return this.slots.size;
  }

  /** Calls fn once, at the end of the slot holding now+delayMs; the returned function cancels it. */
  schedule(delayMs: number, slotMs: number, fn: () => void): () => void {
    const width = Math.max(1, Math.floor(slotMs));
    const now = this.nowMs();
    const key = Math.ceil((now + delayMs) / width) * width;
    let slot = this.slots.get(key);
    if (!slot) {
      const fns = new Set<() => void>();
      const timer = setTimeout(() => {
        this.slots.delete(key);
        for (const f of fns) f();
      }, Math.max(0, key - now));
      timer.unref();
      slot = { timer, fns };
      this.slots.set(key, slot);
    }
    const entry = slot;
    entry.fns.add(fn);
    return () => {
      if (!entry.fns.delete(fn) || entry.fns.size > 0) return;
      clearTimeout(entry.timer);
      if (this.slots.get(key) === entry) this.slots.delete(key);
    };
  }
}

const defaultClock = new SlotClock();

/** Runs a probe after a random stagger, then every interval measured from the end of the last run. */
export class IntervalRunner implements CheckRunner {
  private cancel: (() => void) | null = null;
  private stopped = false;
  /** When the pending run was due, before its slot rounded it up. */
  private dueAt = 0;
  private readonly slotMs: number;
  private readonly fireFn = (): void => void this.fire();

  constructor(
    private readonly probe: Probe,
    private readonly o: IntervalOptions,
  ) {
    this.slotMs = Math.min(SLOT_MAX_MS, o.intervalMs / 10);
  }

  start(): void {
    this.arm(firstRunDelayMs(this.o.intervalMs, this.o.rng));
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
    this.cancel = null;
  }

  private arm(delayMs: number): void {
    if (this.stopped) return;
    this.dueAt = performance.now() + delayMs;
    this.cancel = (this.o.clock ?? defaultClock).schedule(delayMs, this.slotMs, this.fireFn);
  }

  private async fire(): Promise<void> {
    this.cancel = null;
    // The slot's rounding is taken off the next delay, so each check keeps its own phase; otherwise
    // checks sharing a slot would leave it together and stay bunched for good. (Only the rounding: a
    // run delayed by a busy event loop is not made up for by running the next one early.)
    const late = Math.min(this.slotMs, Math.max(0, performance.now() - this.dueAt));
    let result: CheckResult;
    try {
      result = await this.probe.run();
    } catch (err) {
      result = { status: 'critical', output: (err as Error).message ?? String(err) };
    }
    if (this.stopped) return;
    this.o.report(result);
    this.arm(Math.max(0, this.o.intervalMs - late));
  }
}
