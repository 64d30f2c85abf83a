// The serf layer (hashicorp/serf serf.go, delegate.go, event_delegate.go), pure like the SWIM core it owns.
//
// It is the SWIM delegate: it supplies node meta (tags), piggybacks its own broadcasts (join/leave intents, user
// events), exchanges its state in push/pull, and turns memberlist's join/leave/update notifications into member
// statuses alive / leaving / left / failed with Lamport-clocked intents. Failed members are reaped after
// reconnectTimeout, left ones after tombstoneTimeout. Entry points take `now` and return effects; member and
// user events come out as `{ kind: 'event' }` effects.
import type { Rng } from '../../lib/rng.js';
import { WireError } from '../wire/errors.js';
import {
  decodeSerfMessage,
  decodeTags,
  encodeSerfJoin,
  encodeSerfLeave,
  encodeSerfPushPull,
  encodeSerfUserEvent,
  encodeTags,
  QUERY_FLAG_NO_BROADCAST,
  type SerfQueryHead,
  type SerfLeave,
  type SerfJoin,
  type SerfUserEvent,
  type SerfUserEvents,
} from '../wire/serf-messages.js';
import { Swim } from '../swim/core.js';
import type { SwimConfig } from '../swim/config.js';
import { TransmitLimitedQueue } from '../swim/queue.js';
import type { Address, SwimDelegate, SwimEffect, SwimLog, SwimNode } from '../swim/types.js';
import { LamportClock } from './lamport.js';
import { USER_EVENT_SIZE_HARD_LIMIT, type GossipMember, type MemberStatus, type SerfConfig, type SerfEvent } from './types.js';

export type GossipEffect = SwimEffect | { kind: 'event'; event: SerfEvent };

interface MemberState {
  member: GossipMember;
  statusLTime: number;
  /** When it became failed or left (for reaping). */
  leaveTime: number;
}

interface Intent {
  type: 'join' | 'leave';
  ltime: number;
  wallTime: number;
}

export type SerfState = 'alive' | 'leaving' | 'left' | 'shutdown';

export class SerfCore implements SwimDelegate {
  readonly swim: Swim;
  readonly clock = new LamportClock(0);
  readonly eventClock = new LamportClock(0);
  readonly queryClock = new LamportClock(0);
  private readonly members = new Map<string, MemberState>();
  private failed: MemberState[] = [];
  private left: MemberState[] = [];
  private readonly intents = new Map<string, Intent>();
  private readonly eventBuf: (SerfUserEvents | null)[];
  private eventMinTime = 0;
  private joinIgnore = false;
  private readonly intentQueue: TransmitLimitedQueue;
  private readonly eventQueue: TransmitLimitedQueue;
  private readonly queryQueue: TransmitLimitedQueue;
  /** Queries seen, by Lamport slot, so each is relayed once (serf's queryBuffer). */
  private readonly queriesSeen: ({ ltime: number; ids: number[] } | null)[];
  private out: GossipEffect[] = [];
  private now = 0;
  private state: SerfState = 'alive';
  private tags: Record<string, string>;

  constructor(
    readonly config: SerfConfig,
    swimConfig: SwimConfig,
    private readonly rng: Rng,
    private readonly log: SwimLog = () => {},
  ) {
    this.tags = { ...config.tags };
    this.eventBuf = new Array(config.eventBuffer).fill(null);
    const n = () => this.swim.numNodes();
    this.intentQueue = new TransmitLimitedQueue(swimConfig.retransmitMult, n);
    this.eventQueue = new TransmitLimitedQueue(swimConfig.retransmitMult, n);
    this.queryQueue = new TransmitLimitedQueue(swimConfig.retransmitMult, n);
    this.queriesSeen = new Array(config.eventBuffer).fill(null);
    // serf starts every clock at 1.
    this.clock.increment();
    this.eventClock.increment();
    this.queryClock.increment();
    this.swim = new Swim(swimConfig, this, rng, log);
  }

  // ------------------------------------------------------------------ entry points

  start(now: number): GossipEffect[] {
    this.now = now;
    this.collect(this.swim.start(now));
    this.arm('serf:reap', now + this.config.reapIntervalMs);
    this.arm('serf:reconnect', now + this.config.reconnectIntervalMs);
    return this.drain();
  }

