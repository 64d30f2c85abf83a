// Catalog writes: nodes, services and checks, with Consul's index bookkeeping
// (state/catalog.go + catalog_ce.go):
//
//   index 'nodes' / 'services' / 'checks'  table max indexes
//   'node.<name>'                          bumped when the node or its services change (nodeServices)
//   'service.<name>'                       bumped by any change that alters health/service <name>:
//                                          an instance, its checks, its node, its node's checks;
//                                          dropped when the last instance goes
//   'service_last_extinction'              raised when a service name loses its last instance,
//                                          so a query for a missing service never goes backwards
//   'node_last_extinction'                 same for nodes
//
// Checks that turn critical, and deleted nodes/services/checks, invalidate dependent sessions.
import type { HealthCheck, Node, NodeService, RegisterRequest } from '../structs/index.js';
import { type ServiceRow, type Tx, goQuote, lc, members, pairKey } from './db.js';
import {
  changesNode,
  nodeFromRequest,
  normalizeCheck,
  normalizeNode,
  normalizeService,
  prepareRegistration,
  sameCheck,
  sameNode,
  sameService,
  stateError,
} from './catalog-rules.js';
import { invalidateCheckSessions, invalidateNodeSessions } from './sessions.js';

const ERR_MISSING_NODE = 'Missing node registration';
const ERR_MISSING_SERVICE = 'Missing service registration';

/** ensureRegistrationTxn: node, then service, then checks, all in the caller's transaction. */
export function ensureRegistrationTx(tx: Tx, input: RegisterRequest): void {
  const db = tx.db;
  const { req, service, checks } = prepareRegistration(input, (node, id) => db.services.has(pairKey(node, id)));
  const existing = db.nodes.get(lc(req.Node));
  if (!existing || changesNode(req, existing)) {
    ensureNodeTx(tx, nodeFromRequest(req));
  }
  if (service) {
    const row = db.services.get(pairKey(req.Node, service.ID));
    if (!row || !sameService(row.Service, service)) {
      ensureServiceTx(tx, req.Node, service);
    }
  }
  for (const check of checks) ensureCheckTx(tx, check);
}

function nodeSerfHealthy(tx: Tx, node: Node): boolean {
  const serf = tx.db.checks.get(pairKey(node.Node, 'serfHealth'));
  return serf ? serf.Status !== 'critical' : false;
}

/** ensureNoNodeWithSimilarNameTxn: a healthy node with the same name but another ID reserves it. */
function ensureNoNodeWithSimilarName(tx: Tx, node: Node, allowClashWithoutId: boolean): string | null {
  const other = tx.db.nodes.get(lc(node.Node));
  if (!other || other.ID === node.ID) return null;
  if (!(other.ID === '' && allowClashWithoutId) && nodeSerfHealthy(tx, other)) {
    return `Node name ${node.Node} is reserved by node ${other.ID} with name ${other.Node} (${other.Address})`;
  }
  return null;
}

/** ensureNodeTxn: upserts a node; a known ID under a new name renames (deletes the old node). */
export function ensureNodeTx(tx: Tx, input: Node): Node {
  const db = tx.db;
  const node = normalizeNode(input);
  let prev: Node | undefined;
  if (node.ID !== '') {
    const byIdName = db.nodeIds.get(lc(node.ID));
    const byId = byIdName !== undefined ? db.nodes.get(byIdName) : undefined;
    if (byId) {
      prev = byId;
      if (lc(byId.Node) !== lc(node.Node)) {
        const clash = ensureNoNodeWithSimilarName(tx, node, false);
        if (clash) throw stateError(`Error while renaming Node ID: ${goQuote(node.ID)} (${node.Address}): ${clash}`);
        deleteNodeTx(tx, byId.Node);
      }
    } else {
      const clash = ensureNoNodeWithSimilarName(tx, node, true);
      if (clash) throw stateError(`Error while renaming Node ID: ${goQuote(node.ID)}: ${clash}`);
    }
  }
  if (!prev) prev = db.nodes.get(lc(node.Node));
  if (prev) {
    node.CreateIndex = prev.CreateIndex;
    node.ModifyIndex = prev.ModifyIndex;
    if (sameNode(node, prev)) return prev;
  } else {
    node.CreateIndex = tx.idx;
  }
  node.ModifyIndex = tx.idx;
  insertNode(tx, node);
  return node;
}

