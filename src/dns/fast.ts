// The hot path: `<service>.service[.<dc>].<domain>` SRV and A questions over UDP for a service whose
// records are already prepared (see service.ts) and kept current by a watch (backend.ts). The request
// is parsed and the answer written straight from pre-encoded pieces, with owner names compressed to
// the question, and the same answer counts, truncation and additional records as the general path
// (resolver.ts) gives, which handles everything this declines (returns null).
import dnsPacket from 'dns-packet';
import type { Answer } from 'dns-packet';
import type { Rng } from '../lib/rng.js';
import { randomInt } from '../lib/rng.js';
import type { ResolverConfig } from './resolver.js';
import type { Prepared } from './service.js';
import { serviceTtlSeconds } from './service.js';

const TYPE_A = 1;
const TYPE_SRV = 33;
const TYPE_OPT = 41;

interface WireSrv {
  /** Answer record from the type field on (type, class, ttl, rdlength, rdata). */
  readonly body: Buffer;
  readonly target: string;
  /** The first address record for the target, whole, or null. */
  readonly addr: Buffer | null;
  /** Every additional record for the target (address and node-meta TXT), whole, and their count. */
  readonly all: Buffer;
  readonly allCount: number;
}

interface Wire {
  readonly srv: WireSrv[];
  /** A answers from the type field on. */
  readonly a: Buffer[];
  /** True when some instance would answer a CNAME or AAAA: left to the general path. */
  readonly mixed: boolean;
  /** True when no two SRV entries share a target (no de-duplication of extras needed). */
  readonly uniqueTargets: boolean;
}

const encodeAnswer = (rr: Answer): Buffer => (dnsPacket as any).answer.encode(rr);

function wireOf(p: Prepared, ttl: number): Wire {
  if (p.wire) return p.wire as Wire;
  const srv: WireSrv[] = p.srv.map((e) => {
    const whole = encodeAnswer({ name: '.', type: 'SRV', ttl, data: e.data });
    const extras = e.extras.map(encodeAnswer);
    const first = e.extras.findIndex((x) => x.type === 'A' || x.type === 'AAAA' || x.type === 'CNAME');
    return { body: whole.subarray(1), target: e.data.target, addr: first >= 0 ? extras[first]! : null, all: Buffer.concat(extras), allCount: extras.length };
  });
  const a = p.addrs.filter((x) => x.type === 'A').map((x) => encodeAnswer({ name: '.', type: 'A', ttl, data: x.data }).subarray(1));
  const wire: Wire = { srv, a, mixed: p.addrs.some((x) => x.type !== 'A'), uniqueTargets: new Set(srv.map((x) => x.target)).size === srv.length };
  p.wire = wire;
  return wire;
}

export interface FastQuestion {
  readonly service: string;
  readonly dc: string;
  readonly qtype: number;
  /** Offset just past the question. */
  readonly qEnd: number;
  /** Wire length of the question name. */
  readonly nameLen: number;
  /** Client's EDNS0 UDP size, or null without OPT. */
  readonly edns: number | null;
}

/** Parses the plain shapes the fast path serves; null for anything else. */
export function parseFast(msg: Buffer, cfg: ResolverConfig): FastQuestion | null {
  if (msg.length < 17 || msg.length > 512) return null;
  const flags = msg.readUInt16BE(2);
  if (flags & 0xf800) return null; // a response, or an opcode other than QUERY
  if (msg.readUInt16BE(4) !== 1 || msg.readUInt16BE(6) !== 0 || msg.readUInt16BE(8) !== 0) return null;
  const arcount = msg.readUInt16BE(10);
  if (arcount > 1) return null;
  let off = 12;
  const labels: string[] = [];
  for (;;) {
    const len = msg[off]!;
    if (len === 0) break;
    if (len > 63 || off + 1 + len >= msg.length) return null;
    let label = '';
    for (let i = off + 1; i <= off + len; i++) {
      let c = msg[i]!;
      if (c >= 65 && c <= 90) c += 32;
      else if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95)) return null;
      label += String.fromCharCode(c);
    }
    labels.push(label);
    off += len + 1;
  }
  const nameLen = off + 1 - 12;
  off += 1;
  if (off + 4 > msg.length) return null;
  const qtype = msg.readUInt16BE(off);
  if ((qtype !== TYPE_SRV && qtype !== TYPE_A) || msg.readUInt16BE(off + 2) !== 1) return null;
  off += 4;
  const qEnd = off;
  let edns: number | null = null;
  if (arcount === 1) {
    // Only a bare OPT record (no options): root name, type OPT, size, ext-rcode/version/flags, rdlen 0.
    if (off + 11 !== msg.length || msg[off] !== 0 || msg.readUInt16BE(off + 1) !== TYPE_OPT || msg[off + 6] !== 0) return null;
    if (msg.readUInt16BE(off + 9) !== 0) return null;
    edns = msg.readUInt16BE(off + 3);
  } else if (off !== msg.length) return null;
  // <service>.service[.<dc>].<domain>
  const domain = cfg.domain.slice(0, -1).split('.');
  const n = labels.length - domain.length;
  if (n < 2 || n > 3) return null;
  for (let i = 0; i < domain.length; i++) if (labels[n + i] !== domain[i]) return null;
  if (labels[1] !== 'service') return null;
  if (n === 3 && labels[2] !== cfg.datacenter) return null;
  return { service: labels[0]!, dc: cfg.datacenter, qtype, qEnd, nameLen, edns };
}

