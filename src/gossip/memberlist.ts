// The driver: owns the UDP and TCP sockets on the gossip port, the timers and the clock, and is the only
// caller of the pure cores (SerfCore -> Swim). It performs the effects the cores return, in order.
//
// Inbound bytes are untrusted: every datagram and stream is decoded inside try/catch, streams are capped in
// size, time and concurrency, and a bad peer costs at most a log line.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { connect, createServer, type Server, type Socket as TcpSocket } from 'node:net';
import { isIPv6 } from 'node:net';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { Keyring } from './keyring.js';
import type { GossipEffect, SerfCore } from './serf/core.js';
import type { SerfEvent } from './serf/types.js';
import type { Address } from './swim/types.js';
import { WireError } from './wire/errors.js';
import { addLabelHeader, removeLabelHeader } from './wire/framing.js';
import { encodeAck, encodeErr, encodePing, type PushNodeState } from './wire/messages.js';
import { encodePushPull, parseStream, type StreamMessage } from './wire/stream.js';

/** memberlist TCPTimeout (LAN): connect, and whole-stream read/write deadline. */
export const STREAM_TIMEOUT_MS = 10_000;
/** memberlist maxPushPullRequests: concurrent inbound push/pulls beyond this are refused. */
export const PUSH_PULL_INBOUND_MAX = 128;
/** Bytes one inbound stream may send before we hang up (a full state of ~100k members fits). */
export const STREAM_INBOUND_BYTES_MAX = 32 * 1024 * 1024;
/** Concurrent inbound TCP connections. */
export const STREAM_INBOUND_MAX = 512;

export interface DriverOptions {
  bindAddr: string;
  bindPort: number;
  clock: Clock;
  logger: Logger;
  keyring?: Keyring;
  label?: string;
  onEvent: (e: SerfEvent) => void;
}

export class GossipDriver {
  private udp: Socket | null = null;
  private tcp: Server | null = null;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly conns = new Set<TcpSocket>();
  private pushPullInbound = 0;
  private closed = false;
  /** Pending join push/pulls: resolved by performPushPull. */
  private readonly label: string;

  constructor(
    readonly core: SerfCore,
    private readonly opts: DriverOptions,
  ) {
    this.label = opts.label ?? '';
  }

  now(): number {
    return this.opts.clock.monotonicMs();
  }

