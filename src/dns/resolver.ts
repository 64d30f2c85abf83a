// The DNS resolver core: a decoded request plus catalog reads -> a response packet, or "forward this
// to the recursors". Pure apart from the catalog it is handed: time and randomness come in `env`.
// Behaviour follows Consul's agent/dns.go (see consul-api.md §6).
import type { Answer, Packet, Question } from 'dns-packet';
import type { CheckServiceNode, Node } from '../structs/catalog.js';
import type { Rng } from '../lib/rng.js';
import { randomInt } from '../lib/rng.js';
import type { DnsCatalog } from './backend.js';
import { matchDomain, parseName } from './names.js';
import {
  RCODE, addressRecord, classifyAddress, decodeHexAddr, hexOf, metaTxt, reverseName, soaRecord, txtStrings, wireSafeName,
  type SoaSettings,
} from './records.js';
import { ednsSize, trimTcp, trimUdp } from './truncate.js';

/** Resolver settings, derived once from the agent's config (see resolverConfig in server.ts). */
export interface ResolverConfig {
  readonly datacenter: string;
  /** Lower case with a trailing dot. */
  readonly domain: string;
  /** "" or lower case with a trailing dot. */
  readonly altDomain: string;
  readonly nodeTtlS: number;
  /** Service name, `prefix*` or `*` -> TTL in ms. */
  readonly serviceTtl: Readonly<Record<string, number>>;
  readonly onlyPassing: boolean;
  readonly udpAnswerLimit: number;
  readonly aRecordLimit: number;
  readonly enableTruncate: boolean;
  readonly haveRecursors: boolean;
  readonly nodeMetaTxt: boolean;
  readonly soa: SoaSettings;
}

export interface ResolveEnv {
  readonly catalog: DnsCatalog;
  readonly config: ResolverConfig;
  readonly rng: Rng;
  readonly nowMs: number;
  readonly transport: 'udp' | 'tcp';
}

/** `reply`: send this packet. `recurse`: forward the request to the recursors. `drop`: say nothing. */
export type Outcome = { kind: 'reply'; packet: Packet } | { kind: 'recurse' } | { kind: 'drop' };

const OPCODE_QUERY = 0;
const AA = 1 << 10;
const TC = 1 << 9;
const RD = 1 << 8;
const RA = 1 << 7;

interface Draft {
  rcode: number;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
  authoritative: boolean;
}

const draft = (): Draft => ({ rcode: RCODE.NOERROR, answers: [], authorities: [], additionals: [], authoritative: true });

/** A reply with no question-derived content (FORMERR/NOTIMP/SERVFAIL/REFUSED). */
export function bareReply(req: Packet, rcode: number, cfg: Pick<ResolverConfig, 'haveRecursors'>, withQuestion = true): Packet {
  const opcode = ((req.flags ?? 0) >> 11) & 0xf;
  return {
    id: req.id ?? 0,
    type: 'response',
    flags: (opcode << 11) | ((req.flags ?? 0) & RD) | (cfg.haveRecursors ? RA : 0) | rcode,
    questions: withQuestion ? (req.questions ?? []).slice(0, 1) : [],
    answers: [],
    authorities: [],
    additionals: optFor(req),
  };
}

function optFor(req: Packet): Answer[] {
  const size = ednsSize(req);
  if (size === null) return [];
  // Echo the client's subnet option with scope 0: our answers are the same for every client.
  const options: any[] = [];
  for (const rr of req.additionals ?? []) {
    if (rr.type !== 'OPT') continue;
    for (const o of rr.options ?? []) {
      if ((o as any).code === 8 && typeof (o as any).ip === 'string') {
        options.push({ code: 'CLIENT_SUBNET', family: (o as any).family, sourcePrefixLength: (o as any).sourcePrefixLength, scopePrefixLength: 0, ip: (o as any).ip });
      }
    }
  }
  return [{ name: '.', type: 'OPT', udpPayloadSize: size, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options } as Answer];
}

