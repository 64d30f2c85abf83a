// What only the leader does: reconcile members into the catalog (node + serfHealth, and the `consul`
// service for servers), expire TTL sessions, and reap KV tombstones once clients had time to see them.
import { MessageType } from '../structs/message-type.js';
import {
  CONSUL_SERVICE_ID,
  CONSUL_SERVICE_NAME,
  SERF_ALIVE_OUTPUT,
  SERF_CHECK_ID,
  SERF_CHECK_NAME,
  SERF_FAILED_OUTPUT,
  defaultWeights,
  type HealthCheck,
  type RegisterRequest,
} from '../structs/catalog.js';
import type { Session } from '../structs/session.js';
import { parseDurationNs } from '../lib/duration.js';
import type { Server } from './server.js';

export interface MemberInfo {
  name: string;
  id: string;
  address: string;
  status: 'alive' | 'failed' | 'left';
  /** Server RPC port when the member is a server. */
  serverPort?: number;
  /** Node meta and tagged addresses, when known (our own node); otherwise the catalog's are kept. */
  meta?: Record<string, string>;
  taggedAddresses?: Record<string, string>;
  version: string;
}

/** Sessions get a grace of twice their TTL before the leader invalidates them (Consul's multiplier). */
export const SESSION_TTL_MULTIPLIER = 2;
export const RECONCILE_INTERVAL_MS = 60_000;
export const TOMBSTONE_TTL_MS = 15 * 60_000;
export const TOMBSTONE_GRANULARITY_MS = 30_000;

export class LeaderDuties {
  private active = false;
  private reconciling = false;
  private reconcileAgain = false;
  private sessionTimers = new Map<string, NodeJS.Timeout>();
  private reconcileTimer: NodeJS.Timeout | null = null;
  private tombstoneTimer: NodeJS.Timeout | null = null;
  /** (time, commit index) samples: the reap index is the newest sample older than the tombstone TTL. */
  private indexSamples: Array<{ atMs: number; index: number }> = [];

  constructor(
    private readonly srv: Server,
    private readonly members: () => MemberInfo[],
  ) {}

  get isActive(): boolean {
    return this.active;
  }

  onLeadership(isLeader: boolean): void {
    if (isLeader && !this.active) this.establish();
    else if (!isLeader && this.active) this.revoke();
  }

  private establish(): void {
    this.active = true;
    this.srv.log.info('cluster leadership acquired');
    const [, sessions] = this.srv.store.sessionList(null);
    for (const s of sessions) this.resetSessionTimer(s);
    void this.reconcile();
    this.reconcileTimer = setInterval(() => void this.reconcile(), RECONCILE_INTERVAL_MS);
    this.reconcileTimer.unref();
    this.tombstoneTimer = setInterval(() => void this.reapTombstones(), TOMBSTONE_GRANULARITY_MS);
    this.tombstoneTimer.unref();
  }

  private revoke(): void {
    this.srv.log.info('cluster leadership lost');
    this.stop();
  }

  stop(): void {
    this.active = false;
    for (const t of this.sessionTimers.values()) clearTimeout(t);
    this.sessionTimers.clear();
    if (this.reconcileTimer) clearInterval(this.reconcileTimer);
    if (this.tombstoneTimer) clearInterval(this.tombstoneTimer);
    this.reconcileTimer = null;
    this.tombstoneTimer = null;
  }

  /** Consul's reconcile: every member becomes a catalog node with serfHealth; servers get the consul service. */
  async reconcile(): Promise<void> {
    if (!this.active || this.reconciling) {
      this.reconcileAgain = this.active;
      return;
    }
    this.reconciling = true;
    try {
      const members = this.members();
      for (const m of members) {
        try {
          await this.reconcileMember(m);
          await this.reconcileRaftMember(m);
        } catch (err) {
          this.srv.log.warn('failed to reconcile member', { member: m.name, error: (err as Error).message });
        }
      }
      await this.reconcileReaped(new Set(members.map((m) => m.name)));
    } finally {
      this.reconciling = false;
    }
    if (this.reconcileAgain) {
      this.reconcileAgain = false;
      await this.reconcile();
    }
  }

  /** Alive servers join the raft configuration; servers that left are removed (never ourselves). */
  private async reconcileRaftMember(m: MemberInfo): Promise<void> {
    if (!m.serverPort || !m.id || m.id === this.srv.opts.nodeId) return;
    const address = `${m.address}:${m.serverPort}`;
    const servers = this.srv.raft.status().configuration.servers;
    const existing = servers.find((s) => s.id === m.id);
    if (m.status === 'alive' && (!existing || existing.address !== address)) {
      this.srv.log.info('Adding server to the raft configuration', { server: m.name, address });
      await this.srv.raft.addServer({ id: m.id, address, suffrage: 'voter' });
    } else if (m.status === 'left' && existing) {
      this.srv.log.info('Removing server that left from the raft configuration', { server: m.name, address });
      await this.srv.raft.removeServer(m.id);
    }
  }

  /** Catalog nodes that gossip no longer knows (reaped or force-left with prune) are deregistered. */
  private async reconcileReaped(known: Set<string>): Promise<void> {
    const [, checks] = this.srv.store.checksInState(null, 'any');
    for (const c of checks) {
      if (c.CheckID !== SERF_CHECK_ID || known.has(c.Node) || c.Node === this.srv.opts.nodeName) continue;
      this.srv.log.info('deregistering reaped member', { member: c.Node });
      await this.srv.apply(MessageType.Deregister, { Node: c.Node });
    }
  }

