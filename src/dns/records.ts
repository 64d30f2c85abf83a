// Small pure helpers for building DNS records: IP parsing, reverse names, hex `.addr.` labels,
// node-meta TXT (RFC 1464), SOA, names that fit the wire. No I/O.
import type { Answer } from 'dns-packet';
import type { Node } from '../structs/catalog.js';

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

/** Parses a dotted IPv4 address into 4 bytes, or null. */
export function parseIPv4(s: string): number[] | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

/** Parses an IPv6 address (with `::` and an optional dotted IPv4 tail) into 16 bytes, or null. */
export function parseIPv6(s: string): number[] | null {
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  if (!s.includes(':')) return null;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    const parts = h.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIPv4(p);
        if (!v4) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return null;
  let words: number[];
  if (halves.length === 2) {
    const fill = 8 - head.length - tail.length;
    if (fill < 1) return null;
    words = [...head, ...new Array<number>(fill).fill(0), ...tail];
  } else {
    if (head.length !== 8) return null;
    words = head;
  }
  const bytes: number[] = [];
  for (const w of words) bytes.push(w >> 8, w & 0xff);
  return bytes;
}

export type AddrKind = { kind: 'v4'; bytes: number[]; text: string } | { kind: 'v6'; bytes: number[]; text: string } | { kind: 'host'; text: string };

export function classifyAddress(addr: string): AddrKind {
  const v4 = parseIPv4(addr);
  if (v4) return { kind: 'v4', bytes: v4, text: v4.join('.') };
  const v6 = parseIPv6(addr);
  if (v6) {
    // An IPv4-mapped IPv6 address answers as IPv4, like Go's To4().
    if (v6.slice(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff) {
      const b = v6.slice(12);
      return { kind: 'v4', bytes: b, text: b.join('.') };
    }
    return { kind: 'v6', bytes: v6, text: formatIPv6(v6) };
  }
  return { kind: 'host', text: addr };
}

export function formatIPv6(bytes: readonly number[]): string {
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return words.join(':');
}

/** The in-addr.arpa / ip6.arpa name of an address (lower case, trailing dot), or null. */
export function reverseName(addr: string): string | null {
  const a = classifyAddress(addr);
  if (a.kind === 'v4') return `${[...a.bytes].reverse().join('.')}.in-addr.arpa.`;
  if (a.kind === 'v6') {
    const nibbles: string[] = [];
    for (const b of a.bytes) nibbles.push((b >> 4).toString(16), (b & 0xf).toString(16));
    return `${nibbles.reverse().join('.')}.ip6.arpa.`;
  }
  return null;
}

export function hexOf(bytes: readonly number[]): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Decodes the hex label of an `.addr.` name: 8 hex digits = IPv4, 32 = IPv6. */
export function decodeHexAddr(label: string): AddrKind | null {
  if (!/^[0-9a-f]+$/.test(label)) return null;
  const bytes: number[] = [];
  for (let i = 0; i < label.length; i += 2) bytes.push(parseInt(label.slice(i, i + 2), 16));
  if (label.length === 8) return { kind: 'v4', bytes, text: bytes.join('.') };
  if (label.length === 32) return { kind: 'v6', bytes, text: formatIPv6(bytes) };
  return null;
}

/** True when a name can be written on the wire: labels of 1..63 bytes, at most 255 bytes in all. */
export function wireSafeName(name: string): boolean {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  if (n === '') return true;
  let total = 1;
  for (const label of n.split('.')) {
    const len = Buffer.byteLength(label);
    if (len === 0 || len > 63) return false;
    total += len + 1;
  }
  return total <= 255;
}

/** Node meta as TXT strings: RFC 1464 `key=value` with backquote escapes; `rfc1035-` keys give the raw value. */
export function metaTxt(key: string, value: string): string {
  if (key.startsWith('rfc1035-')) return value;
  let k = key.replace(/`/g, '``').replace(/=/g, '`=');
  k = k.replace(/^ +/, (m) => '` '.repeat(m.length)).replace(/ +$/, (m) => '` '.repeat(m.length));
  return `${k}=${value.replace(/`/g, '``')}`;
}

/** TXT character-strings are at most 255 bytes; longer texts are split. */
export function txtStrings(s: string): Buffer[] {
  const b = Buffer.from(s);
  if (b.length <= 255) return [b];
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += 255) out.push(b.subarray(i, i + 255));
  return out;
}

export function addressRecord(name: string, a: AddrKind, ttl: number): Answer {
  if (a.kind === 'v4') return { name, type: 'A', ttl, data: a.text };
  if (a.kind === 'v6') return { name, type: 'AAAA', ttl, data: a.text };
  return { name, type: 'CNAME', ttl, data: a.text.endsWith('.') ? a.text : `${a.text}.` };
}

export interface SoaSettings {
  readonly expire: number;
  readonly minTtl: number;
  readonly refresh: number;
  readonly retry: number;
}

export function soaRecord(domain: string, soa: SoaSettings, nowMs: number): Answer {
  return {
    name: domain,
    type: 'SOA',
    ttl: soa.minTtl,
    data: {
      mname: `ns.${domain}`,
      rname: `hostmaster.${domain}`,
      serial: Math.floor(nowMs / 1000) >>> 0,
      refresh: soa.refresh,
      retry: soa.retry,
      expire: soa.expire,
      minimum: soa.minTtl,
    },
  };
}

/** A/AAAA (or CNAME for a hostname) for an address, if the question type asks for it. */
export function recordsFor(name: string, addr: string, qtype: string, ttl: number): Answer[] {
  const a = classifyAddress(addr);
  if (a.kind === 'v4' && (qtype === 'A' || qtype === 'ANY')) return [addressRecord(name, a, ttl)];
  if (a.kind === 'v6' && (qtype === 'AAAA' || qtype === 'ANY')) return [addressRecord(name, a, ttl)];
  if (a.kind === 'host' && a.text !== '' && wireSafeName(a.text) && (qtype === 'A' || qtype === 'AAAA' || qtype === 'ANY' || qtype === 'CNAME')) {
    return [addressRecord(name, a, ttl)];
  }
  return [];
}

/** Node meta as TXT records (sorted by key). */
export function metaRecords(name: string, node: Pick<Node, 'Meta'>, ttl: number): Answer[] {
  const meta = node.Meta ?? {};
  return Object.keys(meta)
    .sort()
    .map((k) => ({ name, type: 'TXT', ttl, data: txtStrings(metaTxt(k, meta[k]!)) }) as Answer);
}