export async function resolve(req: Packet, env: ResolveEnv): Promise<Outcome> {
  const cfg = env.config;
  if (req.type === 'response') return { kind: 'drop' };
  const opcode = ((req.flags ?? 0) >> 11) & 0xf;
  if (opcode !== OPCODE_QUERY) return { kind: 'reply', packet: bareReply(req, RCODE.NOTIMP, cfg) };
  const questions = req.questions ?? [];
  if (questions.length !== 1) return { kind: 'reply', packet: bareReply(req, RCODE.FORMERR, cfg, false) };
  const q = questions[0]!;
  if (!wireSafeName(q.name)) return { kind: 'reply', packet: bareReply(req, RCODE.FORMERR, cfg, false) };
  const lname = `${q.name.toLowerCase().replace(/\.$/, '')}.`;

  let d: Draft;
  if (lname === 'arpa.' || lname.endsWith('.arpa.')) {
    const found = await reverseLookup(q, lname, env);
    if (!found) return cfg.haveRecursors ? { kind: 'recurse' } : { kind: 'reply', packet: bareReply(req, RCODE.SERVFAIL, cfg) };
    d = found;
  } else {
    const domain = matchDomain(lname, [cfg.domain, cfg.altDomain]);
    if (domain === null) return cfg.haveRecursors ? { kind: 'recurse' } : { kind: 'reply', packet: bareReply(req, RCODE.REFUSED, cfg) };
    d = await domainQuery(q, lname, domain, env);
  }
  return { kind: 'reply', packet: finish(req, d, env) };
}

function finish(req: Packet, d: Draft, env: ResolveEnv): Packet {
  const cfg = env.config;
  const resp: Packet = {
    id: req.id ?? 0,
    type: 'response',
    flags: 0,
    questions: [req.questions![0]!],
    answers: d.answers,
    authorities: d.authorities,
    additionals: [...d.additionals, ...optFor(req)],
  };
  let truncated = false;
  if (env.transport === 'udp') truncated = trimUdp(req, resp, cfg.udpAnswerLimit);
  else trimTcp(req, resp);
  resp.flags =
    (d.authoritative ? AA : 0) |
    ((req.flags ?? 0) & RD) |
    (cfg.haveRecursors ? RA : 0) |
    (truncated && cfg.enableTruncate ? TC : 0) |
    d.rcode;
  return resp;
}

async function domainQuery(q: Question, lname: string, domain: string, env: ResolveEnv): Promise<Draft> {
  const cfg = env.config;
  const d = draft();
  // Consul answers SOA and NS for any name inside the domain with the domain's own records.
  if (q.type === 'SOA' || q.type === 'NS') {
    try {
      const [ns, glue] = await nameservers(domain, env);
      if (q.type === 'SOA') {
        d.answers.push(soaRecord(domain, cfg.soa, env.nowMs));
        d.authorities.push(...ns);
      } else {
        d.answers.push(...ns);
      }
      d.additionals.push(...glue);
    } catch {
      d.rcode = RCODE.SERVFAIL;
    }
    return d;
  }
  if (q.type === 'AXFR' || q.type === 'IXFR') {
    d.rcode = RCODE.NOTIMP;
    return d;
  }
  const parsed = parseName(lname, domain, q.type === 'SRV');
  try {
    switch (parsed.kind) {
      case 'service':
        await serviceLookup(q, domain, parsed.service, parsed.tag, parsed.dc, env, d);
        break;
      case 'node':
        await nodeLookup(q, domain, parsed.node, parsed.dc, env, d);
        break;
      case 'addr':
        addrLookup(q, parsed.hex, env, d);
        break;
      default:
        // Invalid names, prepared queries (not in Conclave yet) and connect/ingress/virtual forms.
        d.rcode = RCODE.NXDOMAIN;
    }
  } catch {
    return { ...draft(), rcode: RCODE.SERVFAIL };
  }
  if (d.rcode === RCODE.NXDOMAIN || (d.rcode === RCODE.NOERROR && d.answers.length === 0)) {
    d.authorities.push(soaRecord(domain, cfg.soa, env.nowMs));
  }
  return d;
}

