// A deterministic simulator for the gossip cores: virtual time, a seeded network with loss, delay and
// partitions, crashes. One process runs N SerfCore instances; the same seed replays the same run.
import { seededRng, type Rng } from '../../src/lib/rng.js';
import { SerfCore, type GossipEffect } from '../../src/gossip/serf/core.js';
import { defaultSerfConfig, type SerfEvent } from '../../src/gossip/serf/types.js';
import { defaultLanSwimConfig, type SwimConfig } from '../../src/gossip/swim/config.js';
import type { Address } from '../../src/gossip/swim/types.js';
import { NodeStateType, type PushNodeState } from '../../src/gossip/wire/messages.js';
import { ipToBytes } from '../../src/gossip/wire/addr.js';
import { encodeTags } from '../../src/gossip/wire/serf-messages.js';

export interface SimNetworkOptions {
  seed: number;
  lossProbability: number;
  delayMsMin: number;
  delayMsMean: number;
}

export interface SimNode {
  index: number;
  name: string;
  addr: Address;
  core: SerfCore;
  up: boolean;
  events: { at: number; event: SerfEvent }[];
  timers: Map<string, number>;
}

type Job =
  | { kind: 'timer'; node: number; id: string; gen: number }
  | { kind: 'packet'; node: number; from: Address; bytes: Buffer }
  | { kind: 'pushPull'; node: number; target: number | null; join: boolean; joinId: number | null }
  | { kind: 'tcpPing'; node: number; target: number | null; seqNo: number }
  | { kind: 'call'; fn: () => void };

interface Scheduled {
  at: number;
  seq: number;
  job: Job;
}