function insertNode(tx: Tx, node: Node): void {
  const db = tx.db;
  const key = lc(node.Node);
  const replaced = db.nodes.get(key);
  if (replaced && replaced.ID && lc(replaced.ID) !== lc(node.ID)) tx.remove(db.nodeIds, lc(replaced.ID));
  tx.put(db.nodes, key, Object.freeze(node));
  if (node.ID) tx.put(db.nodeIds, lc(node.ID), key);
  tx.touch(`node:${key}`);
  tx.touch('t:nodes');
  tx.bump('nodes');
  tx.bump(`node.${key}`);
  bumpServicesOfNode(tx, node.Node);
}

/** updateAllServiceIndexesOfNode: node data and node checks show up in every health/service row. */
function bumpServicesOfNode(tx: Tx, node: string): void {
  for (const key of members(tx.db.servicesByNode, lc(node))) {
    const row = tx.db.services.get(key);
    if (row) tx.bump(`service.${lc(row.Service.Service)}`);
  }
}

/** ensureServiceTxn: upserts a service instance on an existing node. */
export function ensureServiceTx(tx: Tx, nodeName: string, input: NodeService): NodeService {
  const db = tx.db;
  const svc = normalizeService(input);
  if (!db.nodes.has(lc(nodeName))) throw stateError(ERR_MISSING_NODE);
  const key = pairKey(nodeName, svc.ID);
  const existing = db.services.get(key);
  if (existing) {
    svc.CreateIndex = existing.Service.CreateIndex;
    svc.ModifyIndex = existing.Service.ModifyIndex;
    if (sameService(svc, existing.Service)) return existing.Service;
  } else {
    svc.CreateIndex = tx.idx;
  }
  svc.ModifyIndex = tx.idx;
  if (existing && lc(existing.Service.Service) !== lc(svc.Service)) {
    tx.unlink(db.servicesByName, lc(existing.Service.Service), key);
    afterInstanceGone(tx, existing.Service.Service);
  }
  const row: ServiceRow = Object.freeze({ Node: existing ? existing.Node : nodeName, Service: Object.freeze(svc) });
  tx.put(db.services, key, row);
  tx.link(db.servicesByNode, lc(nodeName), key);
  tx.link(db.servicesByName, lc(svc.Service), key);
  touchService(tx, nodeName, svc.Service);
  tx.bump('services');
  tx.bump(`service.${lc(svc.Service)}`);
  tx.bump('nodes');
  tx.bump(`node.${lc(nodeName)}`);
  return svc;
}

function touchService(tx: Tx, node: string, name: string): void {
  tx.touch(`svcname:${lc(name)}`);
  tx.touch(`nodesvcs:${lc(node)}`);
  tx.touch('t:services');
}

/** After an instance of `name` left: bump its index, or drop it and mark the extinction. */
function afterInstanceGone(tx: Tx, name: string): void {
  if ((tx.db.servicesByName.get(lc(name))?.size ?? 0) > 0) {
    tx.bump(`service.${lc(name)}`);
  } else {
    tx.dropIndex(`service.${lc(name)}`);
    tx.bump('service_last_extinction');
  }
}

/** ensureCheckTxn: upserts a check; a critical status invalidates sessions that depend on it. */
export function ensureCheckTx(tx: Tx, input: HealthCheck): HealthCheck {
  const db = tx.db;
  const hc = normalizeCheck(input);
  const key = pairKey(hc.Node, hc.CheckID);
  const existing = db.checks.get(key);
  if (existing) {
    hc.CreateIndex = existing.CreateIndex;
    hc.ModifyIndex = existing.ModifyIndex;
  } else {
    hc.CreateIndex = tx.idx;
  }
  if ((hc.Status as string) === '') hc.Status = 'critical';
  if (!db.nodes.has(lc(hc.Node))) throw stateError(ERR_MISSING_NODE);

  let modified = true;
  if (hc.ServiceID !== '') {
    const row = db.services.get(pairKey(hc.Node, hc.ServiceID));
    if (!row) throw stateError(ERR_MISSING_SERVICE);
    hc.ServiceName = row.Service.Service;
    hc.ServiceTags = row.Service.Tags;
    if (existing && sameCheck(existing, hc)) modified = false;
    else tx.bump(`service.${lc(row.Service.Service)}`);
  } else if (existing && sameCheck(existing, hc)) {
    modified = false;
  } else {
    bumpServicesOfNode(tx, hc.Node);
  }

  if (hc.Status === 'critical') invalidateCheckSessions(tx, hc.Node, hc.CheckID);
  if (!modified) return existing!;
  hc.ModifyIndex = tx.idx;
  if (existing) unindexCheck(tx, key, existing);
  tx.put(db.checks, key, Object.freeze(hc));
  tx.link(db.checksByNode, lc(hc.Node), key);
  tx.link(db.checksByNodeService, pairKey(hc.Node, hc.ServiceID), key);
  if (hc.ServiceName) tx.link(db.checksByServiceName, lc(hc.ServiceName), key);
  touchCheck(tx, hc);
  tx.bump('checks');
  return hc;
}

