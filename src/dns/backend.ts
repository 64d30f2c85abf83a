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
  /** The reply a live watch holds for the service, without waiting; null when there is none. */
  peekServiceNodes?(service: string, dc: string): ServiceNodesReply | null;
  /** A node by name (case-insensitive), or null. */
  node(name: string, dc: string): Promise<Node | null>;
  /** Every node, with the addresses of the services on it (for reverse lookups). */
  nodesWithServices(dc: string): Promise<readonly { node: Node; services: readonly { Service: string; Address: string }[] }[]>;
}

const WATCH_WAIT_MS = 30_000;
const WATCH_IDLE_MS = 60_000;
const WATCH_RETRY_MS = 1_000;
/** Most services followed at once; lookups of others read through (a flood of random names stays cheap). */
const MAX_WATCHES = 512;

interface ServiceWatch {
  reply: ServiceNodesReply | null;
  /** True while a blocking query keeps `reply` current. */
  live: boolean;
  lastUsedMs: number;
}

export interface RpcCatalog extends DnsCatalog {
  /** Stops the background watches (the agent is shutting down). */
  close(): void;
}

/**
 * Adapts an agent's RPCs to the resolver's catalog view (stale reads as dns_config asks).
 *
 * Service lookups are kept current by a blocking query per service that DNS has asked about in the
 * last minute (Consul's agent cache for DNS, `use_cache`, works the same way): a hot service costs
 * no RPC per query. The watch wakes in the same event-loop turn as the commit that changes the
 * service (the FSM fires watches synchronously and the rest is promise continuations), so a client
 * that saw its write acknowledged sees it in DNS too. Until a watch is live, and whenever it fails,
 * lookups read through an RPC (concurrent identical reads share one).
 */
export function rpcCatalog(backend: DnsBackend, cfg: Pick<DnsAgentConfig, 'dns'>, nowMs: () => number = Date.now): RpcCatalog {
  const opts = (dc: string): QueryOptions => ({
    Datacenter: dc,
    AllowStale: cfg.dns.allowStale,
    MaxStaleMs: cfg.dns.maxStaleMs,
  });
  const inflight = new Map<string, Promise<ServiceNodesReply>>();
  const watches = new Map<string, ServiceWatch>();
  let closed = false;

  const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

  const read = (service: string, dc: string, extra: Partial<QueryOptions> = {}): Promise<ServiceNodesReply> =>
    backend
      .rpc('Health.ServiceNodes', { Options: { ...opts(dc), ...extra }, ServiceName: service })
      .then((r: { meta?: { Index?: number }; value?: CheckServiceNode[] }) => ({ index: r.meta?.Index ?? 0, nodes: r.value ?? [] }));

  async function follow(key: string, service: string, dc: string, w: ServiceWatch): Promise<void> {
    while (!closed && nowMs() - w.lastUsedMs < WATCH_IDLE_MS) {
      const index = w.reply?.index ?? 0;
      // The parked query below answers as soon as anything in the reply changes: until it does,
      // the reply we hold is current.
      w.live = w.reply !== null && index > 0;
      try {
        const r = await read(service, dc, { MinQueryIndex: index, MaxQueryTimeMs: WATCH_WAIT_MS });
        w.reply = r;
        w.live = r.index > 0;
        // An unchanged index means the wait timed out or the server is stopping: never spin.
        if (r.index === index) await pause(50);
      } catch {
        w.live = false;
        await pause(WATCH_RETRY_MS);
      }
    }
    w.live = false;
    watches.delete(key);
  }

  return {
    close() {
      closed = true;
    },
    peekServiceNodes(service, dc) {
      const w = watches.get(`${dc}\u0000${service}`);
      if (!w || !w.live || !w.reply) return null;
      w.lastUsedMs = nowMs();
      return w.reply;
    },
    async datacenters() {
      const r = await backend.rpc('Catalog.ListDatacenters', {});
      return Array.isArray(r) ? r : (r?.value ?? []);
    },
    serviceNodes(service, dc) {
      const key = `${dc}\u0000${service}`;
      let w = watches.get(key);
      if (w) {
        w.lastUsedMs = nowMs();
        if (w.live && w.reply) return Promise.resolve(w.reply);
      }
      let p = inflight.get(key);
      if (!p) {
        p = read(service, dc);
        inflight.set(key, p);
        const clear = () => inflight.delete(key);
        p.then(clear, clear);
        if (!w && !closed && watches.size < MAX_WATCHES) {
          const nw: ServiceWatch = { reply: null, live: false, lastUsedMs: nowMs() };
          watches.set(key, nw);
          w = nw;
          p.then((r) => {
            nw.reply = r;
            void follow(key, service, dc, nw);
          }, () => watches.delete(key));
        }
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
