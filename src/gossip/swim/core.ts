// The SWIM core: memberlist's state machine (state.go, parts of net.go and memberlist.go) with no I/O.
//
// Sections: construction and start · entry points (handlePacket, onTimer, join, mergeRemoteState, leave,
// updateNode) · probing (probe tick, direct, indirect, TCP fallback, Lifeguard awareness) · gossip and push/pull
// scheduling · state transitions (aliveNode, suspectNode, deadNode, refute) · sending (piggyback, CRC).
//
// Every entry point takes `now` and returns the effects to perform (types.ts). Time and randomness come in;
// nothing here reads a clock, uses global randomness or touches a socket, so one process can simulate a cluster.
import type { Rng } from '../../lib/rng.js';
import { ipFromBytes, ipToBytes } from '../wire/addr.js';
import { WireError } from '../wire/errors.js';
import { addCrc, makeCompound, makeCompounds, unpackPacket } from '../wire/framing.js';
import {
  MessageType,
  NodeStateType,
  decodeAck,
  decodeAlive,
  decodeDead,
  decodeIndirectPing,
  decodeNack,
  decodePing,
  decodeSuspect,
  encodeAck,
  encodeAlive,
  encodeDead,
  encodeIndirectPing,
  encodeNack,
  encodePing,
  encodeSuspect,
  type Alive,
  type Dead,
  type Ping,
  type PushNodeState,
  type Suspect,
} from '../wire/messages.js';
import { pushPullScaleMs, suspicionTimeoutMs, type SwimConfig } from './config.js';
import { TransmitLimitedQueue } from './queue.js';
import { Awareness, Suspicion } from './suspicion.js';
import type { Address, LocalState, NodeState, SwimDelegate, SwimEffect, SwimLog, SwimNode } from './types.js';

/** memberlist MetaMaxSize. */
export const META_MAX_SIZE = 512;
const COMPOUND_HEADER_OVERHEAD = 2;
const COMPOUND_OVERHEAD = 2;
const USER_MSG_OVERHEAD = 1;

interface Probe {
  seqNo: number;
  node: string;
  acked: boolean;
  nacks: number;
  expectedNacks: number;
  tcpContacted: boolean;
}

interface Relay {
  requesterSeq: number;
  requester: Address;
  requesterName: string;
  wantNack: boolean;
}

export class Swim {
  private readonly nodes: SwimNode[] = [];
  private readonly nodeMap = new Map<string, SwimNode>();
  private readonly byAddr = new Map<string, string>();
  private readonly suspicions = new Map<string, Suspicion>();
  private readonly relays = new Map<number, Relay>();
  private readonly broadcasts: TransmitLimitedQueue;
  private readonly awareness: Awareness;
  private out: SwimEffect[] = [];
  private now = 0;
  private seqNo = 0;
  private incarnation = 0;
  private probeIndex = 0;
  private probe: Probe | null = null;
  private left = false;
  private started = false;

  constructor(
    readonly config: SwimConfig,
    private readonly delegate: SwimDelegate,
    private readonly rng: Rng,
    private readonly log: SwimLog = () => {},
  ) {
    this.broadcasts = new TransmitLimitedQueue(config.retransmitMult, () => this.numNodes());
    this.awareness = new Awareness(config.awarenessMaxMultiplier);
  }

  // ------------------------------------------------------------------ entry points

  /** Marks ourselves alive and arms the probe, gossip and push/pull timers (each with a random stagger). */
  start(now: number): SwimEffect[] {
    this.now = now;
    if (this.started) return this.drain();
    this.started = true;
    const c = this.config;
    const a: Alive = {
      Incarnation: this.nextIncarnation(),
      Node: c.name,
      Addr: ipToBytes(c.advertiseAddr),
      Port: c.advertisePort,
      Meta: this.delegate.nodeMeta(META_MAX_SIZE),
      Vsn: this.vsn(),
    };
    this.aliveNode(a, undefined, true);
    this.arm('probe', now + this.stagger(c.probeIntervalMs));
    this.arm('gossip', now + this.stagger(c.gossipIntervalMs));
    this.arm('pushPull', now + this.stagger(c.pushPullIntervalMs));
    return this.drain();
  }