  handlePacket(now: number, from: Address, buf: Uint8Array): GossipEffect[] {
    this.now = now;
    this.collect(this.swim.handlePacket(now, from, buf));
    return this.drain();
  }

  onTimer(now: number, id: string): GossipEffect[] {
    this.now = now;
    if (id === 'serf:reap') {
      this.arm('serf:reap', now + this.config.reapIntervalMs);
      this.reap();
    } else if (id === 'serf:reconnect') {
      this.arm('serf:reconnect', now + this.config.reconnectIntervalMs);
      this.reconnect();
    } else if (id.startsWith('serf:prune:')) {
      const m = this.members.get(id.slice('serf:prune:'.length));
      if (m) this.prune(m);
    } else {
      this.collect(this.swim.onTimer(now, id));
    }
    return this.drain();
  }

  /** Starts a join; the driver runs the push/pulls and then calls joinFinished with the count that worked. */
  join(now: number, addrs: Address[], ignoreOld: boolean): GossipEffect[] {
    this.now = now;
    if (this.state !== 'alive') throw new WireError('unsupported', "serf can't join after leave or shutdown");
    this.joinIgnore = ignoreOld;
    this.collect(this.swim.join(now, addrs));
    return this.drain();
  }

  joinFinished(now: number, succeeded: number): GossipEffect[] {
    this.now = now;
    this.joinIgnore = false;
    if (succeeded > 0) this.broadcastJoin(this.clock.time());
    return this.drain();
  }

  /** The reply of a push/pull the core asked for (join or periodic). */
  pushPullResult(now: number, join: boolean, nodes: Parameters<Swim['mergeRemoteState']>[2], user: Uint8Array | null): GossipEffect[] {
    this.now = now;
    this.collect(this.swim.mergeRemoteState(now, join, nodes, user));
    return this.drain();
  }

  tcpPingResult(now: number, seqNo: number, ok: boolean): GossipEffect[] {
    this.now = now;
    this.collect(this.swim.tcpPingResult(now, seqNo, ok));
    return this.drain();
  }

  /** Step 1 of a graceful leave: the leave intent. `onDone` when it has been broadcast (or nobody listens). */
  leaveIntent(now: number, onDone: () => void): GossipEffect[] {
    this.now = now;
    this.state = 'leaving';
    const msg: SerfLeave = { LTime: this.clock.time(), Node: this.config.nodeName, Prune: false };
    this.clock.increment();
    this.handleLeaveIntent(msg);
    if (this.hasAliveMembers()) this.intentQueue.queue({ msg: encodeSerfLeave(msg), onDone });
    else onDone();
    return this.drain();
  }

  /** Step 2 of a graceful leave: memberlist's own dead-by-leave broadcast. */
  leaveMemberlist(now: number, onDone: () => void): GossipEffect[] {
    this.now = now;
    this.collect(this.swim.leave(now, onDone));
    return this.drain();
  }

  setLeft(): void {
    if (this.state !== 'shutdown') this.state = 'left';
  }

  setShutdown(): void {
    this.state = 'shutdown';
  }

  serfState(): SerfState {
    return this.state;
  }

  setTags(now: number, tags: Record<string, string>, onDone: () => void): GossipEffect[] {
    this.now = now;
    const meta = encodeTags(tags);
    if (meta.length > 512) throw new WireError('too-large', `encoded tags are ${meta.length} bytes; the limit is 512`);
    this.tags = { ...tags };
    this.collect(this.swim.updateNode(now, onDone));
    return this.drain();
  }

