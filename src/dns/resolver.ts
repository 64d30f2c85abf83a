// The DNS resolver core: a decoded request plus catalog reads -> a response packet, or "forward this
// to the recursors". Pure apart from the catalog it is handed: time and randomness come in `env`.
// Behaviour follows Consul's agent/dns.go (see consul-api.md §6).
import type { Answer, Packet, Question } from 'dns-packet';
import type { Rng } from '../lib/rng.js';
import type { DnsCatalog } from './backend.js';
import { matchDomain, parseName } from './names.js';
import {
  RCODE, addressRecord, decodeHexAddr, metaRecords, recordsFor, reverseName, soaRecord, wireSafeName, type SoaSettings,
} from './records.js';
import { addressAnswers, healthy, prepare, serviceTtlSeconds, shuffle, srvAnswers, type Budget, type ServiceMemo } from './service.js';
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
  /** Prepared service records by catalog index; optional (tests may leave it out). */
  readonly memo?: ServiceMemo;
  /** Filled in by resolve(): the client's EDNS0 UDP size, or null. */
  ednsSize?: number | null;
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
  env = { ...env, ednsSize: ednsSize(req) };

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

async function serviceLookup(
  q: Question, domain: string, service: string, tag: string, dcLabel: string | null, env: ResolveEnv, d: Draft,
): Promise<void> {
  const cfg = env.config;
  const dc = await datacenterFor(dcLabel, env);
  if (dc === null) return void (d.rcode = RCODE.NXDOMAIN);
  const reply = await env.catalog.serviceNodes(service, dc);
  const ttl = serviceTtlSeconds(service, cfg.serviceTtl);
  const make = () => prepare(reply.nodes, tag, cfg.onlyPassing, dc, domain, ttl, cfg.nodeMetaTxt);
  const p = env.memo ? env.memo.get(`${dc}|${service}|${tag}|${domain}`, reply.index, make) : make();
  if (p.srv.length === 0) return void (d.rcode = RCODE.NXDOMAIN);
  const budget = budgetFor(q, env);
  if (q.type === 'SRV') {
    const r = srvAnswers(q.name, p, ttl, env.rng, budget);
    d.answers.push(...r.answers);
    d.additionals.push(...r.extras);
  } else {
    d.answers.push(...addressAnswers(q.name, q.type, p, ttl, env.rng, cfg.aRecordLimit, budget));
  }
}

/** What the transport can carry; answers past it are not generated (they would be trimmed). */
function budgetFor(q: Question, env: ResolveEnv): Budget {
  if (env.transport === 'tcp') return { maxAnswers: q.type === 'SRV' ? 1024 : 4096, maxBytes: 65523 };
  const edns = env.ednsSize ?? null;
  const maxBytes = edns !== null && edns > 512 ? Math.min(edns, 65467) : 512;
  return { maxAnswers: maxBytes === 512 ? Math.min(8, env.config.udpAnswerLimit) : Infinity, maxBytes };
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
    (await env.catalog.serviceNodes('consul', cfg.datacenter)).nodes.filter((n) => healthy(n, false)),
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