  /** One UDP datagram from `from` (label and encryption already removed by the driver). */
  handlePacket(now: number, from: Address, buf: Uint8Array): SwimEffect[] {
    this.now = now;
    let messages;
    try {
      const r = unpackPacket(buf);
      messages = r.messages;
      for (const e of r.errors) this.log('WARN', 'memberlist: bad packet part', { from: fmt(from), error: e.message });
    } catch (e) {
      if (!(e instanceof WireError)) throw e;
      this.log('WARN', 'memberlist: dropping bad packet', { from: fmt(from), error: e.message });
      return this.drain();
    }
    for (const m of messages) {
      try {
        this.handleMessage(from, m.type, m.body);
      } catch (e) {
        if (!(e instanceof WireError)) throw e;
        this.log('WARN', 'memberlist: dropping bad message', { from: fmt(from), type: m.type, error: e.message });
      }
    }
    return this.drain();
  }

  onTimer(now: number, id: string): SwimEffect[] {
    this.now = now;
    const colon = id.indexOf(':');
    const kind = colon < 0 ? id : id.slice(0, colon);
    const arg = colon < 0 ? '' : id.slice(colon + 1);
    switch (kind) {
      case 'probe':
        this.arm('probe', now + this.config.probeIntervalMs);
        if (!this.probe) this.probeTick();
        break;
      case 'probeTimeout':
        this.probeTimeout(Number(arg));
        break;
      case 'probeDeadline':
        this.probeDeadline(Number(arg));
        break;
      case 'gossip':
        this.arm('gossip', now + this.config.gossipIntervalMs);
        this.gossip();
        break;
      case 'pushPull':
        this.arm('pushPull', now + pushPullScaleMs(this.config.pushPullIntervalMs, this.numNodes()));
        this.pushPullTick();
        break;
      case 'suspicion':
        this.suspicionTimeout(arg);
        break;
      case 'relay':
        this.relayExpired(Number(arg));
        break;
    }
    return this.drain();
  }

  /** Starts a join: one push/pull (join=true) per address. The driver reports each via mergeRemoteState. */
  join(now: number, addrs: Address[]): SwimEffect[] {
    this.now = now;
    for (const to of addrs) this.out.push({ kind: 'pushPull', to, nodeName: '', join: true });
    return this.drain();
  }

  /** Our side of a push/pull: every member we know plus the delegate's user state. */
  localState(join: boolean): LocalState {
    const nodes: PushNodeState[] = this.nodes.map((n) => ({
      Name: n.name,
      Addr: n.addr,
      Port: n.port,
      Meta: n.meta,
      Incarnation: n.incarnation,
      State: STATE_TO_WIRE[n.state],
      Vsn: Uint8Array.of(n.pMin, n.pMax, n.pCur, n.dMin, n.dMax, n.dCur),
    }));
    return { nodes, userState: this.delegate.localState(join) };
  }

  /** Merges a remote push/pull (memberlist mergeRemoteState + mergeState). */
  mergeRemoteState(now: number, join: boolean, remote: PushNodeState[], userState: Uint8Array | null): SwimEffect[] {
    this.now = now;
    for (const r of remote) {
      switch (r.State) {
        case NodeStateType.alive:
          this.aliveNode({ Incarnation: r.Incarnation, Node: r.Name, Addr: r.Addr, Port: r.Port, Meta: r.Meta, Vsn: r.Vsn });
          break;
        case NodeStateType.left:
          this.deadNode({ Incarnation: r.Incarnation, Node: r.Name, From: r.Name });
          break;
        default:
          // A remote "dead" is only a suspicion here: we prefer to give the member a chance to refute.
          this.suspectNode({ Incarnation: r.Incarnation, Node: r.Name, From: this.config.name });
      }
    }
    if (userState && userState.length > 0) this.delegate.mergeRemoteState(now, userState, join);
    return this.drain();
  }