  userEvent(now: number, name: string, payload: Uint8Array, coalesce: boolean): GossipEffect[] {
    this.now = now;
    const before = name.length + payload.length;
    if (before > this.config.userEventSizeLimit) {
      throw new WireError('too-large', `user event exceeds configured limit of ${this.config.userEventSizeLimit} bytes before encoding`);
    }
    if (before > USER_EVENT_SIZE_HARD_LIMIT) {
      throw new WireError('too-large', `user event exceeds sane limit of ${USER_EVENT_SIZE_HARD_LIMIT} bytes before encoding`);
    }
    const msg: SerfUserEvent = { LTime: this.eventClock.time(), Name: name, Payload: payload, CC: coalesce };
    const raw = encodeSerfUserEvent(msg);
    if (raw.length > this.config.userEventSizeLimit || raw.length > USER_EVENT_SIZE_HARD_LIMIT) {
      throw new WireError('too-large', `encoded user event exceeds the limit of ${this.config.userEventSizeLimit} bytes`);
    }
    this.eventClock.increment();
    this.handleUserEvent(msg);
    this.eventQueue.queue({ msg: raw });
    this.eventQueue.prune(this.config.maxQueueDepth);
    return this.drain();
  }

  /** force-leave: a leave intent on behalf of a (failed) member; prune erases it at once. */
  forceLeave(now: number, node: string, prune: boolean, onDone: () => void): GossipEffect[] {
    this.now = now;
    const msg: SerfLeave = { LTime: this.clock.time(), Node: node, Prune: prune };
    this.clock.increment();
    this.handleLeaveIntent(msg);
    if (this.hasAliveMembers()) this.intentQueue.queue({ msg: encodeSerfLeave(msg), onDone });
    else onDone();
    return this.drain();
  }

  // ------------------------------------------------------------------ queries

  membersList(): GossipMember[] {
    return [...this.members.values()].map((m) => ({ ...m.member, tags: { ...m.member.tags } }));
  }

  /** One member's status without copying the member list ('none' when unknown). */
  memberStatus(name: string): MemberStatus {
    return this.members.get(name)?.member.status ?? 'none';
  }

  localMember(): GossipMember | undefined {
    const m = this.members.get(this.config.nodeName);
    return m && { ...m.member, tags: { ...m.member.tags } };
  }

  localTags(): Record<string, string> {
    return { ...this.tags };
  }

  stats(encrypted: boolean): Record<string, string> {
    return {
      members: String(this.members.size),
      failed: String(this.failed.length),
      left: String(this.left.length),
      health_score: String(this.swim.healthScore()),
      member_time: String(this.clock.time()),
      event_time: String(this.eventClock.time()),
      query_time: String(this.queryClock.time()),
      intent_queue: String(this.intentQueue.size()),
      event_queue: String(this.eventQueue.size()),
      query_queue: String(this.queryQueue.size()),
      encrypted: String(encrypted),
    };
  }

  // ------------------------------------------------------------------ SwimDelegate

  nodeMeta(limit: number): Uint8Array {
    const meta = encodeTags(this.tags);
    if (meta.length > limit) throw new RangeError(`node meta is ${meta.length} bytes; the limit is ${limit}`);
    return meta;
  }

  notifyMsg(now: number, buf: Uint8Array): void {
    this.now = now;
    if (buf.length === 0) return;
    const m = decodeSerfMessage(buf);
    let rebroadcast = false;
    let queue = this.intentQueue;
    switch (m.type) {
      case 'leave':
        rebroadcast = this.handleLeaveIntent(m.msg);
        break;
      case 'join':
        rebroadcast = this.handleJoinIntent(m.msg);
        break;
      case 'userEvent':
        rebroadcast = this.handleUserEvent(m.msg);
        queue = this.eventQueue;
        break;
      case 'query':
        rebroadcast = this.relayQuery(m.msg);
        queue = this.queryQueue;
        break;
      default:
        this.log('DEBUG', 'serf: ignoring message type', { type: m.type === 'other' ? m.serfType : m.type });
    }
    if (rebroadcast) {
      queue.queue({ msg: Buffer.from(buf) });
      queue.prune(this.config.maxQueueDepth);
    }
  }

  getBroadcasts(overhead: number, limit: number): Uint8Array[] {
    const msgs = this.intentQueue.getBroadcasts(overhead, limit);
    let used = 0;
    for (const m of msgs) used += m.length + overhead;
    const queries = this.queryQueue.getBroadcasts(overhead, limit - used);
    for (const m of queries) used += m.length + overhead;
    msgs.push(...queries, ...this.eventQueue.getBroadcasts(overhead, limit - used));
    return msgs;
  }

