// DeregisterCriticalServiceAfter (Consul's reapServices): a service whose check has been critical for
// longer than the check's limit is deregistered, with all its checks, through the agent. The limit is
// raised to at least one minute; the reaper looks every 30 seconds. "Critical since" is taken from
// local-state changes as they happen, so the 30 s tick adds at most one tick of lateness.
import type { CheckStatus } from '../../structs/catalog.js';

export const REAP_INTERVAL_MS = 30_000;
export const DEREGISTER_MIN_MS = 60_000;

export interface ReaperOptions {
  /** Current status of a local check, or null once it is gone. */
  statusOf(checkId: string): CheckStatus | null;
  /** Subscribe to local-state changes. */
  onChange(fn: () => void): () => void;
  /** Removes the service and its checks; the reaper logs a failure and tries again next tick. */
  deregisterService(serviceId: string, checkId: string): Promise<void>;
  nowMs(): number;
  reapIntervalMs?: number;
  deregisterMinMs?: number;
}

interface Tracked {
  serviceId: string;
  afterMs: number;
  criticalSinceMs: number | null;
}

export class CriticalReaper {
  private readonly tracked = new Map<string, Tracked>();
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly reaping = new Set<string>();

  constructor(private readonly o: ReaperOptions) {}

  /** Starts watching a service check; afterMs is raised to the minimum. */
  track(checkId: string, serviceId: string, afterMs: number): void {
    const min = this.o.deregisterMinMs ?? DEREGISTER_MIN_MS;
    this.tracked.set(checkId, { serviceId, afterMs: Math.max(min, afterMs), criticalSinceMs: null });
    this.observe();
    if (!this.timer) {
      this.timer = setInterval(() => this.reap(), this.o.reapIntervalMs ?? REAP_INTERVAL_MS);
      this.timer.unref();
      this.unsubscribe = this.o.onChange(() => this.observe());
    }
  }

  untrack(checkId: string): void {
    this.tracked.delete(checkId);
    if (this.tracked.size === 0) this.stop();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Notes when each tracked check turned critical, or that it is no longer critical. */
  observe(): void {
    const now = this.o.nowMs();
    for (const [id, t] of this.tracked) {
      const critical = this.o.statusOf(id) === 'critical';
      if (!critical) t.criticalSinceMs = null;
      else if (t.criticalSinceMs === null) t.criticalSinceMs = now;
    }
  }

  /** One reaper pass (the timer calls it; tests may too). */
  reap(): void {
    this.observe();
    const now = this.o.nowMs();
    for (const [id, t] of this.tracked) {
      if (t.criticalSinceMs === null || now - t.criticalSinceMs <= t.afterMs) continue;
      if (this.reaping.has(t.serviceId)) continue;
      this.reaping.add(t.serviceId);
      void this.o.deregisterService(t.serviceId, id).finally(() => this.reaping.delete(t.serviceId));
    }
  }
}
