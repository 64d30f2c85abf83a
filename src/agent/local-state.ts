// The agent's own services and checks — the source of truth for this node — and their sync state
// against the catalog (Consul's agent/local). Anti-entropy (./anti-entropy.ts) pushes what is out of sync.
import type { HealthCheck, NodeService } from '../structs/catalog.js';

export interface ServiceEntry {
  service: NodeService;
  inSync: boolean;
  /** Set when removed locally but not yet deregistered from the catalog. */
  deleted: boolean;
  token: string;
}

export interface CheckEntry {
  check: HealthCheck;
  inSync: boolean;
  deleted: boolean;
  token: string;
  /** Output-only changes wait until this time (check_update_interval) before syncing. */
  deferredUntilMs: number;
}

export class LocalState {
  readonly services = new Map<string, ServiceEntry>();
  readonly checks = new Map<string, CheckEntry>();
  nodeInfoInSync = false;
  private listeners = new Set<() => void>();
  private changeWaiters: Array<() => void> = [];

  constructor(
    readonly nodeName: string,
    private readonly checkUpdateIntervalMs: number,
    private readonly nowMs: () => number,
  ) {}

  /** Called on every local change (anti-entropy schedules a partial sync). */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Resolves at the next local change or after `timeoutMs` (hash-blocking agent endpoints). */
  waitChange(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, timeoutMs);
      const self = this;
      function done() {
        clearTimeout(t);
        self.changeWaiters = self.changeWaiters.filter((w) => w !== done);
        resolve();
      }
      this.changeWaiters.push(done);
    });
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
    const waiters = this.changeWaiters;
    this.changeWaiters = [];
    for (const w of waiters) w();
  }

  service(id: string): NodeService | null {
    const e = this.services.get(id);
    return e && !e.deleted ? e.service : null;
  }

  liveServices(): NodeService[] {
    return [...this.services.values()].filter((e) => !e.deleted).map((e) => e.service);
  }

  check(id: string): HealthCheck | null {
    const e = this.checks.get(id);
    return e && !e.deleted ? e.check : null;
  }

  liveChecks(): HealthCheck[] {
    return [...this.checks.values()].filter((e) => !e.deleted).map((e) => e.check);
  }

  addService(service: NodeService, token = ''): void {
    this.services.set(service.ID, { service, inSync: false, deleted: false, token });
    this.changed();
  }

  removeService(id: string): boolean {
    const e = this.services.get(id);
    if (!e || e.deleted) return false;
    e.deleted = true;
    e.inSync = false;
    this.changed();
    return true;
  }

  addCheck(check: HealthCheck, token = ''): void {
    this.checks.set(check.CheckID, { check, inSync: false, deleted: false, token, deferredUntilMs: 0 });
    this.changed();
  }

  removeCheck(id: string): boolean {
    const e = this.checks.get(id);
    if (!e || e.deleted) return false;
    e.deleted = true;
    e.inSync = false;
    this.changed();
    return true;
  }

  /**
   * Records a check result. Status changes sync at once; output-only changes are deferred by
   * check_update_interval so a chatty check cannot flood the servers.
   */
  updateCheck(id: string, status: HealthCheck['Status'], output: string): boolean {
    const e = this.checks.get(id);
    if (!e || e.deleted) return false;
    const c = e.check;
    if (c.Status === status && c.Output === output) return true;
    const statusChanged = c.Status !== status;
    e.check = { ...c, Status: status, Output: output };
    if (statusChanged || this.checkUpdateIntervalMs <= 0) {
      e.inSync = false;
      e.deferredUntilMs = 0;
      this.changed();
    } else if (e.inSync) {
      e.inSync = false;
      e.deferredUntilMs = this.nowMs() + this.checkUpdateIntervalMs;
      this.changed();
    }
    return true;
  }

  /** Marks everything out of sync (after a full compare found differences, or a reload). */
  markAllOutOfSync(): void {
    this.nodeInfoInSync = false;
    for (const e of this.services.values()) e.inSync = false;
    for (const e of this.checks.values()) e.inSync = false;
  }

  purgeService(id: string): void {
    this.services.delete(id);
  }

  purgeCheck(id: string): void {
    this.checks.delete(id);
  }
}
