// Service lookups: health filtering, weights, TTLs, shuffling, and the per-instance records.
// Instances are turned into records once per catalog index (ServiceMemo) so that a hot service
// costs a shuffle and a few object allocations per query; and records are generated only until
// the transport's budget is spent, since anything past it would be trimmed away anyway.
import dnsPacket from 'dns-packet';
import type { Answer, SrvData } from 'dns-packet';
import type { CheckServiceNode } from '../structs/catalog.js';
import type { Rng } from '../lib/rng.js';
import { randomInt } from '../lib/rng.js';
import { addressRecord, classifyAddress, hexOf, metaRecords, recordsFor, wireSafeName } from './records.js';

/** Consul's CheckServiceNodes.Filter: any critical check drops the instance; only_passing drops warning too. */
export function healthy(n: CheckServiceNode, onlyPassing: boolean): boolean {
  for (const c of n.Checks) {
    if (c.Status === 'critical') return false;
    if (onlyPassing && c.Status !== 'passing') return false;
  }
  return true;
}

/** SRV weight: Weights.Warning when a node or service check warns, else Weights.Passing (default 1). */
export function srvWeight(n: CheckServiceNode): number {
  const w = n.Service.Weights;
  const passing = w ? w.Passing : 1;
  const warning = w ? w.Warning : 1;
  let status = 'passing';
  for (const c of n.Checks) {
    if (c.ServiceName !== '' && c.ServiceName !== n.Service.Service) continue;
    if (c.Status === 'critical' || (c.Status as string) === 'maintenance') return 0;
    if (c.Status === 'warning') status = 'warning';
  }
  return Math.max(0, Math.min(65535, status === 'warning' ? warning : passing));
}

/** service_ttl: exact name, else the longest matching `prefix*`, else `*`, else 0. Seconds. */
export function serviceTtlSeconds(service: string, table: Readonly<Record<string, number>>): number {
  const exact = table[service];
  if (exact !== undefined) return Math.floor(exact / 1000);
  let best: string | null = null;
  for (const k of Object.keys(table)) {
    if (!k.endsWith('*')) continue;
    const prefix = k.slice(0, -1);
    if (service.startsWith(prefix) && (best === null || prefix.length > best.length - 1)) best = k;
  }
  return best === null ? 0 : Math.floor(table[best]! / 1000);
}

export function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  }
  return items;
}

function hasTag(tags: readonly string[] | null, tag: string): boolean {
  if (!tags) return false;
  for (const t of tags) if (t.toLowerCase() === tag) return true;
  return false;
}

/** How much one answer may hold: answers are generated until either limit is passed. */
export interface Budget {
  readonly maxAnswers: number;
  readonly maxBytes: number;
}

export interface SrvEntry {
  readonly data: SrvData;
  readonly extras: readonly Answer[];
  /** Wire bytes of the SRV rdata+header (without owner name) and of the first address extra. */
  readonly bytes: number;
}

export interface AddrEntry {
  readonly type: 'A' | 'AAAA' | 'CNAME';
  readonly data: string;
}

export interface Prepared {
  readonly srv: readonly SrvEntry[];
  readonly addrs: readonly AddrEntry[];
  /** Wire-format pieces for the fast path (fast.ts), built on first use. */
  wire?: unknown;
}

const answerLength = (rr: Answer): number => (dnsPacket as any).answer.encodingLength(rr);