/** Resolves the datacenter label; null when it names a datacenter we do not know. */
async function datacenterFor(dc: string | null, env: ResolveEnv): Promise<string | null> {
  if (dc === null || dc === env.config.datacenter) return env.config.datacenter;
  const known = await env.catalog.datacenters();
  return known.includes(dc) ? dc : null;
}

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

function shuffle<T>(items: T[], rng: Rng): T[] {
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

/** A/AAAA (or CNAME for a hostname) for an address, if the question's type asks for it. */
function recordsFor(name: string, addr: string, qtype: string, ttl: number): Answer[] {
  const a = classifyAddress(addr);
  if (a.kind === 'v4' && (qtype === 'A' || qtype === 'ANY')) return [addressRecord(name, a, ttl)];
  if (a.kind === 'v6' && (qtype === 'AAAA' || qtype === 'ANY')) return [addressRecord(name, a, ttl)];
  if (a.kind === 'host' && wireSafeName(a.text) && (qtype === 'A' || qtype === 'AAAA' || qtype === 'ANY' || qtype === 'CNAME')) {
    return [addressRecord(name, a, ttl)];
  }
  return [];
}

function metaRecords(name: string, node: Node, ttl: number): Answer[] {
  const meta = node.Meta ?? {};
  return Object.keys(meta)
    .sort()
    .map((k) => ({ name, type: 'TXT', ttl, data: txtStrings(metaTxt(k, meta[k]!)) }) as Answer);
}

async function serviceLookup(
  q: Question, domain: string, service: string, tag: string, dcLabel: string | null, env: ResolveEnv, d: Draft,
): Promise<void> {
  const cfg = env.config;
  const dc = await datacenterFor(dcLabel, env);
  if (dc === null) return void (d.rcode = RCODE.NXDOMAIN);
  const all = await env.catalog.serviceNodes(service, dc);
  const nodes: CheckServiceNode[] = [];
  for (const n of all) if ((tag === '' || hasTag(n.Service.Tags, tag)) && healthy(n, cfg.onlyPassing)) nodes.push(n);
  if (nodes.length === 0) return void (d.rcode = RCODE.NXDOMAIN);
  shuffle(nodes, env.rng);
  const ttl = serviceTtlSeconds(service, cfg.serviceTtl);
  if (q.type === 'SRV') serviceSrv(q, domain, dc, nodes, ttl, env, d);
  else serviceAddrs(q, nodes, ttl, cfg.aRecordLimit, d);
}

function serviceAddrs(q: Question, nodes: readonly CheckServiceNode[], ttl: number, limit: number, d: Draft): void {
  const seen = new Set<string>();
  let cname: Answer[] | null = null;
  let count = 0;
  for (const n of nodes) {
    const recs = recordsFor(q.name, n.Service.Address || n.Node.Address, q.type, ttl);
    if (recs.length === 0) continue;
    const key = `${recs[0]!.type} ${String((recs[0] as any).data)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (recs[0]!.type === 'CNAME') {
      // Only answered with a CNAME when no instance has an IP address.
      cname ??= recs;
      continue;
    }
    d.answers.push(...recs);
    if (++count === limit) return;
  }
  if (d.answers.length === 0 && cname) d.answers.push(...cname);
}

function serviceSrv(q: Question, domain: string, dc: string, nodes: readonly CheckServiceNode[], ttl: number, env: ResolveEnv, d: Draft): void {
  const seen = new Set<string>();
  const extraSeen = new Set<string>();
  for (const n of nodes) {
    const nodeAddr = n.Node.Address;
    const svcAddr = n.Service.Address || nodeAddr;
    const tuple = `${n.Node.Node}:${svcAddr}:${n.Service.Port}`;
    if (seen.has(tuple)) continue;
    seen.add(tuple);
    let target: string;
    let extra: Answer[];
    const a = classifyAddress(svcAddr);
    if (svcAddr === nodeAddr || a.kind === 'host') {
      if (a.kind === 'host' && svcAddr !== nodeAddr) {
        // A service on its own hostname: the hostname is the target.
        if (!wireSafeName(a.text)) continue;
        target = a.text.endsWith('.') ? a.text : `${a.text}.`;
        extra = [];
      } else {
        target = `${n.Node.Node}.node.${dc}.${domain}`;
        if (!wireSafeName(target)) continue;
        extra = recordsFor(target, nodeAddr, 'ANY', ttl);
        if (env.config.nodeMetaTxt) extra.push(...metaRecords(target, n.Node, ttl));
      }
    } else {
      target = `${hexOf(a.bytes)}.addr.${dc}.${domain}`;
      extra = [addressRecord(target, a, ttl)];
    }
    d.answers.push({
      name: q.name,
      type: 'SRV',
      ttl,
      data: { priority: 1, weight: srvWeight(n), port: n.Service.Port, target },
    });
    if (!extraSeen.has(target)) {
      extraSeen.add(target);
      d.additionals.push(...extra);
    }
  }
}

async function nodeLookup(q: Question, domain: string, name: string, dcLabel: string | null, env: ResolveEnv, d: Draft): Promise<void> {
  const cfg = env.config;
  const dc = await datacenterFor(dcLabel, env);
  if (dc === null) return void (d.rcode = RCODE.NXDOMAIN);
  const node = await env.catalog.node(name, dc);
  if (!node) return void (d.rcode = RCODE.NXDOMAIN);
  const ttl = cfg.nodeTtlS;
  d.answers.push(...recordsFor(q.name, node.Address, q.type, ttl));
  if ((q.type as string) === 'ANY' || q.type === 'TXT') d.answers.push(...metaRecords(q.name, node, ttl));
  else if (cfg.nodeMetaTxt) d.additionals.push(...metaRecords(q.name, node, ttl));
  void domain;
}

function addrLookup(q: Question, hex: string, env: ResolveEnv, d: Draft): void {
  const a = decodeHexAddr(hex);
  if (!a) return void (d.rcode = RCODE.NXDOMAIN);
  const rr = addressRecord(q.name, a, env.config.nodeTtlS);
  const wanted = (q.type as string) === 'ANY' || (a.kind === 'v4' ? q.type === 'A' : q.type === 'AAAA');
  (wanted ? d.answers : d.additionals).push(rr);
}

/** NS records for up to three healthy servers (the `consul` service), with A/AAAA glue. */
async function nameservers(domain: string, env: ResolveEnv): Promise<[Answer[], Answer[]]> {
  const cfg = env.config;
  const servers = shuffle(
    (await env.catalog.serviceNodes('consul', cfg.datacenter)).filter((n) => healthy(n, false)),
    env.rng,
  );
  const ns: Answer[] = [];
  const glue: Answer[] = [];
  for (const s of servers) {
    const fqdn = `${s.Node.Node}.node.${s.Node.Datacenter || cfg.datacenter}.${domain}`.toLowerCase();
    if (!/^[a-z0-9_.-]+$/.test(fqdn) || !wireSafeName(fqdn)) continue;
    ns.push({ name: domain, type: 'NS', ttl: cfg.nodeTtlS, data: fqdn });
    glue.push(...recordsFor(fqdn, s.Node.Address, 'ANY', cfg.nodeTtlS));
    if (ns.length >= 3) break;
  }
  return [ns, glue];
}

/** PTR for a node address, else for a service address; null when nothing here matches. */
async function reverseLookup(q: Question, lname: string, env: ResolveEnv): Promise<Draft | null> {
  const cfg = env.config;
  const d = draft();
  let rows;
  try {
    rows = await env.catalog.nodesWithServices(cfg.datacenter);
  } catch {
    return null;
  }
  for (const { node } of rows) {
    if (reverseName(node.Address) === lname) {
      const target = `${node.Node}.node.${cfg.datacenter}.${cfg.domain}`;
      if (!wireSafeName(target)) continue;
      d.answers.push({ name: q.name, type: 'PTR', ttl: 0, data: target });
      return d;
    }
  }
  for (const { services } of rows) {
    for (const s of services) {
      if (s.Address && reverseName(s.Address) === lname) {
        const target = `${s.Service}.service.${cfg.domain}`;
        if (!wireSafeName(target)) continue;
        d.answers.push({ name: q.name, type: 'PTR', ttl: 0, data: target });
        return d;
      }
    }
  }
  return null;
}
