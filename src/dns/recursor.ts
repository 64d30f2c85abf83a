// Forwarding queries outside our domain to the configured recursors, like Consul's handleRecurse:
// try each recursor (in order, or shuffled for `random`) with a timeout; a reply whose rcode is
// neither NOERROR nor NXDOMAIN moves on to the next; the first good reply is passed back as is.
import dgram from 'node:dgram';
import net from 'node:net';
import type { Rng } from '../lib/rng.js';
import { randomInt } from '../lib/rng.js';

export interface RecursorTarget {
  host: string;
  port: number;
}

/** "1.2.3.4", "1.2.3.4:5353", "::1", "[::1]:5353" -> host and port (53 by default). */
export function parseRecursor(s: string): RecursorTarget {
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracket) return { host: bracket[1]!, port: bracket[2] ? Number(bracket[2]) : 53 };
  if (net.isIPv6(s)) return { host: s, port: 53 };
  const colon = s.lastIndexOf(':');
  if (colon > 0) return { host: s.slice(0, colon), port: Number(s.slice(colon + 1)) || 53 };
  return { host: s, port: 53 };
}

export function recursorOrder(n: number, strategy: string, rng: Rng): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  if (strategy === 'random') {
    for (let i = n - 1; i > 0; i--) {
      const j = randomInt(rng, i + 1);
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
  }
  return idx;
}

/** Rcode of a reply that answers request `id`, or null when it does not look like one. */
function replyRcode(buf: Buffer, id: number): number | null {
  if (buf.length < 12) return null;
  if (buf.readUInt16BE(0) !== id) return null;
  if ((buf[2]! & 0x80) === 0) return null;
  return buf[3]! & 0x0f;
}

function exchangeUdp(req: Buffer, t: RecursorTarget, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(net.isIPv6(t.host) ? 'udp6' : 'udp4');
    const id = req.readUInt16BE(0);
    const done = (err: Error | null, buf?: Buffer) => {
      clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve(buf!);
    };
    const timer = setTimeout(() => done(new Error(`recursor ${t.host}:${t.port} timed out`)), timeoutMs);
    sock.on('error', (err) => done(err));
    sock.on('message', (msg) => {
      // Ignore stray datagrams; wait for the reply to our id.
      if (replyRcode(msg, id) !== null) done(null, msg);
    });
    sock.send(req, t.port, t.host);
  });
}

function exchangeTcp(req: Buffer, t: RecursorTarget, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: t.host, port: t.port });
    let buf = Buffer.alloc(0);
    let settled = false;
    const done = (err: Error | null, out?: Buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(out!);
    };
    const timer = setTimeout(() => done(new Error(`recursor ${t.host}:${t.port} timed out`)), timeoutMs);
    sock.on('error', (err) => done(err));
    sock.on('close', () => done(new Error(`recursor ${t.host}:${t.port} closed the connection`)));
    sock.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(req.length);
      sock.write(Buffer.concat([len, req]));
    });
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) done(null, buf.subarray(2, 2 + buf.readUInt16BE(0)));
    });
  });
}

export interface ForwardResult {
  reply: Buffer | null;
  errors: string[];
}

/** Tries each recursor in turn; returns the first NOERROR/NXDOMAIN reply, or null when none gave one. */
export async function forward(
  req: Buffer,
  recursors: readonly RecursorTarget[],
  order: readonly number[],
  transport: 'udp' | 'tcp',
  timeoutMs: number,
): Promise<ForwardResult> {
  const id = req.readUInt16BE(0);
  const errors: string[] = [];
  for (const i of order) {
    const t = recursors[i]!;
    try {
      const reply = transport === 'tcp' ? await exchangeTcp(req, t, timeoutMs) : await exchangeUdp(req, t, timeoutMs);
      const rcode = replyRcode(reply, id);
      if (rcode === 0 || rcode === 3) return { reply, errors };
      errors.push(`recursor ${t.host}:${t.port} answered rcode ${rcode}`);
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  return { reply: null, errors };
}