class Heap {
  private a: Scheduled[] = [];
  get size(): number {
    return this.a.length;
  }
  push(x: Scheduled): void {
    const a = this.a;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(a[p]!, a[i]!)) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  peek(): Scheduled | undefined {
    return this.a[0];
  }
  pop(): Scheduled | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l]!, a[m]!)) m = l;
        if (r < a.length && less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

function less(x: Scheduled, y: Scheduled): boolean {
  return x.at < y.at || (x.at === y.at && x.seq < y.seq);
}

export class SimCluster {
  now = 0;
  readonly nodes: SimNode[] = [];
  private readonly heap = new Heap();
  private seq = 0;
  private timerGen = 0;
  private readonly net: Rng;
  private readonly byAddr = new Map<string, number>();
  /** Partition groups: nodes in different groups cannot talk. Empty = fully connected. */
  private group = new Map<number, number>();
  private readonly joins = new Map<number, { node: number; pending: number; ok: number; resolve: (n: number) => void }>();
  private joinSeq = 0;
  packetsSent = 0;

  constructor(
    readonly opts: SimNetworkOptions,
    private readonly tune: (c: SwimConfig) => void = () => {},
  ) {
    this.net = seededRng(opts.seed ^ 0x5eed);
  }

  addNode(tags: Record<string, string> = {}): SimNode {
    const index = this.nodes.length;
    const name = `node-${index}`;
    const addr = { host: `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`, port: 8301 };
    const swimCfg = defaultLanSwimConfig(name, addr.host, addr.port);
    this.tune(swimCfg);
    const core = new SerfCore(defaultSerfConfig(name, tags), swimCfg, seededRng(this.opts.seed * 1000 + index + 1));
    const node: SimNode = { index, name, addr, core, up: true, events: [], timers: new Map() };
    this.nodes.push(node);
    this.byAddr.set(`${addr.host}:${addr.port}`, index);
    this.apply(node, core.start(this.now));
    return node;
  }

  /** Starts a join of `node` to the given members; resolves (in virtual time) with the push/pulls that worked. */
  join(node: SimNode, targets: SimNode[]): Promise<number> {
    return new Promise((resolve) => {
      const id = ++this.joinSeq;
      this.joins.set(id, { node: node.index, pending: targets.length, ok: 0, resolve });
      const effects = node.core.join(this.now, targets.map((t) => t.addr), false);
      for (const e of effects) {
        if (e.kind === 'pushPull' && e.join) this.schedule(this.delay(), { kind: 'pushPull', node: node.index, target: this.lookup(e.to), join: true, joinId: id });
        else this.apply(node, [e]);
      }
    });
  }

  /** Puts every node in one converged cluster at once (everyone knows everyone), without the join traffic. */
  seedFullMembership(): void {
    const states: PushNodeState[] = this.nodes.map((n) => ({
      Name: n.name,
      Addr: ipToBytes(n.addr.host),
      Port: n.addr.port,
      Meta: encodeTags(n.core.localTags()),
      Incarnation: 1,
      State: NodeStateType.alive,
      Vsn: Uint8Array.of(1, 5, 2, 2, 5, 4),
    }));
    for (const n of this.nodes) {
      this.apply(n, n.core.pushPullResult(this.now, false, states, null));
      n.core.swim.resetBroadcasts();
    }
  }

  crash(node: SimNode): void {
    node.up = false;
    node.timers.clear();
  }

  /** Splits the network: each list is a side; nodes not listed join side 0. */
  partition(...sides: SimNode[][]): void {
    this.group = new Map();
    sides.forEach((side, i) => side.forEach((n) => this.group.set(n.index, i + 1)));
  }

  heal(): void {
    this.group = new Map();
  }

  at(delayMs: number, fn: () => void): void {
    this.schedule(delayMs, { kind: 'call', fn });
  }

  /** Runs until `until()` holds or `maxMs` of virtual time passes; returns whether the condition held. */
  runUntil(until: () => boolean, maxMs: number, checkEveryMs = 50): boolean {
    const end = this.now + maxMs;
    let nextCheck = this.now;
    while (this.now <= end) {
      if (this.now >= nextCheck) {
        if (until()) return true;
        nextCheck = this.now + checkEveryMs;
      }
      const top = this.heap.peek();
      if (!top || top.at > Math.min(end, nextCheck)) {
        this.now = Math.min(end, nextCheck);
        if (this.now >= end) return until();
        continue;
      }
      this.heap.pop();
      this.now = top.at;
      this.run(top.job);
    }
    return until();
  }

  runFor(ms: number): void {
    this.runUntil(() => false, ms);
  }

  /** What `viewer` thinks of `subject` at serf level ('none' when unknown). */
  statusOf(viewer: SimNode, subject: SimNode): string {
    return viewer.core.memberStatus(subject.name);
  }

  private reachable(a: number, b: number): boolean {
    return (this.group.get(a) ?? 0) === (this.group.get(b) ?? 0);
  }

  private lookup(a: Address): number | null {
    return this.byAddr.get(`${a.host}:${a.port}`) ?? null;
  }

  private delay(): number {
    const { delayMsMin, delayMsMean } = this.opts;
    const extra = Math.max(0, delayMsMean - delayMsMin);
    // Exponential-ish spread around the mean, from the network's own seed.
    const u = (this.net.nextU32() + 1) / 0x100000001;
    return Math.round(delayMsMin + Math.min(extra * 10, -Math.log(u) * extra));
  }

  private schedule(delayMs: number, job: Job): void {
    this.heap.push({ at: this.now + delayMs, seq: ++this.seq, job });
  }

  private run(job: Job): void {
    if (job.kind === 'call') return job.fn();
    const node = this.nodes[job.node]!;
    if (!node.up) {
      if (job.kind === 'pushPull' && job.joinId !== null) this.finishJoinStep(job.joinId, false);
      return;
    }
    switch (job.kind) {
      case 'timer':
        if (node.timers.get(job.id) !== job.gen) return;
        node.timers.delete(job.id);
        this.apply(node, node.core.onTimer(this.now, job.id));
        return;
      case 'packet':
        this.apply(node, node.core.handlePacket(this.now, job.from, job.bytes));
        return;
      case 'pushPull':
        return this.runPushPull(node, job);
      case 'tcpPing': {
        const t = job.target === null ? null : this.nodes[job.target]!;
        const ok = !!t && t.up && this.reachable(node.index, t.index);
        this.apply(node, node.core.tcpPingResult(this.now, job.seqNo, ok));
        return;
      }
    }
  }

  private runPushPull(node: SimNode, job: Extract<Job, { kind: 'pushPull' }>): void {
    const t = job.target === null ? null : this.nodes[job.target]!;
    const ok = !!t && t.up && this.reachable(node.index, t.index);
    if (ok && t) {
      const mine = node.core.swim.localState(job.join);
      const theirs = t.core.swim.localState(false);
      this.apply(t, t.core.pushPullResult(this.now, job.join, mine.nodes, mine.userState));
      this.apply(node, node.core.pushPullResult(this.now, job.join, theirs.nodes, theirs.userState));
    }
    if (job.joinId !== null) this.finishJoinStep(job.joinId, ok);
  }

  private finishJoinStep(id: number, ok: boolean): void {
    const j = this.joins.get(id);
    if (!j) return;
    j.pending--;
    if (ok) j.ok++;
    if (j.pending > 0) return;
    this.joins.delete(id);
    const node = this.nodes[j.node]!;
    if (node.up) this.apply(node, node.core.joinFinished(this.now, j.ok));
    j.resolve(j.ok);
  }

  apply(node: SimNode, effects: GossipEffect[]): void {
    for (const e of effects) {
      switch (e.kind) {
        case 'send': {
          this.packetsSent++;
          const target = this.lookup(e.to);
          if (target === null || !this.reachable(node.index, target)) break;
          if (this.net.nextU32() / 0x100000000 < this.opts.lossProbability) break;
          this.schedule(this.delay(), { kind: 'packet', node: target, from: node.addr, bytes: e.bytes });
          break;
        }
        case 'timer': {
          const gen = ++this.timerGen;
          node.timers.set(e.id, gen);
          this.heap.push({ at: Math.max(this.now, e.at), seq: ++this.seq, job: { kind: 'timer', node: node.index, id: e.id, gen } });
          break;
        }
        case 'cancel':
          node.timers.delete(e.id);
          break;
        case 'pushPull':
          this.schedule(this.delay() * 2, { kind: 'pushPull', node: node.index, target: this.lookup(e.to), join: e.join, joinId: null });
          break;
        case 'tcpPing':
          this.schedule(Math.min(this.delay() * 2, Math.max(0, e.deadline - this.now)), {
            kind: 'tcpPing', node: node.index, target: this.lookup(e.to), seqNo: e.seqNo,
          });
          break;
        case 'event':
          node.events.push({ at: this.now, event: e.event });
          break;
      }
    }
  }
}
