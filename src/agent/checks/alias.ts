// Alias checks (Consul's CheckAlias): mirror the health of another service instance or node.
// Critical beats warning beats passing; no matching checks is passing; an aliased service that does
// not exist is critical. Without AliasNode the agent's own local state is watched (re-evaluated on
// every local change, coalesced, plus a refresh every minute in case a change was missed); with
// AliasNode the servers are asked with blocking Health.NodeChecks queries, backing off on errors.
import type { HealthCheck } from '../../structs/catalog.js';
import type { CheckResult, CheckRunner, ReportFn } from './runner.js';

const REFRESH_MS = 60_000;
const BLOCK_MS = 60_000;
const BACKOFF_FREE_ATTEMPTS = 3;
const BACKOFF_MAX_MS = 60_000;

export interface AliasTarget {
  /** '' = this agent's node. */
  node: string;
  /** '' = the node's own (service-less) checks. */
  serviceId: string;
}

/** Consul's processChecks: folds the aliased checks into one result. Pure. */
export function aliasResult(checks: readonly HealthCheck[], t: AliasTarget, serviceExists: boolean): CheckResult {
  let status: CheckResult['status'] = 'passing';
  let output = 'No checks found.';
  let serviceFound = false;
  for (const c of checks) {
    if (t.node && c.Node.toLowerCase() !== t.node.toLowerCase()) continue;
    const match = c.ServiceID === t.serviceId;
    if (c.ServiceID !== '' && !match) continue;
    if (match) serviceFound = true;
    if (c.Status === 'critical' || c.Status === 'warning') {
      status = c.Status;
      output = `Aliased check "${c.Name}" failing: ${c.Output}`;
      if (c.Status === 'critical') break;
    } else if (status === 'passing') {
      output = 'All checks passing.';
    }
  }
  if (t.serviceId && !serviceFound && !serviceExists) {
    return { status: 'critical', output: `Service ${t.serviceId} could not be found on node ${t.node}` };
  }
  return { status, output };
}

export interface AliasSources {
  /** The agent's own checks, the alias check itself excluded by the caller. */
  localChecks(): HealthCheck[];
  localServiceExists(id: string): boolean;
  onLocalChange(fn: () => void): () => void;
  /** Blocking Health.NodeChecks; resolves with the checks and the index to block on next. */
  nodeChecks(node: string, minIndex: number, maxWaitMs: number): Promise<{ index: number; checks: HealthCheck[] }>;
  nodeServiceExists(node: string, serviceId: string): Promise<boolean>;
}

export class AliasRunner implements CheckRunner {
  private stopped = false;
  private unsubscribe: (() => void) | null = null;
  private refresh: NodeJS.Timeout | null = null;
  private pending = false;

  constructor(
    private readonly checkId: string,
    private readonly target: AliasTarget,
    private readonly src: AliasSources,
    private readonly report: ReportFn,
  ) {}

  start(): void {
    if (this.target.node) void this.runRemote();
    else {
      this.unsubscribe = this.src.onLocalChange(() => this.schedule());
      this.evaluateLocal();
    }
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.refresh) clearTimeout(this.refresh);
  }

  /** Coalesces bursts of local changes into one evaluation, off the caller's stack. */
  private schedule(): void {
    if (this.pending || this.stopped) return;
    this.pending = true;
    setImmediate(() => {
      this.pending = false;
      this.evaluateLocal();
    });
  }

  private evaluateLocal(): void {
    if (this.stopped) return;
    const checks = this.src.localChecks().filter((c) => c.CheckID !== this.checkId);
    this.report(aliasResult(checks, this.target, this.src.localServiceExists(this.target.serviceId)));
    if (this.refresh) clearTimeout(this.refresh);
    this.refresh = setTimeout(() => this.evaluateLocal(), REFRESH_MS);
    this.refresh.unref();
  }

  private async runRemote(): Promise<void> {
    let index = 0;
    let attempt = 0;
    while (!this.stopped) {
      if (attempt > BACKOFF_FREE_ATTEMPTS) {
        const waitMs = Math.min(BACKOFF_MAX_MS, 2 ** Math.min(30, attempt - BACKOFF_FREE_ATTEMPTS) * 1000);
        await new Promise((r) => setTimeout(r, waitMs).unref());
        if (this.stopped) return;
      }
      let answer: { index: number; checks: HealthCheck[] };
      try {
        answer = await this.src.nodeChecks(this.target.node, index, BLOCK_MS);
      } catch (err) {
        attempt++;
        if (attempt > 1 && !this.stopped) {
          this.report({ status: 'critical', output: `Failure checking aliased node or service: ${(err as Error).message}` });
        }
        continue;
      }
      attempt = 0;
      // Always block on the next round, even if a server answered with index 0: no hot loop.
      index = Math.max(1, answer.index);
      if (this.stopped) return;
      const found = answer.checks.some((c) => c.ServiceID === this.target.serviceId);
      const exists = !this.target.serviceId || found || (await this.src.nodeServiceExists(this.target.node, this.target.serviceId).catch(() => true));
      if (!this.stopped) this.report(aliasResult(answer.checks, this.target, exists));
    }
  }
}
