// /v1/internal/ui/* — the reads the web UI lists from: services (summarised here from the server's
// dump, as Consul's agent does), nodes, one node, and the catalog overview. All block on ?index=.
import type { AgentApi } from '../backend.js';
import type { Router } from '../router.js';
import { readOptions, required } from './util.js';
import type { QueryReply } from '../../structs/rpc.js';
import type { CheckServiceNode, HealthCheck, Node, NodeService } from '../../structs/catalog.js';
import { compileFilter, schemas, t } from '../../lib/bexpr/index.js';

/** Consul's NodeInfo as the UI endpoints answer it. */
interface NodeInfo {
  ID: string;
  Node: string;
  Address: string;
  TaggedAddresses: Record<string, string> | null;
  Meta: Record<string, string> | null;
  Services: NodeService[];
  Checks: HealthCheck[];
}

/** structs.NodeInfo for ?filter= on /v1/internal/ui/nodes. */
const nodeInfoSchema = t.struct({
  ID: t.string,
  Node: t.string,
  Partition: t.string,
  PeerName: t.string,
  Address: t.string,
  TaggedAddresses: t.map(t.string),
  Meta: t.map(t.string),
  Services: t.slice(schemas.nodeService),
  Checks: t.slice(schemas.healthCheck),
});

export function registerInternalUiRoutes(router: Router, agent: AgentApi): void {
  router.add('/v1/internal/ui/services', ['GET'], async (ctx) => {
    const options = readOptions(ctx, agent);
    // Checked here too so a bad expression is a 400 with go-bexpr's text, whatever the RPC path does with it.
    compileFilter(options.Filter ?? '', schemas.checkServiceNode);
    const reply: QueryReply<CheckServiceNode[]> = await agent.rpc('Internal.ServiceDump', { Options: options });
    ctx.setMeta(reply.meta);
    return ctx.sendJson(summarizeServices(reply.value, agent.httpConfig.datacenter));
  });

  router.add('/v1/internal/ui/nodes', ['GET'], async (ctx) => {
    const options = readOptions(ctx, agent);
    // Internal.NodeDump answers every node; the NodeInfo filter runs here, on the rows we answer with.
    const match = compileFilter(options.Filter ?? '', nodeInfoSchema);
    const reply: QueryReply<Array<Node & { Services: NodeService[]; Checks: HealthCheck[] }>> = await agent.rpc(
      'Internal.NodeDump',
      { Options: { ...options, Filter: undefined } },
    );
    ctx.setMeta(reply.meta);
    return ctx.sendJson(reply.value.map(toNodeInfo).filter((n) => match(n)));
  });

  router.add('/v1/internal/ui/node/', ['GET'], async (ctx) => {
    const node = required(ctx, 'Missing node name');
    const reply: QueryReply<NodeInfo[]> = await agent.rpc('Internal.NodeInfo', {
      Options: readOptions(ctx, agent),
      Node: node,
    });
    ctx.setMeta(reply.meta);
    if (reply.value.length === 0) return ctx.sendEmpty(404);
    return ctx.sendJson(reply.value[0]);
  });

  router.add('/v1/internal/ui/catalog-overview', ['GET'], async (ctx) => {
    const reply: QueryReply<unknown> = await agent.rpc('Internal.CatalogOverview', { Options: readOptions(ctx, agent) });
    ctx.setMeta(reply.meta);
    return ctx.sendJson(reply.value);
  });
}

function toNodeInfo(n: Node & { Services: NodeService[]; Checks: HealthCheck[] }): NodeInfo {
  return {
    ID: n.ID,
    Node: n.Node,
    Address: n.Address,
    TaggedAddresses: n.TaggedAddresses,
    Meta: n.Meta,
    Services: n.Services ?? [],
    Checks: n.Checks ?? [],
  };
}

