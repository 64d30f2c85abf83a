// IP addresses as memberlist carries them: raw bytes (net.IP), 4 bytes for IPv4 (Go's To4()), 16 for IPv6.
import { WireError } from './errors.js';

export function ipToBytes(ip: string): Uint8Array {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (v4) {
    const b = v4.slice(1).map(Number);
    if (b.some((x) => x > 255)) throw new RangeError(`bad IPv4 address: ${ip}`);
    return Uint8Array.from(b);
  }
  return ipv6ToBytes(ip);
}

function ipv6ToBytes(ip: string): Uint8Array {
  const s = ip.replace(/^\[|\]$/g, '').split('%')[0]!;
  if (!s.includes(':')) throw new RangeError(`bad IP address: ${ip}`);
  let [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const parse = (part: string | undefined): number[] => {
    if (!part) return [];
    const out: number[] = [];
    const groups = part.split(':');
    groups.forEach((g, i) => {
      if (i === groups.length - 1 && g.includes('.')) {
        const v4 = ipToBytes(g);
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw new RangeError(`bad IPv6 address: ${ip}`);
        out.push(parseInt(g, 16));
      }
    });
    return out;
  };
  const h = parse(head);
  const t = parse(tail);
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  const words = [...h, ...new Array(Math.max(0, fill)).fill(0), ...t];
  if (words.length !== 8) throw new RangeError(`bad IPv6 address: ${ip}`);
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  // An IPv4-mapped address travels as 4 bytes, as Go's To4() makes it.
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) return out.subarray(12);
  return out;
}

export function ipFromBytes(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join('.');
  if (b.length === 16) {
    if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) {
      return Array.from(b.subarray(12)).join('.');
    }
    const words: string[] = [];
    for (let i = 0; i < 16; i += 2) words.push(((b[i]! << 8) | b[i + 1]!).toString(16));
    return words.join(':').replace(/(^|:)0(:0)+(:|$)/, '::').replace(/:{3,}/, '::');
  }
  throw new WireError('malformed', `an IP address has ${b.length} bytes`);
}

/** "host:port" the way Go's net.JoinHostPort writes it ([v6]:port). */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
