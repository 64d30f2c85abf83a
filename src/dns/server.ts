// The DNS server: UDP and TCP listeners on each client address (port 8600 by default), decoding
// with dns-packet, answering through the resolver, forwarding to recursors. Malformed input is
// answered FORMERR when it has a readable header and dropped otherwise; nothing a client sends
// can throw out of a socket handler.
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import type { Packet } from 'dns-packet';
import type { Logger } from '../lib/logger.js';
import type { Rng } from '../lib/rng.js';
import { seededRng } from '../lib/rng.js';
import { randomBytes } from 'node:crypto';
import { rpcCatalog, type DnsAgentConfig, type DnsBackend, type DnsCatalog, type RpcCatalog } from './backend.js';
import { bareReply, resolve, type ResolverConfig } from './resolver.js';
import { RCODE } from './records.js';
import { ServiceMemo } from './service.js';
import { answerFast, parseFast } from './fast.js';
import { forward, parseRecursor, recursorOrder, type RecursorTarget } from './recursor.js';

export interface DnsServerOptions {
  backend: DnsBackend;
  config: DnsAgentConfig;
  logger: Logger;
  /** Defaults to rpcCatalog(backend, config). */
  catalog?: DnsCatalog;
  /** Defaults to a generator seeded from crypto randomness (shuffles need speed, not secrecy). */
  rng?: Rng;
  nowMs?: () => number;
}

const TCP_IDLE_MS = 10_000;
const MAX_TCP_CONNS = 1024;

export function resolverConfig(c: DnsAgentConfig): ResolverConfig {
  const d = c.dns;
  return {
    datacenter: c.datacenter.toLowerCase(),
    domain: c.domain.toLowerCase(),
    altDomain: c.altDomain.toLowerCase(),
    nodeTtlS: Math.floor(d.nodeTtlMs / 1000),
    serviceTtl: d.serviceTtl,
    onlyPassing: d.onlyPassing,
    udpAnswerLimit: d.udpAnswerLimit,
    aRecordLimit: d.aRecordLimit,
    enableTruncate: d.enableTruncate,
    haveRecursors: d.recursors.length > 0,
    nodeMetaTxt: d.enableAdditionalNodeMetaTxt,
    soa: d.soa,
  };
}

export class DnsServer {
  private readonly cfg: ResolverConfig;
  private readonly catalog: DnsCatalog;
  private readonly ownCatalog: RpcCatalog | null = null;
  private readonly rng: Rng;
  private readonly nowMs: () => number;
  private readonly recursors: RecursorTarget[];
  private readonly udp: dgram.Socket[] = [];
  private readonly tcp: net.Server[] = [];
  private readonly conns = new Set<net.Socket>();
  private readonly memo = new ServiceMemo();
  private closed = false;

  constructor(private readonly o: DnsServerOptions) {
    this.cfg = resolverConfig(o.config);
    if (o.catalog) this.catalog = o.catalog;
    else this.catalog = this.ownCatalog = rpcCatalog(o.backend, o.config);
    this.rng = o.rng ?? seededRng(randomBytes(4).readUInt32LE(0));
    this.nowMs = o.nowMs ?? (() => Date.now());
    this.recursors = o.config.dns.recursors.map(parseRecursor);
  }

