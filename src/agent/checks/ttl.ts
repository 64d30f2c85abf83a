// TTL checks: the application reports in through /v1/agent/check/{pass,warn,fail,update}; if it
// stays silent for a whole TTL the check turns critical with "TTL expired".
export interface TtlCallbacks {
  expire(checkId: string, lastOutput: string): void;
}

export class TtlCheck {
  private timer: NodeJS.Timeout | null = null;
  private lastOutput = '';

  constructor(
    readonly checkId: string,
    private readonly ttlMs: number,
    private readonly cb: TtlCallbacks,
  ) {}

  start(): void {
    this.reset();
  }

  /** Called on every report: re-arms the expiry. */
  reported(output: string): void {
    this.lastOutput = output;
    this.reset();
  }

  private reset(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.cb.expire(this.checkId, this.lastOutput);
    }, this.ttlMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

export function ttlExpiredOutput(lastOutput: string): string {
  return lastOutput ? `TTL expired (last output before timeout follows): ${lastOutput}` : 'TTL expired';
}
