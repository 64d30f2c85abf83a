// What the DNS server needs from an agent, and the catalog view the resolver reads.
// dns/ never imports agent/: the agent satisfies DnsBackend (it already answers Consul-named RPCs)
// and hands itself in when it starts the server.
import type { CheckServiceNode, Node } from '../structs/catalog.js';
import type { QueryOptions } from '../structs/rpc.js';

/** The agent as the DNS server sees it: Consul-named RPCs answered with `{ value }`. */
export interface DnsBackend {
  rpc(method: 'Health.ServiceNodes' | 'Catalog.NodeServices' | 'Catalog.ListNodes' | 'Catalog.ListDatacenters' | 'Internal.NodeDump', args: any): Promise<any>;
}

/** The settings the DNS server reads; RuntimeConfig satisfies this structurally. */
export interface DnsAgentConfig {
  readonly datacenter: string;
  /** Ends with a dot ("consul."). */
  readonly domain: string;
  /** "" or ends with a dot. */
  readonly altDomain: string;
  readonly clientAddrs: readonly string[];
  readonly ports: { readonly dns: number };
  readonly dns: {
    readonly allowStale: boolean;
    readonly maxStaleMs: number;
    readonly nodeTtlMs: number;
    readonly serviceTtl: Readonly<Record<string, number>>;
    readonly onlyPassing: boolean;
    readonly udpAnswerLimit: number;
    readonly aRecordLimit: number;
    readonly enableTruncate: boolean;
    readonly recursors: readonly string[];
    readonly recursorTimeoutMs: number;
    readonly recursorStrategy: string;
    readonly enableAdditionalNodeMetaTxt: boolean;
    readonly disableCompression: boolean;
    readonly soa: { readonly expire: number; readonly minTtl: number; readonly refresh: number; readonly retry: number };
  };
}

export interface ServiceNodesReply {
  readonly index: number;
  readonly nodes: readonly CheckServiceNode[];
}

/** Catalog reads the resolver makes. Errors thrown here become SERVFAIL. */
export interface DnsCatalog {
  datacenters(): Promise<readonly string[]>;
  /**
   * Every instance of a service (healthy or not) with its node and checks, and the catalog index
   * of that answer (it moves whenever any row in it changes, as for blocking queries).
   */
  serviceNodes(service: string, dc: string): Promise<ServiceNodesReply>;
  /** A node by name (case-insensitive), or null. */
  node(name: string, dc: string): Promise<Node | null>;
  /** Every node, with the addresses of the services on it (for reverse lookups). */
  nodesWithServices(dc: string): Promise<readonly { node: Node; services: readonly { Service: string; Address: string }[] }[]>;
}

/** Adapts an agent's RPCs to the resolver's catalog view (stale reads as dns_config asks). */
export function rpcCatalog(backend: DnsBackend, cfg: Pick<DnsAgentConfig, 'dns'>): DnsCatalog {
  const opts = (dc: string): QueryOptions => ({
    Datacenter: dc,
    AllowStale: cfg.dns.allowStale,
    MaxStaleMs: cfg.dns.maxStaleMs,
  });
  const inflight = new Map<string, Promise<ServiceNodesReply>>();
  return {
    async datacenters() {
      const r = await backend.rpc('Catalog.ListDatacenters', {});
      return Array.isArray(r) ? r : (r?.value ?? []);
    },
    serviceNodes(service, dc) {
      // Concurrent lookups of one service share a single read (no staleness beyond the read itself).
      const key = `${dc}\u0000${service}`;
      let p = inflight.get(key);
      if (!p) {
        p = backend
          .rpc('Health.ServiceNodes', { Options: opts(dc), ServiceName: service })
          .then((r: { meta?: { Index?: number }; value?: CheckServiceNode[] }) => ({ index: r.meta?.Index ?? 0, nodes: r.value ?? [] }));
        inflight.set(key, p);
        const clear = () => inflight.delete(key);
        p.then(clear, clear);
      }
      return p;
    },
    async node(name, dc) {
      const r = await backend.rpc('Catalog.NodeServices', { Options: opts(dc), Node: name });
      return r.value?.Node ?? null;
    },
    async nodesWithServices(dc) {
      const r = await backend.rpc('Internal.NodeDump', { Options: opts(dc) });
      return (r.value ?? []).map((n: Node & { Services: { Service: string; Address: string }[] }) => ({
        node: n,
        services: n.Services ?? [],
      }));
    },
  };
}