  localState(_join: boolean): Uint8Array {
    const status = new Map<string, number>();
    for (const [name, m] of this.members) status.set(name, m.statusLTime);
    return encodeSerfPushPull({
      LTime: this.clock.time(),
      StatusLTimes: status,
      LeftMembers: this.left.map((m) => m.member.name),
      EventLTime: this.eventClock.time(),
      Events: this.eventBuf,
      QueryLTime: this.queryClock.time(),
    });
  }

  mergeRemoteState(now: number, buf: Uint8Array, join: boolean): void {
    this.now = now;
    const d = decodeSerfMessage(buf);
    if (d.type !== 'pushPull') {
      this.log('ERROR', 'serf: remote state has bad type prefix', { type: buf[0] });
      return;
    }
    const pp = d.msg;
    if (pp.LTime > 0) this.clock.witness(pp.LTime - 1);
    if (pp.EventLTime > 0) this.eventClock.witness(pp.EventLTime - 1);
    if (pp.QueryLTime > 0) this.queryClock.witness(pp.QueryLTime - 1);
    const leftSet = new Set(pp.LeftMembers);
    for (const name of pp.LeftMembers) {
      this.handleLeaveIntent({ LTime: (pp.StatusLTimes.get(name) ?? 0) + 1, Node: name, Prune: false });
    }
    for (const [name, ltime] of pp.StatusLTimes) {
      if (!leftSet.has(name)) this.handleJoinIntent({ LTime: ltime, Node: name });
    }
    if (join && this.joinIgnore && pp.EventLTime > this.eventMinTime) this.eventMinTime = pp.EventLTime;
    for (const evs of pp.Events) {
      if (!evs) continue;
      for (const e of evs.Events) this.handleUserEvent({ LTime: evs.LTime, Name: e.Name, Payload: e.Payload, CC: false });
    }
  }

  notifyJoin(now: number, n: SwimNode): void {
    this.now = now;
    let m = this.members.get(n.name);
    let oldStatus: MemberStatus = 'none';
    if (!m) {
      m = { member: this.memberOf(n, 'alive'), statusLTime: 0, leaveTime: 0 };
      const intent = this.intents.get(n.name);
      if (intent?.type === 'join') m.statusLTime = intent.ltime;
      if (intent?.type === 'leave') {
        m.member.status = 'leaving';
        m.statusLTime = intent.ltime;
      }
      this.members.set(n.name, m);
    } else {
      oldStatus = m.member.status;
      m.member = { ...this.memberOf(n, 'alive') };
      m.leaveTime = 0;
    }
    this.setVersions(m.member, n);
    if (oldStatus === 'failed' || oldStatus === 'left') {
      this.failed = this.failed.filter((x) => x.member.name !== n.name);
      this.left = this.left.filter((x) => x.member.name !== n.name);
    }
    this.log('INFO', 'serf: EventMemberJoin', { node: n.name, addr: n.host });
    this.emit({ type: 'member-join', member: { ...m.member } });
  }

  notifyLeave(now: number, n: SwimNode): void {
    this.now = now;
    const m = this.members.get(n.name);
    if (!m) return;
    if (m.member.status === 'leaving' || (n.state === 'left' && m.member.status === 'alive')) {
      m.member.status = 'left';
      m.leaveTime = now;
      this.left.push(m);
    } else if (m.member.status === 'alive') {
      m.member.status = 'failed';
      m.leaveTime = now;
      this.failed.push(m);
    } else {
      this.log('WARN', 'serf: bad state when leave', { node: n.name, status: m.member.status });
      return;
    }
    const type = m.member.status === 'left' ? 'member-leave' : 'member-failed';
    this.log('INFO', type === 'member-leave' ? 'serf: EventMemberLeave' : 'serf: EventMemberFailed', { node: n.name, addr: n.host });
    this.emit({ type, member: { ...m.member } });
  }

  notifyUpdate(now: number, n: SwimNode): void {
    this.now = now;
    const m = this.members.get(n.name);
    if (!m) return;
    m.member.addr = n.host;
    m.member.port = n.port;
    m.member.tags = this.safeTags(n.meta, n.name);
    this.setVersions(m.member, n);
    this.log('INFO', 'serf: EventMemberUpdate', { node: n.name });
    this.emit({ type: 'member-update', member: { ...m.member } });
  }