/** One row of /v1/internal/ui/services (Consul's ServiceListingSummary, OSS fields). */
export interface ServiceListingSummary {
  Kind?: string;
  Name: string;
  Datacenter: string;
  Tags: string[] | null;
  Nodes: string[] | null;
  ExternalSources: string[] | null;
  InstanceCount: number;
  ChecksPassing: number;
  ChecksWarning: number;
  ChecksCritical: number;
  GatewayConfig: Record<string, never>;
  TransparentProxy: boolean;
  ConnectNative: boolean;
  ConnectedWithProxy: boolean;
  ConnectedWithGateway: boolean;
}

interface Building {
  sum: ServiceListingSummary;
  /** Checks by node + check ID, so a node check shared by two instances counts once. */
  checks: Map<string, HealthCheck>;
  transparentSet: boolean;
}

/**
 * Folds service instances into one summary per service name, the way Consul's summarizeServices and
 * prepSummaryOutput do: tags and node names sorted, external sources from Meta["external-source"],
 * check counts over distinct checks, a proxy's checks also counted for the service it fronts.
 */
export function summarizeServices(dump: readonly CheckServiceNode[], datacenter: string): ServiceListingSummary[] {
  const byName = new Map<string, Building>();
  const hasProxy = new Set<string>();
  const get = (name: string): Building => {
    let b = byName.get(name);
    if (!b) {
      b = { sum: emptySummary(name), checks: new Map(), transparentSet: false };
      byName.set(name, b);
    }
    return b;
  };
  for (const row of dump) {
    const svc = row.Service;
    const b = get(svc.Service);
    const s = b.sum;
    (s.Nodes ??= []).push(row.Node.Node);
    s.Kind = svc.Kind || undefined;
    s.Datacenter = row.Node.Datacenter || datacenter;
    s.InstanceCount++;
    s.ConnectNative = Boolean((svc as { Connect?: { Native?: boolean } }).Connect?.Native);
    if (svc.Kind === 'connect-proxy') foldProxy(row, get, hasProxy);
    for (const tag of svc.Tags ?? []) if (!(s.Tags ??= []).includes(tag)) s.Tags.push(tag);
    const source = svc.Meta?.['external-source'];
    if (source && !(s.ExternalSources ??= []).includes(source)) s.ExternalSources.push(source);
    for (const c of row.Checks) b.checks.set(`${row.Node.Node}/${c.CheckID}`, c);
  }
  const out: ServiceListingSummary[] = [];
  for (const [name, b] of byName) {
    const s = b.sum;
    s.Nodes?.sort();
    s.Tags?.sort();
    for (const c of b.checks.values()) {
      if (c.Status === 'passing') s.ChecksPassing++;
      else if (c.Status === 'warning') s.ChecksWarning++;
      else if (c.Status === 'critical') s.ChecksCritical++;
    }
    s.ConnectedWithProxy = hasProxy.has(name);
    out.push(s);
  }
  return out.sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
}

function foldProxy(row: CheckServiceNode, get: (name: string) => Building, hasProxy: Set<string>): void {
  const proxy = (row.Service as { Proxy?: { DestinationServiceName?: string; Mode?: string } }).Proxy ?? {};
  const dest = proxy.DestinationServiceName ?? '';
  hasProxy.add(dest);
  const d = get(dest);
  for (const c of row.Checks) d.checks.set(`${row.Node.Node}/${c.CheckID}`, c);
  // The destination counts as transparent only while every proxy in front of it is.
  if (proxy.Mode === 'transparent' && !d.transparentSet) d.sum.TransparentProxy = true;
  if (proxy.Mode !== 'transparent') d.sum.TransparentProxy = false;
  d.transparentSet = true;
}

function emptySummary(name: string): ServiceListingSummary {
  return {
    Kind: undefined,
    Name: name,
    Datacenter: '',
    Tags: null,
    Nodes: null,
    ExternalSources: null,
    InstanceCount: 0,
    ChecksPassing: 0,
    ChecksWarning: 0,
    ChecksCritical: 0,
    GatewayConfig: {},
    TransparentProxy: false,
    ConnectNative: false,
    ConnectedWithProxy: false,
    ConnectedWithGateway: false,
  };
}
