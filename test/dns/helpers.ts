// Shared fixtures for DNS unit tests: a fake catalog, a default config, query builders.
import dnsPacket from 'dns-packet';
import type { Packet } from 'dns-packet';
import type { CheckServiceNode, Node } from '../../src/structs/catalog.js';
import type { DnsCatalog } from '../../src/dns/backend.js';
import type { ResolverConfig } from '../../src/dns/resolver.js';
import { resolve } from '../../src/dns/resolver.js';
import { seededRng } from '../../src/lib/rng.js';

export function node(name: string, address: string, meta: Record<string, string> = {}): Node {
  return { ID: '', Node: name, Address: address, Datacenter: 'dc1', TaggedAddresses: null, Meta: meta, CreateIndex: 1, ModifyIndex: 1 };
}

export function instance(
  n: Node,
  service: string,
  port: number,
  o: { address?: string; tags?: string[]; checks?: string[]; weights?: { Passing: number; Warning: number } } = {},
): CheckServiceNode {
  return {
    Node: n,
    Service: {
      ID: `${service}-${port}`, Service: service, Tags: o.tags ?? [], Address: o.address ?? '', Meta: {}, Port: port,
      Weights: o.weights ?? { Passing: 1, Warning: 1 }, EnableTagOverride: false, CreateIndex: 1, ModifyIndex: 1,
    },
    Checks: (o.checks ?? ['passing']).map((Status, i) => ({
      Node: n.Node, CheckID: `c${i}`, Name: `c${i}`, Status: Status as any, Notes: '', Output: '', ServiceID: `${service}-${port}`,
      ServiceName: service, ServiceTags: [], Type: 'ttl', Interval: '', Timeout: '', ExposedPort: 0, Definition: {},
      CreateIndex: 1, ModifyIndex: 1,
    })),
  };
}

export function fakeCatalog(instances: CheckServiceNode[], nodes: Node[] = [], opts: { fail?: boolean } = {}): DnsCatalog {
  return {
    async datacenters() {
      return ['dc1', 'dc2'];
    },
    async serviceNodes(service, dc) {
      if (opts.fail) throw new Error('rpc failed');
      return { index: 1, nodes: dc === 'dc1' ? instances.filter((i) => i.Service.Service === service) : [] };
    },
    async node(name, dc) {
      if (opts.fail) throw new Error('rpc failed');
      return dc === 'dc1' ? (nodes.find((n) => n.Node.toLowerCase() === name.toLowerCase()) ?? null) : null;
    },
    async nodesWithServices() {
      return nodes.map((n) => ({
        node: n,
        services: instances.filter((i) => i.Node.Node === n.Node).map((i) => ({ Service: i.Service.Service, Address: i.Service.Address })),
      }));
    },
  };
}

export const baseConfig: ResolverConfig = {
  datacenter: 'dc1',
  domain: 'consul.',
  altDomain: '',
  nodeTtlS: 0,
  serviceTtl: {},
  onlyPassing: false,
  udpAnswerLimit: 3,
  aRecordLimit: 0,
  enableTruncate: false,
  haveRecursors: false,
  nodeMetaTxt: true,
  soa: { expire: 86400, minTtl: 0, refresh: 3600, retry: 600 },
};

export function query(name: string, type: string, o: { edns?: number; id?: number; flags?: number } = {}): Packet {
  const p: Packet = { id: o.id ?? 7, type: 'query', flags: o.flags ?? dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as any }] };
  if (o.edns !== undefined) p.additionals = [{ name: '.', type: 'OPT', udpPayloadSize: o.edns } as any];
  // Round-trip through the wire format so the resolver sees what a socket would give it.
  return dnsPacket.decode(dnsPacket.encode(p));
}

export async function ask(
  catalog: DnsCatalog,
  name: string,
  type: string,
  o: { config?: Partial<ResolverConfig>; transport?: 'udp' | 'tcp'; edns?: number; seed?: number } = {},
) {
  const out = await resolve(query(name, type, { edns: o.edns }), {
    catalog,
    config: { ...baseConfig, ...o.config },
    rng: seededRng(o.seed ?? 1),
    nowMs: 1_700_000_000_000,
    transport: o.transport ?? 'udp',
  });
  if (out.kind !== 'reply') return { kind: out.kind } as const;
  // Round-trip the answer too: it must encode, and tests read the decoded form.
  const p = dnsPacket.decode(dnsPacket.encode(out.packet)) as any;
  return { kind: 'reply' as const, packet: p, rcode: p.rcode as string, answers: p.answers as any[], authorities: p.authorities as any[], additionals: (p.additionals as any[]).filter((a) => a.type !== 'OPT'), flags: p.flags as number };
}
