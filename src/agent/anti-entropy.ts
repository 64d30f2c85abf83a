// Anti-entropy (Consul's agent/ae + local.State sync): a full compare against the catalog on a
// staggered interval, and a partial sync of whatever is out of sync after every local change.
// Syncs never overlap; failures are logged and retried with backoff.
import type { LocalState } from './local-state.js';
import type { HealthCheck, NodeService, RegisterRequest } from '../structs/catalog.js';
import { CONSUL_SERVICE_ID, SERF_CHECK_ID } from '../structs/catalog.js';
import type { RpcMethod, RpcMethods } from '../structs/requests.js';
import type { QueryReply } from '../structs/rpc.js';
import type { Logger } from '../lib/logger.js';
import { randomInt, type Rng } from '../lib/rng.js';

export interface NodeInfo {
  ID: string;
  Node: string;
  Address: string;
  TaggedAddresses: Record<string, string>;
  Meta: Record<string, string>;
  Datacenter: string;
}

export interface AntiEntropyOptions {
  state: LocalState;
  rpc: <M extends RpcMethod>(method: M, args: RpcMethods[M]) => Promise<any>;
  nodeInfo: () => NodeInfo;
  logger: Logger;
  rng: Rng;
  nowMs: () => number;
  /** Base full-sync interval (Consul: 60 s, scaled above 128 nodes). */
  intervalMs: number;
  /** Retry delay after a failed sync. */
  retryMs: number;
}

