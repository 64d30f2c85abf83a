// -bootstrap-expect N (Consul's maybeBootstrap): once N servers of our datacenter are seen through
// gossip, and none of them reports raft peers already, every one of them writes the same initial
// configuration. A server that already has raft state never bootstraps again.
import type { GossipMember } from '../gossip/index.js';
import type { RaftServer } from '../raft/api.js';
import type { Logger } from '../lib/logger.js';

export interface BootstrapDeps {
  expect: number;
  datacenter: string;
  selfId: string;
  members(): GossipMember[];
  hasRaftState(): boolean;
  /** Status.Peers of another server. */
  peersOf(address: string): Promise<string[]>;
  bootstrap(servers: RaftServer[]): Promise<boolean>;
  log: Logger;
}

export class BootstrapExpect {
  private done = false;
  private running = false;

  constructor(private readonly d: BootstrapDeps) {}

  async maybeBootstrap(): Promise<void> {
    if (this.done || this.running || this.d.expect <= 1) return;
    if (this.d.hasRaftState()) {
      this.done = true;
      return;
    }
    this.running = true;
    try {
      await this.attempt();
    } finally {
      this.running = false;
    }
  }

  private async attempt(): Promise<void> {
    const servers = this.d
      .members()
      .filter((m) => m.status === 'alive' && m.tags.role === 'consul' && m.tags.dc === this.d.datacenter && m.tags.port);
    const expects = new Set(servers.map((m) => m.tags.expect ?? ''));
    if (expects.size > 1 || (expects.size === 1 && !expects.has(String(this.d.expect)))) {
      this.d.log.error('Member has a conflicting expect value. All nodes should expect the same number.', {
        expect: [...expects].join(','),
      });
      return;
    }
    if (servers.length < this.d.expect) return;
    const config: RaftServer[] = servers.map((m) => ({ id: m.tags.id ?? '', address: `${m.addr}:${m.tags.port}`, suffrage: 'voter' }));
    if (config.some((s) => !s.id)) return;
    for (const s of config) {
      if (s.id === this.d.selfId) continue;
      let peers: string[];
      try {
        peers = await this.d.peersOf(s.address);
      } catch (err) {
        this.d.log.warn('Failed to confirm peer status', { peer: s.address, error: (err as Error).message });
        return; // try again on the next membership change
      }
      if (peers.length > 0) {
        this.d.log.info('Existing Raft peers reported by server, disabling bootstrap mode', { server: s.address });
        this.done = true;
        return;
      }
    }
    if (this.d.hasRaftState()) {
      this.done = true;
      return;
    }
    const ok = await this.d.bootstrap(config);
    this.done = true;
    if (ok) this.d.log.info('Found expected number of peers, attempting bootstrap', { peers: config.map((s) => s.address).join(',') });
  }
}