  async listen(): Promise<void> {
    const { bindAddr, bindPort } = this.opts;
    this.udp = createSocket({ type: isIPv6(bindAddr) ? 'udp6' : 'udp4', reuseAddr: false });
    this.udp.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo));
    this.udp.on('error', (err) => this.opts.logger.error('memberlist: UDP socket error', { error: err.message }));
    await new Promise<void>((resolve, reject) => {
      this.udp!.once('error', reject);
      this.udp!.bind(bindPort, bindAddr, () => {
        this.udp!.off('error', reject);
        resolve();
      });
    });
    this.tcp = createServer((sock) => this.onStream(sock));
    this.tcp.maxConnections = STREAM_INBOUND_MAX;
    this.tcp.on('error', (err) => this.opts.logger.error('memberlist: TCP listener error', { error: err.message }));
    await new Promise<void>((resolve, reject) => {
      this.tcp!.once('error', reject);
      this.tcp!.listen({ port: bindPort, host: bindAddr }, () => {
        this.tcp!.off('error', reject);
        resolve();
      });
    });
  }

  /** The port the UDP socket got (bindPort 0 picks one). */
  boundPort(): number {
    return this.udp?.address().port ?? this.opts.bindPort;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const c of this.conns) c.destroy();
    await Promise.all([
      new Promise<void>((r) => (this.udp ? this.udp.close(() => r()) : r())),
      new Promise<void>((r) => (this.tcp ? this.tcp.close(() => r()) : r())),
    ]);
  }

  /** Performs effects from a core entry point. Join push/pulls come back as promises of success. */
  apply(effects: GossipEffect[]): Promise<boolean>[] {
    const joins: Promise<boolean>[] = [];
    if (this.closed) return joins;
    for (const e of effects) {
      switch (e.kind) {
        case 'send':
          this.sendPacket(e.to, e.bytes);
          break;
        case 'timer':
          this.arm(e.id, e.at);
          break;
        case 'cancel': {
          const t = this.timers.get(e.id);
          if (t) clearTimeout(t);
          this.timers.delete(e.id);
          break;
        }
        case 'pushPull': {
          const p = this.pushPull(e.to, e.join);
          if (e.join) joins.push(p);
          break;
        }
        case 'tcpPing':
          void this.tcpPing(e.to, e.seqNo, encodePing(e.ping), e.deadline);
          break;
        case 'event':
          try {
            this.opts.onEvent(e.event);
          } catch (err) {
            this.opts.logger.error('gossip: event handler threw', { error: (err as Error).message });
          }
          break;
      }
    }
    return joins;
  }

  private arm(id: string, at: number): void {
    const old = this.timers.get(id);
    if (old) clearTimeout(old);
    const t = setTimeout(() => {
      this.timers.delete(id);
      if (this.closed) return;
      this.guard('timer', () => this.apply(this.core.onTimer(this.now(), id)));
    }, Math.max(0, at - this.now()));
    t.unref?.();
    this.timers.set(id, t);
  }

  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (err instanceof WireError) this.opts.logger.warn(`memberlist: bad ${what} input`, { error: err.message });
      else this.opts.logger.error(`memberlist: ${what} failed`, { error: (err as Error).stack ?? String(err) });
    }
  }

  // ------------------------------------------------------------------ UDP

  private sendPacket(to: Address, bytes: Buffer): void {
    if (!this.udp || this.closed) return;
    let out: Buffer = bytes;
    if (this.opts.keyring) out = this.opts.keyring.encryptPacket(out, this.label);
    out = addLabelHeader(out, this.label);
    this.udp.send(out, to.port, to.host, (err) => {
      if (err) this.opts.logger.debug('memberlist: UDP send failed', { to: `${to.host}:${to.port}`, error: err.message });
    });
  }

  private onDatagram(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.closed) return;
    this.guard('packet', () => {
      const { label, rest } = removeLabelHeader(msg);
      if (label !== this.label) throw new WireError('label', `packet label ${JSON.stringify(label)} is not ours`);
      const plain = this.opts.keyring ? this.opts.keyring.decryptPacket(rest, label) : rest;
      this.apply(this.core.handlePacket(this.now(), { host: rinfo.address, port: rinfo.port }, plain));
    });
  }

  // ------------------------------------------------------------------ TCP inbound

  private onStream(sock: TcpSocket): void {
    if (this.closed) {
      sock.destroy();
      return;
    }
    this.conns.add(sock);
    let buf: Buffer = Buffer.alloc(0);
    let done = false;
    const finish = () => {
      done = true;
      sock.end();
      this.conns.delete(sock);
    };
    sock.setTimeout(STREAM_TIMEOUT_MS, () => sock.destroy());
    sock.on('error', () => {});
    sock.on('close', () => this.conns.delete(sock));
    sock.on('data', (chunk: Buffer) => {
      if (done) return;
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      if (buf.length > STREAM_INBOUND_BYTES_MAX) {
        this.opts.logger.warn('memberlist: inbound stream too large', { from: sock.remoteAddress });
        done = true;
        sock.destroy();
        return;
      }
      let parsed;
      try {
        parsed = parseStream(buf, this.opts.keyring && ((f, l) => this.opts.keyring!.decryptStream(f, l)));
      } catch (err) {
        const msg = (err as Error).message;
        this.opts.logger.warn('memberlist: bad inbound stream', { from: sock.remoteAddress, error: msg });
        done = true;
        sock.end(this.frameStream(encodeErr({ Error: msg })));
        return;
      }
      if (!parsed) return;
      if (parsed.label !== this.label) {
        done = true;
        sock.destroy();
        return;
      }
      this.guard('stream', () => this.handleStream(sock, parsed.message, finish));
      if (!done) finish();
    });
  }

  private handleStream(sock: TcpSocket, m: StreamMessage, finish: () => void): void {
    switch (m.type) {
      case 'pushPull': {
        if (this.pushPullInbound >= PUSH_PULL_INBOUND_MAX) {
          this.opts.logger.error('memberlist: too many pending push/pull requests');
          return finish();
        }
        this.pushPullInbound++;
        try {
          const local = this.core.swim.localState(m.header.Join);
          sock.write(this.frameStream(encodePushPull(m.header.Join, local.nodes, local.userState)));
          this.apply(this.core.pushPullResult(this.now(), m.header.Join, m.nodes, m.userState));
        } finally {
          this.pushPullInbound--;
        }
        return finish();
      }
      case 'ping': {
        const ack = this.core.swim.handleStreamPing(m.ping);
        if (ack) sock.write(this.frameStream(encodeAck(ack)));
        return finish();
      }
      default:
        this.opts.logger.debug('memberlist: ignoring stream message', { type: m.type });
        return finish();
    }
  }

  private frameStream(msg: Buffer): Buffer {
    const body = this.opts.keyring ? this.opts.keyring.encryptStream(msg, this.label) : msg;
    return addLabelHeader(body, this.label);
  }

  // ------------------------------------------------------------------ TCP outbound

  /** Opens a stream, writes `msg`, reads one reply message. Null on any failure. */
  private request(to: Address, msg: Buffer, timeoutMs: number): Promise<StreamMessage | null> {
    return new Promise((resolve) => {
      if (this.closed) return resolve(null);
      const sock = connect({ host: to.host, port: to.port });
      this.conns.add(sock);
      let buf: Buffer = Buffer.alloc(0);
      let settled = false;
      const settle = (v: StreamMessage | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        sock.destroy();
        this.conns.delete(sock);
        resolve(v);
      };
      const timer = setTimeout(() => settle(null), Math.max(1, timeoutMs));
      timer.unref?.();
      sock.on('error', () => settle(null));
      sock.on('close', () => settle(null));
      sock.on('connect', () => sock.write(this.frameStream(msg)));
      sock.on('data', (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        if (buf.length > STREAM_INBOUND_BYTES_MAX) return settle(null);
        try {
          const parsed = parseStream(buf, this.opts.keyring && ((f, l) => this.opts.keyring!.decryptStream(f, l)));
          if (parsed) settle(parsed.message);
        } catch (err) {
          this.opts.logger.warn('memberlist: bad stream reply', { from: `${to.host}:${to.port}`, error: (err as Error).message });
          settle(null);
        }
      });
    });
  }

  private async pushPull(to: Address, join: boolean): Promise<boolean> {
    const local = this.core.swim.localState(join);
    const reply = await this.request(to, encodePushPull(join, local.nodes, local.userState), STREAM_TIMEOUT_MS);
    if (!reply || this.closed) {
      this.opts.logger.debug('memberlist: push/pull failed', { to: `${to.host}:${to.port}` });
      return false;
    }
    if (reply.type === 'err') {
      this.opts.logger.warn('memberlist: remote error during push/pull', { to: `${to.host}:${to.port}`, error: reply.error });
      return false;
    }
    if (reply.type !== 'pushPull') return false;
    let ok = true;
    this.guard('push/pull reply', () => {
      try {
        this.apply(this.core.pushPullResult(this.now(), join, reply.nodes as PushNodeState[], reply.userState));
      } catch (e) {
        ok = false;
        throw e;
      }
    });
    return ok;
  }

  private async tcpPing(to: Address, seqNo: number, ping: Buffer, deadline: number): Promise<void> {
    const reply = await this.request(to, ping, deadline - this.now());
    const ok = !!reply && reply.type === 'ack' && reply.ack.SeqNo === seqNo;
    if (!this.closed) this.guard('tcp ping', () => this.apply(this.core.tcpPingResult(this.now(), seqNo, ok)));
  }
}
