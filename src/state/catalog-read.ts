// Catalog and health reads. Each returns [index, result] where index is what Consul reports as
// X-Consul-Index for the matching endpoint, and adds to `ws` the watch keys that a write
// affecting the answer will touch (see catalog.ts for which write touches what).
import {
  type CheckServiceNode,
  type HealthCheck,
  type Node,
  type NodeService,
  type ServiceNode,
  toServiceNode,
} from '../structs/index.js';
import { type Db, type ServiceRow, lc, members, pairKey } from './db.js';
import { hasAllTags, satisfiesMeta } from './catalog-rules.js';
import type { WatchSet } from './watch.js';

export type NodeMetaFilter = Record<string, string> | undefined;

function hasFilters(f: NodeMetaFilter): f is Record<string, string> {
  return !!f && Object.keys(f).length > 0;
}

function rowsByKeys<V>(table: { get(k: string): V | undefined }, keys: string[]): V[] {
  keys.sort();
  const out: V[] = [];
  for (const k of keys) {
    const v = table.get(k);
    if (v !== undefined) out.push(v);
  }
  return out;
}

/** The node a row belongs to (rows of a live node always have one). */
function nodeOf(db: Db, name: string): Node | undefined {
  return db.nodes.get(lc(name));
}

/** Watches one node per result, falling back to the nodes table past the watch cap. */
function watchNodes(db: Db, ws: WatchSet | null, names: Iterable<string>): void {
  if (!ws) return;
  for (const n of names) db.watch(ws, `node:${lc(n)}`, 'nodes');
}

export function nodes(db: Db, ws: WatchSet | null, nodeMeta?: NodeMetaFilter): [number, Node[]] {
  db.watch(ws, 't:nodes', 'nodes');
  const out: Node[] = [];
  for (const n of db.nodes.values()) if (satisfiesMeta(n.Meta, nodeMeta)) out.push(n);
  return [db.index('nodes'), out];
}

export function getNode(db: Db, ws: WatchSet | null, name: string): [number, Node | null] {
  db.watch(ws, `node:${lc(name)}`, 'nodes');
  return [db.index('nodes'), db.nodes.get(lc(name)) ?? null];
}

export function services(db: Db, ws: WatchSet | null, nodeMeta?: NodeMetaFilter): [number, Record<string, string[]>] {
  db.watch(ws, 't:services', 'services');
  const filtered = hasFilters(nodeMeta);
  if (filtered) db.watch(ws, 't:nodes', 'nodes');
  const tags = new Map<string, Set<string>>();
  for (const row of db.services.values()) {
    if (filtered && !satisfiesMeta(nodeOf(db, row.Node)?.Meta, nodeMeta)) continue;
    let set = tags.get(row.Service.Service);
    if (!set) {
      set = new Set();
      tags.set(row.Service.Service, set);
    }
    for (const t of row.Service.Tags ?? []) set.add(t);
  }
  const out: Record<string, string[]> = {};
  for (const name of [...tags.keys()].sort()) out[name] = [...tags.get(name)!].sort();
  const idx = filtered ? db.maxIndex('services', 'nodes') : db.index('services');
  return [idx, out];
}

/**
 * maxIndexForService: the service's own index when it exists; for a missing service the last
 * extinction (so the answer never goes backwards), else the catalog tables' index.
 */
function serviceIndex(db: Db, name: string, exists: boolean, withChecks: boolean): number {
  const ext = db.indexes.get('service_last_extinction');
  if (!exists && ext !== undefined) return ext;
  const own = db.indexes.get(`service.${lc(name)}`);
  if (own !== undefined) return own;
  return withChecks ? db.maxIndex('checks', 'services', 'nodes') : db.maxIndex('services', 'nodes');
}

/** Instances of `service`, ordered like memdb's service index (node, then service ID). */
function instances(db: Db, ws: WatchSet | null, service: string): ServiceRow[] {
  db.watch(ws, `svcname:${lc(service)}`, 'services');
  // Past the watch cap this falls back to 't:idx', which every index change touches.
  db.watch(ws, `idx:service.${lc(service)}`, 'idx');
  return rowsByKeys(db.services, members(db.servicesByName, lc(service)));
}