  /** A ping that arrived over TCP; returns the ack to write back, or null when it is not for us. */
  handleStreamPing(p: Ping): { SeqNo: number; Payload: Uint8Array } | null {
    if (p.Node !== '' && p.Node !== this.config.name) return null;
    return { SeqNo: p.SeqNo, Payload: new Uint8Array(0) };
  }

  /** Result of a TCP fallback ping the core asked for. */
  tcpPingResult(now: number, seqNo: number, ok: boolean): SwimEffect[] {
    this.now = now;
    if (this.probe && this.probe.seqNo === seqNo && ok) this.probe.tcpContacted = true;
    return this.drain();
  }

  /** Broadcasts our own death-by-leave; `onDone` runs when the broadcast has been sent out. */
  leave(now: number, onDone: () => void): SwimEffect[] {
    this.now = now;
    this.left = true;
    const me = this.nodeMap.get(this.config.name);
    if (!me || me.state !== 'alive' || !this.anyAlive()) {
      if (me) this.deadNode({ Incarnation: me.incarnation, Node: me.name, From: me.name }, onDone);
      onDone();
      return this.drain();
    }
    this.deadNode({ Incarnation: me.incarnation, Node: me.name, From: me.name }, onDone);
    return this.drain();
  }

  /** Re-reads our meta (tags changed) and gossips a fresh alive with a higher incarnation. */
  updateNode(now: number, onDone: () => void): SwimEffect[] {
    this.now = now;
    const me = this.nodeMap.get(this.config.name);
    if (!me) return this.drain();
    const a: Alive = {
      Incarnation: this.nextIncarnation(),
      Node: me.name,
      Addr: me.addr,
      Port: me.port,
      Meta: this.delegate.nodeMeta(META_MAX_SIZE),
      Vsn: this.vsn(),
    };
    this.aliveNode(a, onDone, true);
    if (!this.anyAlive()) onDone();
    return this.drain();
  }

  // ------------------------------------------------------------------ queries

  members(): readonly SwimNode[] {
    return this.nodes;
  }

  member(name: string): SwimNode | undefined {
    return this.nodeMap.get(name);
  }

  numNodes(): number {
    return this.nodes.length;
  }

  healthScore(): number {
    return this.awareness.healthScore();
  }

  hasLeft(): boolean {
    return this.left;
  }

  /** Drops every queued broadcast (simulator support: seeding a converged cluster without its join traffic). */
  resetBroadcasts(): void {
    this.broadcasts.reset();
  }

  queuedBroadcasts(): number {
    return this.broadcasts.size();
  }

  /** Any member other than us that is not dead or left. */
  anyAlive(): boolean {
    return this.nodes.some((n) => n.name !== this.config.name && (n.state === 'alive' || n.state === 'suspect'));
  }

  // ------------------------------------------------------------------ message handling

  private handleMessage(from: Address, type: number, body: Uint8Array): void {
    switch (type) {
      case MessageType.ping:
        return this.handlePing(from, decodePing(body));
      case MessageType.indirectPing:
        return this.handleIndirectPing(from, body);
      case MessageType.ack:
        return this.handleAck(decodeAck(body).SeqNo);
      case MessageType.nack:
        return this.handleNack(decodeNack(body).SeqNo);
      case MessageType.suspect:
        return this.suspectNode(decodeSuspect(body));
      case MessageType.alive: {
        const a = decodeAlive(body);
        if (a.Addr.length !== 4 && a.Addr.length !== 16) throw new WireError('malformed', 'alive with a bad address');
        return this.aliveNode(a);
      }
      case MessageType.dead:
        return this.deadNode(decodeDead(body));
      case MessageType.user:
        return this.delegate.notifyMsg(this.now, body);
      case MessageType.err:
        return;
      default:
        throw new WireError('unsupported', `message type ${type}`);
    }
  }

  private handlePing(from: Address, p: Ping): void {
    if (p.Node !== '' && p.Node !== this.config.name) {
      this.log('WARN', 'memberlist: got ping for unexpected node', { node: p.Node, from: fmt(from) });
      return;
    }
    const to = p.SourceAddr.length > 0 && p.SourcePort > 0 ? { host: ipFromBytes(p.SourceAddr), port: p.SourcePort } : from;
    this.sendMsg(to, encodeAck({ SeqNo: p.SeqNo, Payload: new Uint8Array(0) }), p.SourceNode);
  }