function unindexCheck(tx: Tx, key: string, hc: HealthCheck): void {
  tx.unlink(tx.db.checksByNode, lc(hc.Node), key);
  tx.unlink(tx.db.checksByNodeService, pairKey(hc.Node, hc.ServiceID), key);
  if (hc.ServiceName) tx.unlink(tx.db.checksByServiceName, lc(hc.ServiceName), key);
  touchCheck(tx, hc);
}

function touchCheck(tx: Tx, hc: HealthCheck): void {
  tx.touch(`nodechecks:${lc(hc.Node)}`);
  tx.touch(`chkstate:${hc.Status}`);
  if (hc.ServiceName) tx.touch(`svcchecks:${lc(hc.ServiceName)}`);
  tx.touch('t:checks');
}

/** deleteCheckTxn: removes a check and invalidates sessions that listed it. No-op if missing. */
export function deleteCheckTx(tx: Tx, node: string, checkId: string): void {
  const db = tx.db;
  const key = pairKey(node, checkId);
  const hc = db.checks.get(key);
  if (!hc) return;
  if (hc.ServiceID !== '') {
    tx.bump(`service.${lc(hc.ServiceName)}`);
  } else {
    bumpServicesOfNode(tx, hc.Node);
    tx.bump('services');
  }
  unindexCheck(tx, key, hc);
  tx.remove(db.checks, key);
  tx.bump('checks');
  invalidateCheckSessions(tx, hc.Node, hc.CheckID);
}

/** deleteServiceTxn: removes a service instance and its checks. No-op if missing. */
export function deleteServiceTx(tx: Tx, node: string, serviceId: string): void {
  const db = tx.db;
  const key = pairKey(node, serviceId);
  const row = db.services.get(key);
  if (!row) return;
  for (const ck of members(db.checksByNodeService, key)) {
    const hc = db.checks.get(ck);
    if (hc) deleteCheckTx(tx, hc.Node, hc.CheckID);
  }
  tx.bump('checks');
  tx.remove(db.services, key);
  tx.unlink(db.servicesByNode, lc(node), key);
  tx.unlink(db.servicesByName, lc(row.Service.Service), key);
  touchService(tx, node, row.Service.Service);
  tx.bump('services');
  tx.bump('nodes');
  tx.bump(`node.${lc(node)}`);
  afterInstanceGone(tx, row.Service.Service);
}

/** deleteNodeTxn: removes a node with its services, checks and sessions. No-op if missing. */
export function deleteNodeTx(tx: Tx, nodeName: string): void {
  const db = tx.db;
  const key = lc(nodeName);
  const node = db.nodes.get(key);
  if (!node) return;
  const svcKeys = members(db.servicesByNode, key);
  for (const sk of svcKeys) {
    const row = db.services.get(sk);
    if (row) tx.bump(`service.${lc(row.Service.Service)}`);
  }
  for (const sk of svcKeys) {
    const row = db.services.get(sk);
    if (row) deleteServiceTx(tx, node.Node, row.Service.ID);
  }
  for (const ck of members(db.checksByNode, key)) {
    const hc = db.checks.get(ck);
    if (hc) deleteCheckTx(tx, hc.Node, hc.CheckID);
  }
  tx.remove(db.nodes, key);
  if (node.ID) tx.remove(db.nodeIds, lc(node.ID));
  tx.touch(`node:${key}`);
  tx.touch('t:nodes');
  tx.bump('nodes');
  tx.dropIndex(`node.${key}`);
  tx.bump('node_last_extinction');
  invalidateNodeSessions(tx, node.Node);
}
