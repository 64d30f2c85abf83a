// TTL checks (Consul's CheckTTL): the application reports in through /v1/agent/check/{pass,warn,fail,
// update}, which reaches the registry's `reported()`; if it stays silent for a whole TTL the check turns
// critical with "TTL expired" (and the last reported output, when there was one).
import type { CheckRunner } from './runner.js';

export class TtlRunner implements CheckRunner {
  private timer: NodeJS.Timeout | null = null;
  private lastOutput = '';
  private stopped = false;

  constructor(
    readonly ttlMs: number,
    /** Called once per silence longer than the TTL, with what the check last reported. */
    private readonly expire: (lastOutput: string) => void,
  ) {}

  start(): void {
    this.arm();
  }

  /** A report came in: remembers its output and restarts the TTL. */
  reported(output: string): void {
    this.lastOutput = output;
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.stopped) this.expire(this.lastOutput);
    }, this.ttlMs);
    this.timer.unref();
  }
}

/** Consul's text: "TTL expired", or "TTL expired (last output before timeout follows): <output>". */
export function ttlExpiredOutput(lastOutput: string): string {
  return lastOutput ? `TTL expired (last output before timeout follows): ${lastOutput}` : 'TTL expired';
}