  private handleIndirectPing(from: Address, body: Uint8Array): void {
    const ind = decodeIndirectPing(body);
    if (ind.Target.length !== 4 && ind.Target.length !== 16) throw new WireError('malformed', 'indirect ping target');
    const port = ind.Port === 0 ? this.config.advertisePort : ind.Port;
    const localSeq = this.nextSeqNo();
    const requester =
      ind.SourceAddr.length > 0 && ind.SourcePort > 0 ? { host: ipFromBytes(ind.SourceAddr), port: ind.SourcePort } : from;
    this.relays.set(localSeq, { requesterSeq: ind.SeqNo, requester, requesterName: ind.SourceNode, wantNack: ind.Nack });
    this.arm(`relay:${localSeq}`, this.now + this.config.probeTimeoutMs);
    const ping: Ping = {
      SeqNo: localSeq,
      Node: ind.Node,
      SourceAddr: ipToBytes(this.config.advertiseAddr),
      SourcePort: this.config.advertisePort,
      SourceNode: this.config.name,
    };
    this.sendMsg({ host: ipFromBytes(ind.Target), port }, encodePing(ping), ind.Node);
  }

  private handleAck(seqNo: number): void {
    const relay = this.relays.get(seqNo);
    if (relay) {
      this.relays.delete(seqNo);
      this.out.push({ kind: 'cancel', id: `relay:${seqNo}` });
      this.sendMsg(relay.requester, encodeAck({ SeqNo: relay.requesterSeq, Payload: new Uint8Array(0) }), relay.requesterName);
      return;
    }
    if (this.probe && this.probe.seqNo === seqNo && !this.probe.acked) {
      this.probe.acked = true;
      this.finishProbe(-1);
    }
  }

  private handleNack(seqNo: number): void {
    if (this.probe && this.probe.seqNo === seqNo) this.probe.nacks++;
  }

  private relayExpired(seqNo: number): void {
    const relay = this.relays.get(seqNo);
    if (!relay) return;
    this.relays.delete(seqNo);
    if (relay.wantNack) this.sendMsg(relay.requester, encodeNack({ SeqNo: relay.requesterSeq }), relay.requesterName);
  }

  // ------------------------------------------------------------------ probing

  private probeTick(): void {
    let checked = 0;
    while (checked < this.nodes.length) {
      if (this.probeIndex >= this.nodes.length) {
        this.resetNodes();
        this.probeIndex = 0;
        checked++;
        continue;
      }
      const node = this.nodes[this.probeIndex]!;
      this.probeIndex++;
      checked++;
      if (node.name === this.config.name || node.state === 'dead' || node.state === 'left') continue;
      this.probeNode(node);
      return;
    }
  }

  private probeNode(node: SwimNode): void {
    const c = this.config;
    const interval = this.awareness.scaleTimeout(c.probeIntervalMs);
    const ping: Ping = {
      SeqNo: this.nextSeqNo(),
      Node: node.name,
      SourceAddr: ipToBytes(c.advertiseAddr),
      SourcePort: c.advertisePort,
      SourceNode: c.name,
    };
    this.probe = { seqNo: ping.SeqNo, node: node.name, acked: false, nacks: 0, expectedNacks: 0, tcpContacted: false };
    const to = { host: node.host, port: node.port };
    if (node.state === 'alive') {
      this.sendMsg(to, encodePing(ping), node.name);
    } else {
      // A suspect member also hears the accusation, so it can refute at once.
      const s = encodeSuspect({ Incarnation: node.incarnation, Node: node.name, From: c.name });
      this.sendRaw(to, makeCompound([encodePing(ping), s]), node);
    }
    this.arm(`probeTimeout:${ping.SeqNo}`, this.now + c.probeTimeoutMs);
    this.arm(`probeDeadline:${ping.SeqNo}`, this.now + interval);
  }