  /** Binds UDP and TCP on every client address; resolves with "ip:port" per address. */
  async listen(): Promise<string[]> {
    const port = this.o.config.ports.dns;
    const out: string[] = [];
    for (const addr of this.o.config.clientAddrs) {
      const udp = dgram.createSocket({ type: net.isIPv6(addr) ? 'udp6' : 'udp4' });
      udp.on('message', (msg, rinfo) => this.onUdp(udp, msg, rinfo));
      udp.on('error', (err) => this.o.logger.error('dns: udp socket error', { error: err.message }));
      await new Promise<void>((res, rej) => {
        udp.once('error', rej);
        udp.bind(port, addr, () => {
          udp.off('error', rej);
          res();
        });
      });
      this.udp.push(udp);
      const tcp = net.createServer((sock) => this.onTcp(sock));
      tcp.maxConnections = MAX_TCP_CONNS;
      tcp.on('error', (err) => this.o.logger.error('dns: tcp listener error', { error: err.message }));
      await new Promise<void>((res, rej) => {
        tcp.once('error', rej);
        tcp.listen(port, addr, () => {
          tcp.off('error', rej);
          res();
        });
      });
      this.tcp.push(tcp);
      const bound = udp.address();
      out.push(`${addr}:${bound.port}`);
      this.o.logger.info('Started DNS server', { address: `${addr}:${bound.port}`, network: 'udp' });
      this.o.logger.info('Started DNS server', { address: `${addr}:${bound.port}`, network: 'tcp' });
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.ownCatalog?.close();
    for (const s of this.udp) s.close();
    for (const c of this.conns) c.destroy();
    await Promise.all(this.tcp.map((t) => new Promise<void>((res) => t.close(() => res()))));
  }

  /** Answers one wire-format query; null means send nothing. Exposed for tests and benches. */
  async handle(msg: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | null> {
    let req: Packet;
    try {
      req = dnsPacket.decode(msg);
    } catch {
      return formErr(msg);
    }
    let packet: Packet;
    try {
      const out = await resolve(req, { catalog: this.catalog, config: this.cfg, rng: this.rng, nowMs: this.nowMs(), transport, memo: this.memo });
      if (out.kind === 'drop') return null;
      if (out.kind === 'recurse') return await this.recurse(msg, req, transport);
      packet = out.packet;
    } catch (err) {
      this.o.logger.error('dns: resolving failed', { error: (err as Error).message });
      packet = bareReply(req, RCODE.SERVFAIL, this.cfg);
    }
    try {
      return dnsPacket.encode(packet);
    } catch (err) {
      this.o.logger.error('dns: encoding the answer failed', { error: (err as Error).message });
      try {
        return dnsPacket.encode(bareReply(req, RCODE.SERVFAIL, this.cfg, false));
      } catch {
        return formErr(msg);
      }
    }
  }

  private async recurse(msg: Buffer, req: Packet, transport: 'udp' | 'tcp'): Promise<Buffer> {
    const order = recursorOrder(this.recursors.length, this.o.config.dns.recursorStrategy, this.rng);
    const r = await forward(msg, this.recursors, order, transport, this.o.config.dns.recursorTimeoutMs);
    if (r.reply) return r.reply;
    this.o.logger.error('dns: all resolvers failed for question', { question: req.questions?.[0]?.name, errors: r.errors.join('; ') });
    return dnsPacket.encode(bareReply(req, RCODE.SERVFAIL, this.cfg));
  }

  /** The synchronous path for hot service lookups over UDP (fast.ts); null: use handle(). */
  fastAnswer(msg: Buffer, transport: 'udp' | 'tcp' = 'udp'): Buffer | null {
    if (!this.catalog.peekServiceNodes) return null;
    const q = parseFast(msg, this.cfg);
    if (!q) return null;
    const reply = this.catalog.peekServiceNodes(q.service, q.dc);
    if (!reply) return null;
    const p = this.memo.peek(`${q.dc}|${q.service}||${this.cfg.domain}`, reply.index);
    if (!p) return null;
    try {
      return answerFast(msg, q, p, this.cfg, this.rng, transport);
    } catch (err) {
      this.o.logger.error('dns: fast path failed', { error: (err as Error).message });
      return null;
    }
  }

  private onUdp(sock: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const fast = this.fastAnswer(msg);
    if (fast) {
      try {
        sock.send(fast, rinfo.port, rinfo.address);
      } catch (err) {
        this.o.logger.debug('dns: udp send failed', { error: (err as Error).message });
      }
      return;
    }
    this.handle(msg, 'udp').then(
      (out) => {
        if (!out || this.closed) return;
        try {
          sock.send(out, rinfo.port, rinfo.address, (err) => err && this.o.logger.debug('dns: udp send failed', { error: err.message }));
        } catch (err) {
          this.o.logger.debug('dns: udp send failed', { error: (err as Error).message });
        }
      },
      (err) => this.o.logger.error('dns: udp query failed', { error: (err as Error).message }),
    );
  }

  private onTcp(sock: net.Socket): void {
    this.conns.add(sock);
    sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
    sock.on('error', () => sock.destroy());
    sock.on('close', () => this.conns.delete(sock));
    let buf = Buffer.alloc(0);
    sock.on('data', (chunk) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (len === 0) return void sock.destroy();
        if (buf.length < 2 + len) break;
        const msg = Buffer.from(buf.subarray(2, 2 + len));
        buf = buf.subarray(2 + len);
        const fast = this.fastAnswer(msg, 'tcp');
        if (fast) {
          const head = Buffer.alloc(2);
          head.writeUInt16BE(fast.length);
          sock.write(Buffer.concat([head, fast]));
          continue;
        }
        this.handle(msg, 'tcp').then(
          (out) => {
            if (!out || sock.destroyed) return;
            const head = Buffer.alloc(2);
            head.writeUInt16BE(out.length);
            sock.write(Buffer.concat([head, out]));
          },
          (err) => this.o.logger.error('dns: tcp query failed', { error: (err as Error).message }),
        );
      }
    });
  }
}

/** FORMERR for a message whose header we can read (and that is not itself a response). */
function formErr(msg: Buffer): Buffer | null {
  if (msg.length < 12) return null;
  if ((msg[2]! & 0x80) !== 0) return null;
  const out = Buffer.alloc(12);
  out.writeUInt16BE(msg.readUInt16BE(0), 0);
  // QR set, opcode and RD echoed, rcode FORMERR.
  out[2] = 0x80 | (msg[2]! & 0x79);
  out[3] = RCODE.FORMERR;
  return out;
}