export class AntiEntropy {
  private running = false;
  private rerun: 'none' | 'partial' | 'full' = 'none';
  private fullTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private deferTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private unsubscribe: () => void = () => {};
  /** Resolvers waiting for the next completed sync (tests, `syncChanges` callers). */
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly o: AntiEntropyOptions) {}

  start(): void {
    this.unsubscribe = this.o.state.onChange(() => this.trigger('partial'));
    this.trigger('full');
    this.scheduleFull();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    for (const t of [this.fullTimer, this.retryTimer, this.deferTimer]) if (t) clearTimeout(t);
  }

  /** Runs a sync now (or after the current one) and resolves when it is done. */
  syncNow(kind: 'partial' | 'full' = 'partial'): Promise<void> {
    const p = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.trigger(kind);
    return p;
  }

  private scheduleFull(): void {
    if (this.stopped) return;
    const stagger = randomInt(this.o.rng, Math.max(1, this.o.intervalMs));
    this.fullTimer = setTimeout(() => {
      this.trigger('full');
      this.scheduleFull();
    }, this.o.intervalMs + stagger);
    this.fullTimer.unref();
  }

  trigger(kind: 'partial' | 'full'): void {
    if (this.stopped) return;
    if (this.running) {
      if (kind === 'full' || this.rerun === 'none') this.rerun = kind;
      return;
    }
    this.running = true;
    setImmediate(() => void this.run(kind));
  }

  private async run(kind: 'partial' | 'full'): Promise<void> {
    let ok = true;
    try {
      if (kind === 'full') await this.compareWithCatalog();
      await this.pushChanges();
    } catch (err) {
      ok = false;
      this.o.logger.warn('syncing with the catalog failed; will retry', { error: (err as Error).message });
    }
    this.running = false;
    if (!ok && !this.stopped && !this.retryTimer) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.trigger('full');
      }, this.o.retryMs);
      this.retryTimer.unref();
    }
    const next = this.rerun;
    this.rerun = 'none';
    if (next !== 'none') {
      this.trigger(next);
      return;
    }
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Marks differences between the catalog's view of this node and the local state. */
  private async compareWithCatalog(): Promise<void> {
    const st = this.o.state;
    const info = this.o.nodeInfo();
    const opts = { AllowStale: false };
    const svcReply: QueryReply<{ Node: any; Services: Record<string, NodeService> } | null> = await this.o.rpc(
      'Catalog.NodeServices',
      { Options: opts, Node: info.Node },
    );
    const chkReply: QueryReply<HealthCheck[]> = await this.o.rpc('Health.NodeChecks', { Options: opts, Node: info.Node });
    const node = svcReply.value?.Node;
    st.nodeInfoInSync =
      !!node &&
      node.ID === info.ID &&
      node.Address === info.Address &&
      sameRecord(node.TaggedAddresses, info.TaggedAddresses) &&
      sameRecord(node.Meta, info.Meta);

    const remoteServices = svcReply.value?.Services ?? {};
    for (const [id, remote] of Object.entries(remoteServices)) {
      if (id === CONSUL_SERVICE_ID) continue; // the leader owns the servers' consul service
      const local = st.services.get(id);
      if (!local) {
        st.services.set(id, { service: remote, inSync: false, deleted: true, token: '' });
        continue;
      }
      if (local.deleted) continue;
      if (local.service.EnableTagOverride) local.service = { ...local.service, Tags: remote.Tags };
      local.inSync = sameService(local.service, remote);
    }
    for (const [id, e] of st.services) if (!e.deleted && !(id in remoteServices)) e.inSync = false;

    const remoteChecks = new Map(chkReply.value.map((c) => [c.CheckID, c]));
    for (const [id, remote] of remoteChecks) {
      if (id === SERF_CHECK_ID || remote.ServiceID === CONSUL_SERVICE_ID) continue;
      const local = st.checks.get(id);
      if (!local) {
        st.checks.set(id, { check: remote, inSync: false, deleted: true, token: '', deferredUntilMs: 0 });
        continue;
      }
      if (local.deleted) continue;
      local.inSync = sameCheck(local.check, remote);
    }
    for (const [id, e] of st.checks) if (!e.deleted && !remoteChecks.has(id)) e.inSync = false;
  }

  /** Pushes every out-of-sync entry to the catalog. */
  private async pushChanges(): Promise<void> {
    const st = this.o.state;
    const info = this.o.nodeInfo();
    const base = (): RegisterRequest => ({
      Datacenter: info.Datacenter,
      ID: info.ID,
      Node: info.Node,
      Address: info.Address,
      TaggedAddresses: info.TaggedAddresses,
      NodeMeta: info.Meta,
      SkipNodeUpdate: st.nodeInfoInSync,
    });
    for (const [id, e] of [...st.services]) {
      if (e.deleted) {
        await this.o.rpc('Catalog.Deregister', { Node: info.Node, ServiceID: id });
        if (st.services.get(id) === e) st.purgeService(id);
        // Its checks went with it in the catalog.
        for (const [cid, c] of [...st.checks]) if (c.check.ServiceID === id && c.deleted) st.purgeCheck(cid);
        continue;
      }
      if (e.inSync) continue;
      const checks = [...st.checks.values()].filter((c) => !c.deleted && c.check.ServiceID === id);
      await this.o.rpc('Catalog.Register', { ...base(), Service: e.service, Checks: checks.map((c) => c.check) });
      st.nodeInfoInSync = true;
      e.inSync = true;
      for (const c of checks) c.inSync = true;
    }
    let nextDeferral = Infinity;
    const now = this.o.nowMs();
    for (const [id, e] of [...st.checks]) {
      if (e.deleted) {
        await this.o.rpc('Catalog.Deregister', { Node: info.Node, CheckID: id });
        if (st.checks.get(id) === e) st.purgeCheck(id);
        continue;
      }
      if (e.inSync) continue;
      if (e.deferredUntilMs > now) {
        nextDeferral = Math.min(nextDeferral, e.deferredUntilMs);
        continue;
      }
      await this.o.rpc('Catalog.Register', { ...base(), Check: e.check });
      st.nodeInfoInSync = true;
      e.inSync = true;
    }
    if (!st.nodeInfoInSync) {
      await this.o.rpc('Catalog.Register', base());
      st.nodeInfoInSync = true;
    }
    if (nextDeferral !== Infinity && !this.deferTimer) {
      this.deferTimer = setTimeout(() => {
        this.deferTimer = null;
        this.trigger('partial');
      }, nextDeferral - now);
      this.deferTimer.unref();
    }
  }
}

function sameRecord(a: Record<string, string> | null | undefined, b: Record<string, string> | null | undefined): boolean {
  const ak = Object.keys(a ?? {});
  const bk = Object.keys(b ?? {});
  return ak.length === bk.length && ak.every((k) => (a ?? {})[k] === (b ?? {})[k]);
}

function sameService(a: NodeService, b: NodeService): boolean {
  return (
    a.Service === b.Service &&
    a.Address === b.Address &&
    a.Port === b.Port &&
    (a.Kind ?? '') === (b.Kind ?? '') &&
    a.EnableTagOverride === b.EnableTagOverride &&
    JSON.stringify(a.Tags) === JSON.stringify(b.Tags) &&
    sameRecord(a.Meta, b.Meta) &&
    a.Weights.Passing === b.Weights.Passing &&
    a.Weights.Warning === b.Weights.Warning &&
    JSON.stringify(a.TaggedAddresses ?? {}) === JSON.stringify(b.TaggedAddresses ?? {})
  );
}

function sameCheck(a: HealthCheck, b: HealthCheck): boolean {
  return (
    a.Name === b.Name &&
    a.Status === b.Status &&
    a.Output === b.Output &&
    a.Notes === b.Notes &&
    a.ServiceID === b.ServiceID &&
    a.Type === b.Type
  );
}