  /** No direct ack within probeTimeout: ask k others to probe, and try TCP. */
  private probeTimeout(seqNo: number): void {
    const p = this.probe;
    if (!p || p.seqNo !== seqNo || p.acked) return;
    const node = this.nodeMap.get(p.node);
    if (!node) return;
    const c = this.config;
    this.log('DEBUG', 'memberlist: failed ping (timeout reached)', { node: node.name });
    const peers = this.kRandomNodes(c.indirectChecks, (n) => n.name === c.name || n.name === node.name || n.state !== 'alive');
    for (const peer of peers) {
      const nack = peer.pMax >= 4;
      if (nack) p.expectedNacks++;
      const ind = encodeIndirectPing({
        SeqNo: seqNo,
        Target: node.addr,
        Port: node.port,
        Node: node.name,
        Nack: nack,
        SourceAddr: ipToBytes(c.advertiseAddr),
        SourcePort: c.advertisePort,
        SourceNode: c.name,
      });
      this.sendMsg({ host: peer.host, port: peer.port }, ind, peer.name);
    }
    if (c.tcpPings && node.pMax >= 3) {
      const ping: Ping = {
        SeqNo: seqNo,
        Node: node.name,
        SourceAddr: ipToBytes(c.advertiseAddr),
        SourcePort: c.advertisePort,
        SourceNode: c.name,
      };
      const deadline = this.now + this.awareness.scaleTimeout(c.probeIntervalMs) - c.probeTimeoutMs;
      this.out.push({ kind: 'tcpPing', to: { host: node.host, port: node.port }, seqNo, ping, deadline });
    }
  }

  /** The probe interval ran out without an ack: update health, then suspect the member. */
  private probeDeadline(seqNo: number): void {
    const p = this.probe;
    if (!p || p.seqNo !== seqNo || p.acked) return;
    if (p.tcpContacted) {
      this.log('WARN', 'memberlist: was able to connect over TCP but UDP probes failed, network may be misconfigured', { node: p.node });
      this.finishProbe(-1);
      return;
    }
    let delta = 0;
    if (p.expectedNacks > 0) {
      if (p.nacks < p.expectedNacks) delta += p.expectedNacks - p.nacks;
    } else {
      delta += 1;
    }
    this.finishProbe(delta);
    const node = this.nodeMap.get(p.node);
    if (!node) return;
    this.log('INFO', 'memberlist: suspect has failed, no acks received', { node: node.name });
    this.suspectNode({ Incarnation: node.incarnation, Node: node.name, From: this.config.name });
  }

  private finishProbe(awarenessDelta: number): void {
    const p = this.probe;
    if (!p) return;
    this.out.push({ kind: 'cancel', id: `probeTimeout:${p.seqNo}` }, { kind: 'cancel', id: `probeDeadline:${p.seqNo}` });
    this.awareness.applyDelta(awarenessDelta);
    this.probe = null;
  }

  /** Drops members dead for longer than gossipToTheDead and shuffles the rest (memberlist resetNodes). */
  private resetNodes(): void {
    const keep: SwimNode[] = [];
    for (const n of this.nodes) {
      const gone = (n.state === 'dead' || n.state === 'left') && this.now - n.stateChange > this.config.gossipToTheDeadMs;
      if (gone && n.name !== this.config.name) {
        this.nodeMap.delete(n.name);
        if (this.byAddr.get(addrKey(n.host, n.port)) === n.name) this.byAddr.delete(addrKey(n.host, n.port));
      } else keep.push(n);
    }
    this.nodes.length = 0;
    this.nodes.push(...keep);
    for (let i = this.nodes.length - 1; i > 0; i--) {
      const j = this.rng.nextU32() % (i + 1);
      [this.nodes[i], this.nodes[j]] = [this.nodes[j]!, this.nodes[i]!];
    }
  }

  // ------------------------------------------------------------------ gossip and push/pull

