// The agent's side of gossip (Consul's agent/consul serf handling): our member with Consul's tags,
// joining (-join, -retry-join, -rejoin), the server list client agents route RPCs to, and the
// events that make a server's leader reconcile members and a -bootstrap-expect server bootstrap.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { Gossip, type GossipMember } from '../gossip/index.js';
import type { RuntimeConfig } from '../config/index.js';
import type { Logger } from '../lib/logger.js';
import type { AgentMember } from '../structs/agent.js';
import type { MemberInfo } from '../server/leader.js';
import type { ServerManager } from './servers.js';

export interface MembershipHooks {
  /** Membership changed (debounced): servers reconcile, bootstrap-expect re-evaluates. */
  onChange(): void;
  onUserEvent(name: string, payload: Buffer, ltime: number): void;
}

const CHANGE_DEBOUNCE_MS = 50;

export class Membership {
  private gossip: Gossip | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private changeTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly config: RuntimeConfig,
    private readonly tags: () => Record<string, string>,
    private readonly servers: ServerManager,
    private readonly hooks: MembershipHooks,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const c = this.config;
    if (c.ports.serfLan < 0) return;
    let snapshotPath: string | undefined;
    if (c.dataDir && !c.devMode) {
      mkdirSync(join(c.dataDir, 'serf'), { recursive: true });
      snapshotPath = join(c.dataDir, 'serf', 'local.snapshot');
    }
    this.gossip = await Gossip.start({
      nodeName: c.nodeName,
      bindAddr: c.bindAddr,
      bindPort: c.ports.serfLan,
      advertiseAddr: c.advertiseAddr,
      advertisePort: c.ports.serfLan,
      tags: this.tags(),
      reconnectTimeoutMs: c.reconnectTimeoutMs,
      snapshotPath,
      rejoinAfterLeave: c.rejoinAfterLeave,
      encryptKey: c.encrypt ? Buffer.from(c.encrypt, 'base64') : undefined,
      logger: this.log,
    });
    for (const ev of ['member-join', 'member-leave', 'member-failed', 'member-update', 'member-reap'] as const) {
      this.gossip.on(ev, () => this.changed());
    }
    this.gossip.on('user', (e) => this.hooks.onUserEvent(e.name, e.payload, e.ltime));
    this.changed();
    if (c.startJoin.length > 0) {
      const n = await this.gossip.join([...c.startJoin]);
      this.log.info('Join completed. Initial agents synced', { agent_count: n });
    }
    if (c.retryJoin.length > 0) void this.retryJoin(1);
  }

  /** -retry-join: keep trying until one join succeeds or retry_max attempts failed. */
  private async retryJoin(attempt: number): Promise<void> {
    if (this.stopped || !this.gossip) return;
    const c = this.config;
    this.log.info('Retry join is supported for the following discovery methods', { cluster: 'LAN', discovery_methods: 'static' });
    this.log.info('Joining cluster...', { cluster: 'LAN' });
    try {
      const n = await this.gossip.join([...c.retryJoin]);
      this.log.info('Join cluster completed. Synced with initial agents', { cluster: 'LAN', num_agents: n });
    } catch (err) {
      if (c.retryMax > 0 && attempt >= c.retryMax) {
        this.log.error('agent: max join retry exhausted, exiting', { cluster: 'LAN' });
        return;
      }
      this.log.warn('Join cluster failed, will retry', {
        cluster: 'LAN',
        retry_interval: `${c.retryIntervalMs / 1000}s`,
        error: (err as Error).message,
      });
      this.retryTimer = setTimeout(() => void this.retryJoin(attempt + 1), c.retryIntervalMs);
      this.retryTimer.unref();
    }
  }

  private changed(): void {
    this.refreshServers();
    if (this.changeTimer) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = null;
      this.hooks.onChange();
    }, CHANGE_DEBOUNCE_MS);
    this.changeTimer.unref();
  }

  /** Client agents route RPCs to alive servers of our datacenter. */
  private refreshServers(): void {
    const list = this.rawMembers()
      .filter((m) => m.status === 'alive' && m.tags.role === 'consul' && m.tags.dc === this.config.datacenter && m.tags.port)
      .map((m) => ({ name: m.name, address: `${m.addr}:${m.tags.port}` }));
    this.servers.update(list);
  }

  rawMembers(): GossipMember[] {
    return this.gossip?.members() ?? [];
  }

  members(): AgentMember[] {
    return this.rawMembers().map((m) => ({
      Name: m.name,
      Addr: m.addr,
      Port: m.port,
      Tags: m.tags,
      Status: STATUS_CODE[m.status] ?? 0,
      ProtocolMin: m.protocolMin,
      ProtocolMax: m.protocolMax,
      ProtocolCur: m.protocolCur,
      DelegateMin: m.delegateMin,
      DelegateMax: m.delegateMax,
      DelegateCur: m.delegateCur,
    }));
  }

  /** Members as the leader reconciles them into the catalog (our datacenter only). */
  memberInfos(version: string): MemberInfo[] {
    return this.rawMembers()
      .filter((m) => m.tags.dc === this.config.datacenter)
      .map((m) => ({
        name: m.name,
        id: m.tags.id ?? '',
        address: m.addr,
        status: m.status === 'failed' ? 'failed' : m.status === 'left' ? 'left' : 'alive',
        serverPort: m.tags.role === 'consul' && m.tags.port ? Number(m.tags.port) : undefined,
        version: m.tags.build?.split(':')[0] ?? version,
      }));
  }

  async join(addr: string): Promise<number> {
    if (!this.gossip) throw new Error('gossip is disabled on this agent');
    return this.gossip.join([addr]);
  }

  async forceLeave(node: string, prune: boolean): Promise<void> {
    if (!this.gossip) throw new Error('gossip is disabled on this agent');
    await this.gossip.forceLeave(node, prune);
  }

  async userEvent(name: string, payload: Buffer): Promise<void> {
    if (!this.gossip) throw new Error('gossip is disabled on this agent');
    await this.gossip.userEvent(name, payload, false);
  }

  stats(): Record<string, string> {
    return this.gossip?.stats() ?? {};
  }

  get enabled(): boolean {
    return this.gossip !== null;
  }

  async leave(): Promise<void> {
    await this.gossip?.leave();
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.changeTimer) clearTimeout(this.changeTimer);
    await this.gossip?.shutdown();
  }
}

const STATUS_CODE: Record<string, number> = { none: 0, alive: 1, leaving: 2, left: 3, failed: 4 };