/**
 * Builds the UDP answer for a parsed question from prepared records; null when the general path
 * must answer (no healthy instance, CNAME/AAAA instances, an A limit).
 */
export function answerFast(
  msg: Buffer, q: FastQuestion, p: Prepared, cfg: ResolverConfig, rng: Rng, transport: 'udp' | 'tcp' = 'udp',
): Buffer | null {
  if (p.srv.length === 0) return null;
  const ttl = serviceTtlSeconds(q.service, cfg.serviceTtl);
  const w = wireOf(p, ttl);
  if (q.qtype === TYPE_A && (w.mixed || cfg.aRecordLimit > 0 || w.a.length === 0)) return null;
  const items: readonly (WireSrv | Buffer)[] = q.qtype === TYPE_SRV ? w.srv : w.a;
  const n = items.length;
  // Shuffle a copy of the indexes (the prepared lists are shared).
  const order = new Array<number>(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  // Sizes are counted uncompressed, as Consul's trimming does and as the general path encodes.
  // UDP: 512 bytes and min(udp_answer_limit, 8) answers without EDNS, else the client's size (7 bytes
  // of slack); TCP: one 64 KiB message, at most 1024 SRV or 4096 other answers.
  const udp = transport === 'udp';
  const maxSize = !udp ? 65523 : q.edns !== null && q.edns > 512 ? Math.min(q.edns, 65467) : 512;
  const maxAnswers = !udp ? (q.qtype === TYPE_SRV ? 1024 : 4096) : maxSize === 512 ? Math.min(8, cfg.udpAnswerLimit) : Infinity;
  const limit = udp ? maxSize - 7 : maxSize;
  const optLen = q.edns !== null ? 11 : 0;
  const base = 12 + (q.qEnd - 12) + optLen;
  // Prefix sums over the shuffled order: bytes of the first k answers with address-only extras
  // (pre) and with every extra (preFull). Only as many as could ever be kept are summed.
  const m = Math.min(n, maxAnswers);
  const pre = new Array<number>(m + 1);
  const preFull = new Array<number>(m + 1);
  pre[0] = preFull[0] = base;
  const srvQ = q.qtype === TYPE_SRV;
  const seen = w.uniqueTargets ? null : new Set<string>();
  for (let i = 0; i < m; i++) {
    const it = items[order[i]!]!;
    if (srvQ) {
      const e = it as WireSrv;
      const a = q.nameLen + e.body.length;
      const fresh = seen === null || (!seen.has(e.target) && (seen.add(e.target), true));
      pre[i + 1] = pre[i]! + a + (fresh ? (e.addr?.length ?? 0) : 0);
      preFull[i + 1] = preFull[i]! + a + (fresh ? e.all.length : 0);
    } else {
      const a = q.nameLen + (it as Buffer).length;
      pre[i + 1] = pre[i]! + a;
      preFull[i + 1] = preFull[i]! + a;
    }
  }
  const sizeOf = (k: number, full: boolean): number => (full ? preFull[k]! : pre[k]!);
  // Mirrors truncate.ts trimUdp/trimTcp step by step (including when extras get re-synced).
  let k = n;
  let synced = false;
  if (n > maxAnswers) {
    k = maxAnswers;
    synced = true;
  }
  let size = sizeOf(k, !synced);
  while (k > 1 && size > limit) {
    if (size - limit > 100) {
      let lo = 1;
      let hi = k;
      let best = 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (sizeOf(mid, false) <= limit) {
          best = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      k = best;
    } else {
      k--;
    }
    synced = true;
    size = sizeOf(k, false);
  }
  const trimmed = k < n;
  // Until answers are cut, every additional record stays; after, only address records.
  const full = !synced;
  const parts: Buffer[] = [];
  const head = Buffer.allocUnsafe(12);
  head.writeUInt16BE(msg.readUInt16BE(0), 0);
  const rd = msg[2]! & 0x01;
  head[2] = 0x80 | 0x04 | rd | (udp && trimmed && cfg.enableTruncate ? 0x02 : 0); // QR, AA, TC?, RD
  head[3] = cfg.haveRecursors ? 0x80 : 0; // RA, rcode NOERROR
  head.writeUInt16BE(1, 4);
  head.writeUInt16BE(k, 6);
  head.writeUInt16BE(0, 8);
  parts.push(head, msg.subarray(12, q.qEnd));
  const ptr = Buffer.from([0xc0, 0x0c]);
  let extraCount = 0;
  seen?.clear();
  const extras: Buffer[] = [];
  for (let i = 0; i < k; i++) {
    const it = items[order[i]!]!;
    parts.push(ptr);
    if (q.qtype === TYPE_SRV) {
      const s = it as WireSrv;
      parts.push(s.body);
      if (seen === null || !seen.has(s.target)) {
        seen?.add(s.target);
        if (full) {
          extras.push(s.all);
          extraCount += s.allCount;
        } else if (s.addr) {
          extras.push(s.addr);
          extraCount++;
        }
      }
    } else {
      parts.push(it as Buffer);
    }
  }
  parts.push(...extras);
  if (q.edns !== null) {
    const opt = Buffer.alloc(11);
    opt.writeUInt16BE(TYPE_OPT, 1);
    opt.writeUInt16BE(q.edns, 3);
    parts.push(opt);
    extraCount++;
  }
  head.writeUInt16BE(extraCount, 10);
  return Buffer.concat(parts);
}