export interface ServiceQuery {
  tags?: string[];
  nodeMeta?: NodeMetaFilter;
}

export function serviceNodes(db: Db, ws: WatchSet | null, service: string, q: ServiceQuery = {}): [number, ServiceNode[]] {
  const rows = instances(db, ws, service);
  const out: ServiceNode[] = [];
  for (const row of rows) {
    const node = nodeOf(db, row.Node);
    if (!node) continue;
    if (!hasAllTags(row.Service.Tags, q.tags) || !satisfiesMeta(node.Meta, q.nodeMeta)) continue;
    out.push(toServiceNode(node, row.Service));
  }
  return [serviceIndex(db, service, rows.length > 0, false), out];
}

export function checkServiceNodes(
  db: Db,
  ws: WatchSet | null,
  service: string,
  q: ServiceQuery = {},
): [number, CheckServiceNode[]] {
  const rows = instances(db, ws, service);
  const out: CheckServiceNode[] = [];
  for (const row of rows) {
    const node = nodeOf(db, row.Node);
    if (!node) continue;
    if (!hasAllTags(row.Service.Tags, q.tags) || !satisfiesMeta(node.Meta, q.nodeMeta)) continue;
    const nodeChecks = rowsByKeys(db.checks, members(db.checksByNodeService, pairKey(row.Node, '')));
    const svcChecks = rowsByKeys(db.checks, members(db.checksByNodeService, pairKey(row.Node, row.Service.ID)));
    out.push({ Node: node, Service: row.Service, Checks: [...nodeChecks, ...svcChecks] });
  }
  return [serviceIndex(db, service, rows.length > 0, true), out];
}

export function nodeServices(
  db: Db,
  ws: WatchSet | null,
  nodeName: string,
): [number, { Node: Node; Services: NodeService[] } | null] {
  const key = lc(nodeName);
  db.watch(ws, `node:${key}`, 'nodes');
  db.watch(ws, `nodesvcs:${key}`, 'services');
  const node = db.nodes.get(key);
  if (!node) return [db.index('node_last_extinction'), null];
  const rows = rowsByKeys(db.services, members(db.servicesByNode, key));
  return [db.index(`node.${key}`), { Node: node, Services: rows.map((r) => r.Service) }];
}

export function nodeService(db: Db, nodeName: string, serviceId: string): NodeService | null {
  return db.services.get(pairKey(nodeName, serviceId))?.Service ?? null;
}

export function nodeChecks(db: Db, ws: WatchSet | null, nodeName: string): [number, HealthCheck[]] {
  db.watch(ws, `nodechecks:${lc(nodeName)}`, 'checks');
  return [db.index('checks'), rowsByKeys(db.checks, members(db.checksByNode, lc(nodeName)))];
}

function filterByNodeMeta(db: Db, ws: WatchSet | null, checks: HealthCheck[], nodeMeta: NodeMetaFilter): HealthCheck[] {
  if (!hasFilters(nodeMeta)) return checks;
  watchNodes(db, ws, checks.map((c) => c.Node));
  return checks.filter((c) => satisfiesMeta(nodeOf(db, c.Node)?.Meta, nodeMeta));
}

export function serviceChecks(
  db: Db,
  ws: WatchSet | null,
  service: string,
  nodeMeta?: NodeMetaFilter,
): [number, HealthCheck[]] {
  db.watch(ws, `svcchecks:${lc(service)}`, 'checks');
  const checks = rowsByKeys(db.checks, members(db.checksByServiceName, lc(service)));
  const idx = hasFilters(nodeMeta) ? db.maxIndex('checks', 'nodes') : db.index('checks');
  return [idx, filterByNodeMeta(db, ws, checks, nodeMeta)];
}

export function checksInState(
  db: Db,
  ws: WatchSet | null,
  state: 'any' | 'passing' | 'warning' | 'critical',
  nodeMeta?: NodeMetaFilter,
): [number, HealthCheck[]] {
  db.watch(ws, state === 'any' ? 't:checks' : `chkstate:${state}`, 'checks');
  const checks: HealthCheck[] = [];
  for (const hc of db.checks.values()) if (state === 'any' || hc.Status === state) checks.push(hc);
  return [db.index('checks'), filterByNodeMeta(db, ws, checks, nodeMeta)];
}