  private gossip(): void {
    const c = this.config;
    const peers = this.kRandomNodes(c.gossipNodes, (n) => {
      if (n.name === c.name) return true;
      if (n.state === 'alive' || n.state === 'suspect') return false;
      if (n.state === 'dead') return this.now - n.stateChange > c.gossipToTheDeadMs;
      return true;
    });
    const bytesAvail = c.udpBufferSize - COMPOUND_HEADER_OVERHEAD - c.labelOverhead;
    for (const peer of peers) {
      const msgs = this.getBroadcasts(COMPOUND_OVERHEAD, bytesAvail);
      if (msgs.length === 0) return;
      const to = { host: peer.host, port: peer.port };
      if (msgs.length === 1) this.sendRaw(to, msgs[0]!, peer);
      else for (const compound of makeCompounds(msgs)) this.sendRaw(to, compound, peer);
    }
  }

  private pushPullTick(): void {
    const [peer] = this.kRandomNodes(1, (n) => n.name === this.config.name || n.state !== 'alive');
    if (peer) this.out.push({ kind: 'pushPull', to: { host: peer.host, port: peer.port }, nodeName: peer.name, join: false });
  }

  private getBroadcasts(overhead: number, limit: number): Uint8Array[] {
    const msgs = this.broadcasts.getBroadcasts(overhead, limit);
    let used = 0;
    for (const m of msgs) used += m.length + overhead;
    const avail = limit - used;
    if (avail > overhead + USER_MSG_OVERHEAD) {
      for (const m of this.delegate.getBroadcasts(overhead + USER_MSG_OVERHEAD, avail)) {
        const framed = Buffer.allocUnsafe(m.length + 1);
        framed[0] = MessageType.user;
        framed.set(m, 1);
        msgs.push(framed);
      }
    }
    return msgs;
  }

  /** Up to k distinct random members not excluded (memberlist kRandomNodes: at most 3n tries). */
  private kRandomNodes(k: number, exclude: (n: SwimNode) => boolean): SwimNode[] {
    const n = this.nodes.length;
    const out: SwimNode[] = [];
    for (let i = 0; i < 3 * n && out.length < k; i++) {
      const node = this.nodes[this.rng.nextU32() % n]!;
      if (exclude(node) || out.includes(node)) continue;
      out.push(node);
    }
    return out;
  }

  // ------------------------------------------------------------------ state transitions

  private aliveNode(a: Alive, onDone?: () => void, bootstrap = false): void {
    if (this.left && a.Node === this.config.name) return;
    if (a.Vsn.length >= 3) {
      const [pMin, pMax] = [a.Vsn[0]!, a.Vsn[1]!];
      if (pMin === 0 || pMax === 0 || pMin > pMax) {
        this.log('WARN', 'memberlist: ignoring an alive message with bad protocol versions', { node: a.Node });
        return;
      }
    }
    let state = this.nodeMap.get(a.Node);
    let updatesNode = false;
    if (!state) {
      state = {
        name: a.Node,
        addr: a.Addr,
        host: ipFromBytes(a.Addr),
        port: a.Port,
        meta: a.Meta,
        incarnation: 0,
        state: 'dead',
        stateChange: this.now,
        pMin: 0, pMax: 0, pCur: 0, dMin: 0, dMax: 0, dCur: 0,
      };
      if (a.Vsn.length > 5) this.setVsn(state, a.Vsn);
      this.nodeMap.set(a.Node, state);
      // Insert at a random position so that probe order does not favour old members.
      const offset = this.nodes.length === 0 ? 0 : this.rng.nextU32() % this.nodes.length;
      this.nodes.push(state);
      const last = this.nodes.length - 1;
      [this.nodes[offset], this.nodes[last]] = [this.nodes[last]!, this.nodes[offset]!];
    } else if (!bytesEqual(state.addr, a.Addr) || state.port !== a.Port) {
      if (state.state === 'left' || state.state === 'dead') {
        this.log('INFO', 'memberlist: updating address for left or failed node', { node: a.Node });
        updatesNode = true;
      } else {
        this.log('ERROR', 'memberlist: conflicting address', {
          node: a.Node, mine: `${state.host}:${state.port}`, theirs: `${ipFromBytes(a.Addr)}:${a.Port}`,
        });
        return;
      }
    }
    const isLocal = state.name === this.config.name;
    if (a.Incarnation <= state.incarnation && !isLocal && !updatesNode) return;
    if (a.Incarnation < state.incarnation && isLocal) return;
    this.clearSuspicion(a.Node);
    const oldState = state.state;
    const oldMeta = state.meta;
    if (!bootstrap && isLocal) {
      const mine = Uint8Array.of(state.pMin, state.pMax, state.pCur, state.dMin, state.dMax, state.dCur);
      if (a.Incarnation === state.incarnation && bytesEqual(a.Meta, state.meta) && bytesEqual(a.Vsn, mine)) return;
      this.refute(state, a.Incarnation);
      this.log('WARN', 'memberlist: refuting an alive message', { node: a.Node });
    } else {
      this.broadcasts.queue({ name: a.Node, msg: encodeAlive(a), onDone });
      if (a.Vsn.length > 5) this.setVsn(state, a.Vsn);
      state.incarnation = a.Incarnation;
      state.meta = a.Meta;
      if (!bytesEqual(state.addr, a.Addr) || state.port !== a.Port) {
        this.byAddr.delete(addrKey(state.host, state.port));
        state.addr = a.Addr;
        state.host = ipFromBytes(a.Addr);
        state.port = a.Port;
      }
      this.byAddr.set(addrKey(state.host, state.port), state.name);
      if (state.state !== 'alive') {
        state.state = 'alive';
        state.stateChange = this.now;
      }
    }
    if (oldState === 'dead' || oldState === 'left') this.delegate.notifyJoin(this.now, state);
    else if (!bytesEqual(oldMeta, state.meta)) this.delegate.notifyUpdate(this.now, state);
  }