  // ------------------------------------------------------------------ intents and events

  private broadcastJoin(ltime: number): void {
    const msg: SerfJoin = { LTime: ltime, Node: this.config.nodeName };
    this.clock.witness(ltime);
    this.handleJoinIntent(msg);
    this.intentQueue.queue({ msg: encodeSerfJoin(msg) });
  }

  private handleJoinIntent(j: SerfJoin): boolean {
    this.clock.witness(j.LTime);
    const m = this.members.get(j.Node);
    if (!m) return this.upsertIntent(j.Node, 'join', j.LTime);
    if (j.LTime <= m.statusLTime) return false;
    m.statusLTime = j.LTime;
    if (m.member.status === 'leaving') m.member.status = 'alive';
    return true;
  }

  private handleLeaveIntent(l: SerfLeave): boolean {
    this.clock.witness(l.LTime);
    const m = this.members.get(l.Node);
    if (!m) return this.upsertIntent(l.Node, 'leave', l.LTime);
    if (l.LTime <= m.statusLTime) return false;
    if (l.Node === this.config.nodeName && this.state === 'alive') {
      this.log('DEBUG', 'serf: refuting an older leave intent');
      this.broadcastJoin(this.clock.time());
      return false;
    }
    m.statusLTime = l.LTime;
    switch (m.member.status) {
      case 'alive':
        m.member.status = 'leaving';
        if (l.Prune) this.schedulePrune(m);
        return true;
      case 'failed':
        m.member.status = 'left';
        m.leaveTime = this.now;
        this.failed = this.failed.filter((x) => x !== m);
        this.left.push(m);
        this.log('INFO', 'serf: EventMemberLeave (forced)', { node: m.member.name });
        this.emit({ type: 'member-leave', member: { ...m.member } });
        if (l.Prune) this.prune(m);
        return true;
      case 'leaving':
      case 'left':
        if (l.Prune) this.schedulePrune(m);
        return true;
      default:
        return false;
    }
  }

  private schedulePrune(m: MemberState): void {
    if (m.member.status === 'leaving') {
      this.arm(`serf:prune:${m.member.name}`, this.now + this.config.broadcastTimeoutMs + this.config.leavePropagateDelayMs);
    } else this.prune(m);
  }

  private prune(m: MemberState): void {
    if (this.members.get(m.member.name) !== m) return;
    this.log('INFO', 'serf: EventMemberReap (forced)', { node: m.member.name });
    this.left = this.left.filter((x) => x !== m);
    this.failed = this.failed.filter((x) => x !== m);
    this.erase(m);
  }

  private upsertIntent(node: string, type: Intent['type'], ltime: number): boolean {
    const cur = this.intents.get(node);
    if (!cur || ltime > cur.ltime) {
      this.intents.set(node, { type, ltime, wallTime: this.now });
      return true;
    }
    return false;
  }

  private handleUserEvent(e: SerfUserEvent): boolean {
    this.eventClock.witness(e.LTime);
    if (e.LTime < this.eventMinTime) return false;
    const size = this.eventBuf.length;
    const cur = this.eventClock.time();
    if (cur > size && e.LTime < cur - size) {
      this.log('WARN', 'serf: received old event', { name: e.Name, ltime: e.LTime, current: cur });
      return false;
    }
    const idx = e.LTime % size;
    let seen = this.eventBuf[idx];
    if (seen && seen.LTime === e.LTime) {
      if (seen.Events.some((p) => p.Name === e.Name && Buffer.compare(Buffer.from(p.Payload), Buffer.from(e.Payload)) === 0)) {
        return false;
      }
    } else {
      seen = { LTime: e.LTime, Events: [] };
      this.eventBuf[idx] = seen;
    }
    seen.Events.push({ Name: e.Name, Payload: e.Payload });
    this.emit({ type: 'user', ltime: e.LTime, name: e.Name, payload: Buffer.from(e.Payload), coalesce: e.CC });
    return true;
  }

