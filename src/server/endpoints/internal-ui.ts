// Internal.* reads behind the web UI's /v1/internal/ui/* endpoints. Like Consul, the server hands out
// dumps (every instance with its node and checks) and the HTTP side summarises them; only the catalog
// overview is summarised here, since its counts are all a caller wants.
import type { RpcMethods } from '../../structs/requests.js';
import type { CheckServiceNode, CheckStatus, HealthCheck, Node, NodeService } from '../../structs/catalog.js';
import { filterRows } from '../filter.js';
import type { Server } from '../server.js';

/** Consul's NodeInfo: a node with its services and checks (no Datacenter or raft indexes). */
export interface NodeInfo {
  ID: string;
  Node: string;
  Address: string;
  TaggedAddresses: Record<string, string> | null;
  Meta: Record<string, string> | null;
  Services: NodeService[];
  Checks: HealthCheck[];
}

/** Consul's structs.HealthSummary (OSS: no Namespace/Partition). */
export interface HealthSummary {
  Name?: string;
  Total: number;
  Passing: number;
  Warning: number;
  Critical: number;
}

/** Consul's structs.CatalogSummary; Go leaves an empty list as null. */
export interface CatalogSummary {
  Nodes: HealthSummary[] | null;
  Services: HealthSummary[] | null;
  Checks: HealthSummary[] | null;
}

export function toNodeInfo(n: Node, services: NodeService[], checks: HealthCheck[]): NodeInfo {
  return {
    ID: n.ID,
    Node: n.Node,
    Address: n.Address,
    TaggedAddresses: n.TaggedAddresses,
    Meta: n.Meta,
    Services: services,
    Checks: checks,
  };
}

/** Every service instance with its node and checks (node-level checks included), filtered by ?filter=. */
export function serviceDump(srv: Server, args: RpcMethods['Internal.ServiceDump']) {
  const o = args.Options;
  return srv.read(o, (store, ws) => {
    const [idx, names] = store.services(ws);
    let max = idx;
    const rows: CheckServiceNode[] = [];
    for (const name of Object.keys(names).sort()) {
      const [i, found] = store.checkServiceNodes(ws, name);
      max = Math.max(max, i);
      rows.push(...found);
    }
    return [max, filterRows(rows, o.Filter, 'checkServiceNode')];
  });
}

/** One node as NodeInfo; an unknown node answers an empty list (the route turns it into 404). */
export function nodeInfo(srv: Server, args: RpcMethods['Internal.NodeInfo']) {
  return srv.read(args.Options, (store, ws) => {
    const [i1, found] = store.nodeServices(ws, args.Node);
    const [i2, checks] = store.nodeChecks(ws, args.Node);
    const max = Math.max(i1, i2);
    if (!found) return [max, [] as NodeInfo[]];
    return [max, [toNodeInfo(found.Node, found.Services, checks)]];
  });
}

/**
 * Health totals: a node counts by its worst node-level check, a service instance by its worst
 * service-level check, and each distinct check name by every status it has (Consul's
 * getCatalogOverview). Consul computes this on a timer; computing it per request also makes it
 * block like any other read.
 */
export function catalogOverview(srv: Server, args: RpcMethods['Internal.CatalogOverview']) {
  return srv.read(args.Options, (store, ws) => {
    const [idx, nodes] = store.nodes(ws);
    let max = idx;
    const nodeTotal = emptySummary();
    const services = new Map<string, HealthSummary>();
    const checks = new Map<string, HealthSummary>();
    for (const n of nodes) {
      const [i1, found] = store.nodeServices(ws, n.Node);
      const [i2, nodeChecks] = store.nodeChecks(ws, n.Node);
      max = Math.max(max, i1, i2);
      for (const c of nodeChecks) add(summaryFor(checks, c.Name), c.Status);
      add(nodeTotal, worst(nodeChecks.filter((c) => c.ServiceID === '')));
      for (const s of found?.Services ?? []) {
        const own = nodeChecks.filter((c) => c.ServiceID === s.ID);
        add(summaryFor(services, s.Service), worst(own));
      }
    }
    const sorted = (m: Map<string, HealthSummary>) =>
      m.size === 0 ? null : [...m.values()].sort((a, b) => (a.Name! < b.Name! ? -1 : a.Name! > b.Name! ? 1 : 0));
    const out: CatalogSummary = {
      Nodes: nodes.length === 0 ? null : [nodeTotal],
      Services: sorted(services),
      Checks: sorted(checks),
    };
    return [max, out];
  });
}

function emptySummary(name?: string): HealthSummary {
  return name === undefined
    ? { Total: 0, Passing: 0, Warning: 0, Critical: 0 }
    : { Name: name, Total: 0, Passing: 0, Warning: 0, Critical: 0 };
}

function summaryFor(m: Map<string, HealthSummary>, name: string): HealthSummary {
  let s = m.get(name);
  if (!s) {
    s = emptySummary(name);
    m.set(name, s);
  }
  return s;
}

function add(s: HealthSummary, status: string): void {
  s.Total++;
  if (status === 'passing') s.Passing++;
  else if (status === 'warning') s.Warning++;
  else if (status === 'critical') s.Critical++;
}

/** The unhealthiest status among checks; no checks counts as passing. */
export function worst(checks: readonly HealthCheck[]): CheckStatus {
  let status: CheckStatus = 'passing';
  for (const c of checks) {
    if (c.Status === 'critical') return 'critical';
    if (c.Status === 'warning') status = 'warning';
  }
  return status;
}