  private suspectNode(s: Suspect): void {
    const state = this.nodeMap.get(s.Node);
    if (!state || s.Incarnation < state.incarnation) return;
    const existing = this.suspicions.get(s.Node);
    if (existing) {
      if (existing.confirm(this.now, s.From)) {
        this.broadcasts.queue({ name: s.Node, msg: encodeSuspect(s) });
        this.arm(`suspicion:${s.Node}`, existing.deadline);
      }
      return;
    }
    if (state.state !== 'alive') return;
    if (state.name === this.config.name) {
      this.refute(state, s.Incarnation);
      this.log('WARN', 'memberlist: refuting a suspect message', { from: s.From });
      return;
    }
    this.broadcasts.queue({ name: s.Node, msg: encodeSuspect(s) });
    state.incarnation = s.Incarnation;
    state.state = 'suspect';
    state.stateChange = this.now;
    // Expect k = mult - 2 confirmations so the nominal timeout lands two probe intervals early.
    const n = this.numNodes();
    let k = this.config.suspicionMult - 2;
    if (n - 2 < k) k = 0;
    const min = suspicionTimeoutMs(this.config.suspicionMult, n, this.config.probeIntervalMs);
    const max = this.config.suspicionMaxTimeoutMult * min;
    const susp = new Suspicion(s.From, k, min, max, this.now, this.now);
    this.suspicions.set(s.Node, susp);
    this.arm(`suspicion:${s.Node}`, susp.deadline);
  }

  private suspicionTimeout(name: string): void {
    const susp = this.suspicions.get(name);
    const state = this.nodeMap.get(name);
    if (!susp || !state) return;
    if (this.now < susp.deadline) {
      this.arm(`suspicion:${name}`, susp.deadline);
      return;
    }
    this.suspicions.delete(name);
    if (state.state !== 'suspect' || state.stateChange !== susp.stateChange) return;
    this.log('INFO', 'memberlist: marking node as failed, suspect timeout reached', {
      node: name, confirmations: susp.confirmationCount(),
    });
    this.deadNode({ Incarnation: state.incarnation, Node: name, From: this.config.name });
  }