  async reconcileMember(m: MemberInfo): Promise<void> {
    const store = this.srv.store;
    if (m.status === 'left') {
      const [, node] = store.getNode(null, m.name);
      if (node) await this.srv.apply(MessageType.Deregister, { Node: m.name });
      return;
    }
    const status = m.status === 'alive' ? 'passing' : 'critical';
    const output = m.status === 'alive' ? SERF_ALIVE_OUTPUT : SERF_FAILED_OUTPUT;
    const [, node] = store.getNode(null, m.name);
    const [, checks] = store.nodeChecks(null, m.name);
    const serf = checks.find((c) => c.CheckID === SERF_CHECK_ID);
    const svc = m.serverPort ? store.nodeService(m.name, CONSUL_SERVICE_ID) : null;
    const upToDate =
      node !== null &&
      node.Address === m.address &&
      node.ID === m.id &&
      (m.meta === undefined || sameMap(node.Meta, m.meta)) &&
      serf?.Status === status &&
      serf.Output === output &&
      (!m.serverPort || (svc !== null && svc.Port === m.serverPort));
    if (upToDate) return;
    const check = {
      Node: m.name,
      CheckID: SERF_CHECK_ID,
      Name: SERF_CHECK_NAME,
      Status: status,
      Output: output,
      Notes: '',
      ServiceID: '',
      ServiceName: '',
      ServiceTags: [],
      Type: '',
      Interval: '',
      Timeout: '',
      ExposedPort: 0,
      Definition: {},
      CreateIndex: 0,
      ModifyIndex: 0,
    } satisfies HealthCheck;
    const req: RegisterRequest = {
      Node: m.name,
      ID: m.id,
      Address: m.address,
      TaggedAddresses: m.taggedAddresses ??
        node?.TaggedAddresses ?? { lan: m.address, lan_ipv4: m.address, wan: m.address, wan_ipv4: m.address },
      NodeMeta: m.meta ?? node?.Meta ?? null,
      Check: check,
    };
    if (m.serverPort) {
      req.Service = {
        ID: CONSUL_SERVICE_ID,
        Service: CONSUL_SERVICE_NAME,
        Tags: [],
        Address: '',
        Meta: {
          raft_version: '3',
          serf_protocol_current: '2',
          serf_protocol_max: '5',
          serf_protocol_min: '1',
          version: m.version,
          non_voter: 'false',
          read_replica: 'false',
        },
        Port: m.serverPort,
        Weights: defaultWeights(),
        EnableTagOverride: false,
        CreateIndex: 0,
        ModifyIndex: 0,
      };
    }
    await this.srv.apply(MessageType.Register, req);
  }

  /** (Re)arms the invalidation timer of a TTL session; called on create, renew and leadership. */
  resetSessionTimer(s: Session): void {
    if (!this.active || !s.TTL) return;
    let ttlNs: number;
    try {
      ttlNs = parseDurationNs(s.TTL);
    } catch {
      return;
    }
    if (ttlNs <= 0) return;
    const prev = this.sessionTimers.get(s.ID);
    if (prev) clearTimeout(prev);
    const timer = setTimeout(() => void this.invalidateSession(s.ID), (ttlNs / 1e6) * SESSION_TTL_MULTIPLIER);
    timer.unref();
    this.sessionTimers.set(s.ID, timer);
  }

  clearSessionTimer(id: string): void {
    const t = this.sessionTimers.get(id);
    if (t) clearTimeout(t);
    this.sessionTimers.delete(id);
  }

  private async invalidateSession(id: string): Promise<void> {
    this.sessionTimers.delete(id);
    if (!this.active) return;
    const [, s] = this.srv.store.sessionGet(null, id);
    if (!s) return;
    try {
      await this.srv.apply(MessageType.Session, { Op: 'destroy', Session: s });
      this.srv.log.debug('session TTL expired', { session: id });
    } catch (err) {
      this.srv.log.error('failed to invalidate expired session', { session: id, error: (err as Error).message });
      // Try again later rather than leaving the lock held forever.
      this.resetSessionTimer(s);
    }
  }

  private async reapTombstones(): Promise<void> {
    if (!this.active) return;
    const now = this.srv.clock.monotonicMs();
    this.indexSamples.push({ atMs: now, index: this.srv.raft.status().appliedIndex });
    let reapIndex = 0;
    while (this.indexSamples.length > 0 && now - this.indexSamples[0]!.atMs >= TOMBSTONE_TTL_MS) {
      reapIndex = this.indexSamples.shift()!.index;
    }
    if (reapIndex > 0) {
      try {
        await this.srv.apply(MessageType.TombstoneReap, { ReapIndex: reapIndex });
      } catch (err) {
        this.srv.log.warn('tombstone reap failed', { error: (err as Error).message });
      }
    }
  }
}

function sameMap(a: Record<string, string> | null, b: Record<string, string>): boolean {
  const ak = Object.keys(a ?? {});
  if (ak.length !== Object.keys(b).length) return false;
  return ak.every((k) => a![k] === b[k]);
}