/** Turns the healthy, tag-matching instances into record material (deduplicated like Consul). */
export function prepare(
  nodes: readonly CheckServiceNode[], tag: string, onlyPassing: boolean, dc: string, domain: string, ttl: number, nodeMetaTxt: boolean,
): Prepared {
  const srv: SrvEntry[] = [];
  const addrs: AddrEntry[] = [];
  const seenSrv = new Set<string>();
  const seenAddr = new Set<string>();
  for (const n of nodes) {
    if (tag !== '' && !hasTag(n.Service.Tags, tag)) continue;
    if (!healthy(n, onlyPassing)) continue;
    const nodeAddr = n.Node.Address;
    const svcAddr = n.Service.Address || nodeAddr;
    const a = classifyAddress(svcAddr);
    const rec = recordsFor('x.', svcAddr, 'ANY', ttl)[0] as (Answer & { data: string }) | undefined;
    if (rec) {
      const key = `${rec.type} ${String(rec.data)}`;
      if (!seenAddr.has(key)) {
        seenAddr.add(key);
        addrs.push({ type: rec.type as AddrEntry['type'], data: rec.data as string });
      }
    }
    const tuple = `${n.Node.Node}:${svcAddr}:${n.Service.Port}`;
    if (seenSrv.has(tuple)) continue;
    seenSrv.add(tuple);
    let target: string;
    let extras: Answer[];
    if (a.kind === 'host' && svcAddr !== nodeAddr) {
      // A service on its own hostname: the hostname itself is the target.
      if (!wireSafeName(a.text)) continue;
      target = a.text.endsWith('.') ? a.text : `${a.text}.`;
      extras = [];
    } else if (svcAddr === nodeAddr) {
      target = `${n.Node.Node}.node.${dc}.${domain}`;
      if (!wireSafeName(target)) continue;
      extras = recordsFor(target, nodeAddr, 'ANY', ttl);
      if (nodeMetaTxt) extras.push(...metaRecords(target, n.Node, ttl));
    } else {
      target = `${hexOf((a as { bytes: number[] }).bytes)}.addr.${dc}.${domain}`;
      extras = [addressRecord(target, a, ttl)];
    }
    const data: SrvData = { priority: 1, weight: srvWeight(n), port: n.Service.Port, target };
    const first = extras.find((e) => e.type === 'A' || e.type === 'AAAA' || e.type === 'CNAME');
    const bytes = answerLength({ name: '', type: 'SRV', ttl, data }) + (first ? answerLength(first) : 0);
    srv.push({ data, extras, bytes });
  }
  return { srv, addrs };
}

/** Caches Prepared per (dc, service, tag, domain) for as long as the catalog index stays put. */
export class ServiceMemo {
  private readonly map = new Map<string, { index: number; prepared: Prepared }>();
  constructor(private readonly maxEntries = 1024) {}

  /** The prepared records for `key` if they were made at `index`, else null. */
  peek(key: string, index: number): Prepared | null {
    const hit = this.map.get(key);
    return hit && hit.index === index && index > 0 ? hit.prepared : null;
  }

  get(key: string, index: number, make: () => Prepared): Prepared {
    const hit = this.map.get(key);
    if (hit && hit.index === index && index > 0) return hit.prepared;
    const prepared = make();
    if (this.map.size >= this.maxEntries) this.map.clear();
    this.map.set(key, { index, prepared });
    return prepared;
  }
}

/** SRV answers and their additional records for a shuffled instance list, within the budget. */
export function srvAnswers(name: string, p: Prepared, ttl: number, rng: Rng, budget: Budget): { answers: Answer[]; extras: Answer[] } {
  const order = shuffle(p.srv.slice(), rng);
  const answers: Answer[] = [];
  const extras: Answer[] = [];
  const seenTargets = new Set<string>();
  const nameBytes = Buffer.byteLength(name) + 2;
  let bytes = 12;
  for (const e of order) {
    if (answers.length > budget.maxAnswers || bytes > budget.maxBytes) break;
    answers.push({ name, type: 'SRV', ttl, data: e.data });
    bytes += e.bytes + nameBytes;
    if (!seenTargets.has(e.data.target)) {
      seenTargets.add(e.data.target);
      extras.push(...e.extras);
    }
  }
  return { answers, extras };
}

/** A/AAAA answers (or one CNAME when no instance has an IP) for the question type, within limits. */
export function addressAnswers(name: string, qtype: string, p: Prepared, ttl: number, rng: Rng, aRecordLimit: number, budget: Budget): Answer[] {
  const order = shuffle(p.addrs.slice(), rng);
  const answers: Answer[] = [];
  let cname: Answer | null = null;
  const nameBytes = Buffer.byteLength(name) + 2;
  let bytes = 12;
  for (const e of order) {
    if (e.type === 'CNAME') {
      if (qtype === 'A' || qtype === 'AAAA' || qtype === 'ANY' || qtype === 'CNAME') cname ??= { name, type: 'CNAME', ttl, data: e.data };
      continue;
    }
    if (!(qtype === 'ANY' || qtype === e.type)) continue;
    if (answers.length > budget.maxAnswers || bytes > budget.maxBytes) break;
    answers.push({ name, type: e.type, ttl, data: e.data });
    bytes += nameBytes + (e.type === 'A' ? 14 : 26);
    if (answers.length === aRecordLimit) break;
  }
  if (answers.length === 0 && cname) answers.push(cname);
  return answers;
}