  private deadNode(d: Dead, onDone?: () => void): void {
    const state = this.nodeMap.get(d.Node);
    if (!state || d.Incarnation < state.incarnation) return;
    this.clearSuspicion(d.Node);
    if (state.state === 'dead' || state.state === 'left') return;
    if (state.name === this.config.name) {
      if (!this.left) {
        this.refute(state, d.Incarnation);
        this.log('WARN', 'memberlist: refuting a dead message', { from: d.From });
        return;
      }
      this.broadcasts.queue({ name: d.Node, msg: encodeDead(d), onDone });
    } else {
      this.broadcasts.queue({ name: d.Node, msg: encodeDead(d) });
    }
    state.incarnation = d.Incarnation;
    state.state = d.Node === d.From ? 'left' : 'dead';
    state.stateChange = this.now;
    this.delegate.notifyLeave(this.now, state);
  }

  private refute(me: SwimNode, accusedInc: number): void {
    let inc = this.nextIncarnation();
    if (accusedInc >= inc) {
      this.incarnation = accusedInc + 1;
      inc = this.incarnation;
    }
    me.incarnation = inc;
    this.awareness.applyDelta(1);
    const a: Alive = {
      Incarnation: inc,
      Node: me.name,
      Addr: me.addr,
      Port: me.port,
      Meta: me.meta,
      Vsn: Uint8Array.of(me.pMin, me.pMax, me.pCur, me.dMin, me.dMax, me.dCur),
    };
    this.broadcasts.queue({ name: me.name, msg: encodeAlive(a) });
  }

  private clearSuspicion(name: string): void {
    if (this.suspicions.delete(name)) this.out.push({ kind: 'cancel', id: `suspicion:${name}` });
  }

  // ------------------------------------------------------------------ sending

  /** Sends one message with as many queued broadcasts piggybacked as fit (memberlist sendMsg). */
  private sendMsg(to: Address, msg: Buffer, nodeName?: string): void {
    const avail = this.config.udpBufferSize - msg.length - COMPOUND_HEADER_OVERHEAD - this.config.labelOverhead;
    const extra = this.getBroadcasts(COMPOUND_OVERHEAD, avail);
    const node = (nodeName && this.nodeMap.get(nodeName)) || this.nodeAt(to);
    if (extra.length === 0) this.sendRaw(to, msg, node);
    else this.sendRaw(to, makeCompound([msg, ...extra]), node);
  }

  /** Adds a CRC for members that speak protocol 5, then emits the datagram. */
  private sendRaw(to: Address, msg: Uint8Array, node: SwimNode | undefined): void {
    const bytes = node && node.pMax >= 5 ? addCrc(msg) : Buffer.from(msg);
    this.out.push({ kind: 'send', to, bytes });
  }

  private nodeAt(to: Address): SwimNode | undefined {
    const name = this.byAddr.get(addrKey(to.host, to.port));
    return name === undefined ? undefined : this.nodeMap.get(name);
  }

  // ------------------------------------------------------------------ helpers

  private arm(id: string, at: number): void {
    this.out.push({ kind: 'timer', id, at });
  }

  private drain(): SwimEffect[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  private stagger(intervalMs: number): number {
    return this.rng.nextU32() % Math.max(1, intervalMs);
  }

  private nextSeqNo(): number {
    this.seqNo = (this.seqNo + 1) >>> 0;
    return this.seqNo;
  }

  private nextIncarnation(): number {
    this.incarnation = (this.incarnation + 1) >>> 0;
    return this.incarnation;
  }

  private vsn(): Uint8Array {
    const c = this.config;
    return Uint8Array.of(c.protocolMin, c.protocolMax, c.protocolCur, c.delegateMin, c.delegateMax, c.delegateCur);
  }

  private setVsn(n: SwimNode, v: Uint8Array): void {
    [n.pMin, n.pMax, n.pCur, n.dMin, n.dMax, n.dCur] = [v[0]!, v[1]!, v[2]!, v[3]!, v[4]!, v[5]!];
  }
}

const STATE_TO_WIRE: Record<NodeState, PushNodeState['State']> = {
  alive: NodeStateType.alive,
  suspect: NodeStateType.suspect,
  dead: NodeStateType.dead,
  left: NodeStateType.left,
};

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function addrKey(host: string, port: number): string {
  return `${host}|${port}`;
}

function fmt(a: Address): string {
  return `${a.host}:${a.port}`;
}
