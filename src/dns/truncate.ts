// Fitting an answer into what the transport allows, as Consul does (agent/dns.go trimUDPResponse /
// trimTCPResponse): UDP without EDNS keeps at most min(udp_answer_limit, 8) answers and 512 bytes;
// EDNS0 raises the byte limit to the client's buffer size; TCP keeps 64 KiB. Additional records
// are re-synced to the answers that remain. Sizes are measured uncompressed (we never compress).
import dnsPacket from 'dns-packet';
import type { Answer, Packet } from 'dns-packet';

const DEFAULT_UDP_SIZE = 512;
const MAX_UDP_SIZE = 65467;
const MAX_TCP_SIZE = 65523;
const MAX_UDP_ANSWER_LIMIT = 8;

const addressTypes = new Set(['A', 'AAAA', 'CNAME']);

/** First A/AAAA/CNAME record per owner name (lower case), as Consul's indexRRs does. */
function indexExtra(extra: readonly Answer[]): Map<string, Answer> {
  const index = new Map<string, Answer>();
  for (const rr of extra) {
    if (!addressTypes.has(rr.type)) continue;
    const key = rr.name.toLowerCase().replace(/\.$/, '');
    if (!index.has(key)) index.set(key, rr);
  }
  return index;
}

/** Keeps only the additional records that back an SRV answer still present (plus OPT). */
function syncExtra(index: Map<string, Answer>, resp: Packet): void {
  const extra: Answer[] = [];
  const seen = new Set<string>();
  for (const ans of resp.answers ?? []) {
    if (ans.type !== 'SRV') continue;
    let target = ans.data.target.toLowerCase().replace(/\.$/, '');
    while (!seen.has(target)) {
      seen.add(target);
      const rr = index.get(target);
      if (!rr) break;
      extra.push(rr);
      if (rr.type !== 'CNAME') break;
      target = (rr.data as string).toLowerCase().replace(/\.$/, '');
    }
  }
  for (const rr of resp.additionals ?? []) if (rr.type === 'OPT') extra.push(rr);
  resp.additionals = extra;
}

function size(p: Packet): number {
  return dnsPacket.encodingLength(p);
}

/** Largest answer count whose message fits maxSize (binary search, extras re-synced each probe). */
function bestAnswerCount(resp: Packet, all: Answer[], maxSize: number, index: Map<string, Answer>, hasExtra: boolean): number {
  let lo = 1;
  let hi = all.length;
  let best = 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    resp.answers = all.slice(0, mid);
    if (hasExtra) syncExtra(index, resp);
    if (size(resp) <= maxSize) {
      best = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return best;
}

function shrinkTo(resp: Packet, maxSize: number, index: Map<string, Answer>, hasExtra: boolean): boolean {
  let cut = false;
  while ((resp.answers?.length ?? 0) > 1 && size(resp) > maxSize) {
    cut = true;
    if ((resp.authorities?.length ?? 0) > 0) resp.authorities = [];
    const all = resp.answers!;
    if (size(resp) - maxSize > 100) {
      const n = bestAnswerCount(resp, all, maxSize, index, hasExtra);
      resp.answers = all.slice(0, n);
    } else {
      resp.answers = all.slice(0, -1);
    }
    if (hasExtra) syncExtra(index, resp);
  }
  return cut;
}

/** The client's advertised EDNS0 UDP size, or null when it sent no OPT record. */
export function ednsSize(req: Packet): number | null {
  for (const rr of req.additionals ?? []) if (rr.type === 'OPT') return rr.udpPayloadSize;
  return null;
}

/** Trims a UDP answer in place; true when answers were dropped. */
export function trimUdp(req: Packet, resp: Packet, udpAnswerLimit: number): boolean {
  const before = resp.answers?.length ?? 0;
  const hasExtra = (resp.additionals ?? []).some((rr) => rr.type !== 'OPT');
  let maxSize = DEFAULT_UDP_SIZE;
  const edns = ednsSize(req);
  if (edns !== null && edns > maxSize) maxSize = edns;
  if (maxSize > MAX_UDP_SIZE) maxSize = MAX_UDP_SIZE;
  const index = hasExtra ? indexExtra(resp.additionals!) : new Map<string, Answer>();
  const maxAnswers = Math.min(MAX_UDP_ANSWER_LIMIT, udpAnswerLimit);
  if (maxSize === DEFAULT_UDP_SIZE && before > maxAnswers) {
    resp.answers = resp.answers!.slice(0, maxAnswers);
    if (hasExtra) syncExtra(index, resp);
  }
  // 7 bytes of slack as Consul keeps; a single oversized answer is still sent.
  shrinkTo(resp, maxSize - 7, index, hasExtra);
  return (resp.answers?.length ?? 0) < before;
}

/** Trims a TCP answer in place to what one 64 KiB message holds; true when answers were dropped. */
export function trimTcp(req: Packet, resp: Packet): boolean {
  const before = resp.answers?.length ?? 0;
  const hasExtra = (resp.additionals ?? []).some((rr) => rr.type !== 'OPT');
  const truncateAt = req.questions?.[0]?.type === 'SRV' ? 1024 : 4096;
  if (before > truncateAt) resp.answers = resp.answers!.slice(0, truncateAt);
  const index = hasExtra ? indexExtra(resp.additionals!) : new Map<string, Answer>();
  if (before > truncateAt && hasExtra) syncExtra(index, resp);
  shrinkTo(resp, MAX_TCP_SIZE, index, hasExtra);
  return (resp.answers?.length ?? 0) < before;
}