  /**
   * serf queries (messageQuery) are relayed so a mixed cluster keeps working, but not answered: we do not
   * run serf's internal query handlers (_serf_ping, keyring) yet. Returns whether to re-broadcast.
   */
  private relayQuery(q: SerfQueryHead): boolean {
    this.queryClock.witness(q.LTime);
    const size = this.queriesSeen.length;
    const cur = this.queryClock.time();
    if (cur > size && q.LTime < cur - size) return false;
    const idx = q.LTime % size;
    let seen = this.queriesSeen[idx];
    if (seen && seen.ltime === q.LTime) {
      if (seen.ids.includes(q.ID)) return false;
    } else {
      seen = { ltime: q.LTime, ids: [] };
      this.queriesSeen[idx] = seen;
    }
    seen.ids.push(q.ID);
    this.log('DEBUG', 'serf: relaying query we do not answer', { name: q.Name });
    return (q.Flags & QUERY_FLAG_NO_BROADCAST) === 0;
  }

  // ------------------------------------------------------------------ reaping and reconnecting

  private reap(): void {
    const reapList = (list: MemberState[], timeoutMs: number) =>
      list.filter((m) => {
        if (this.now - m.leaveTime <= timeoutMs) return true;
        this.log('INFO', 'serf: EventMemberReap', { node: m.member.name });
        this.erase(m);
        return false;
      });
    this.failed = reapList(this.failed, this.config.reconnectTimeoutMs);
    this.left = reapList(this.left, this.config.tombstoneTimeoutMs);
    for (const [name, i] of this.intents) {
      if (this.now - i.wallTime > this.config.recentIntentTimeoutMs) this.intents.delete(name);
    }
  }

  /** Tries one failed member, with probability failed/alive so the cluster tries each about once a round. */
  private reconnect(): void {
    const n = this.failed.length;
    if (n === 0 || this.state !== 'alive') return;
    const numAlive = Math.max(1, this.members.size - n - this.left.length);
    const prob = n / numAlive;
    if (this.rng.nextU32() / 0x100000000 > prob) return;
    const m = this.failed[this.rng.nextU32() % n]!;
    this.log('INFO', 'serf: attempting reconnect', { node: m.member.name, addr: `${m.member.addr}:${m.member.port}` });
    this.collect(this.swim.join(this.now, [{ host: m.member.addr, port: m.member.port }]));
  }

  private erase(m: MemberState): void {
    this.members.delete(m.member.name);
    this.emit({ type: 'member-reap', member: { ...m.member } });
  }

  // ------------------------------------------------------------------ helpers

  private hasAliveMembers(): boolean {
    for (const m of this.members.values()) {
      if (m.member.name !== this.config.nodeName && m.member.status === 'alive') return true;
    }
    return false;
  }

  private memberOf(n: SwimNode, status: MemberStatus): GossipMember {
    return {
      name: n.name,
      addr: n.host,
      port: n.port,
      tags: this.safeTags(n.meta, n.name),
      status,
      protocolMin: n.pMin,
      protocolMax: n.pMax,
      protocolCur: n.pCur,
      delegateMin: n.dMin,
      delegateMax: n.dMax,
      delegateCur: n.dCur,
    };
  }

  private safeTags(meta: Uint8Array, node: string): Record<string, string> {
    try {
      return decodeTags(meta);
    } catch (e) {
      this.log('ERROR', 'serf: failed to decode tags', { node, error: (e as Error).message });
      return {};
    }
  }

  private setVersions(m: GossipMember, n: SwimNode): void {
    m.protocolMin = n.pMin;
    m.protocolMax = n.pMax;
    m.protocolCur = n.pCur;
    m.delegateMin = n.dMin;
    m.delegateMax = n.dMax;
    m.delegateCur = n.dCur;
  }

  private emit(event: SerfEvent): void {
    this.out.push({ kind: 'event', event });
  }

  private arm(id: string, at: number): void {
    this.out.push({ kind: 'timer', id, at });
  }

  private collect(effects: SwimEffect[]): void {
    for (const e of effects) this.out.push(e);
  }

  private drain(): GossipEffect[] {
    const out = this.out;
    this.out = [];
    return out;
  }
}
