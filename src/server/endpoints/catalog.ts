// Catalog.* endpoints: validate and normalise writes as Consul's catalog endpoint does, then raft them.
import { MessageType } from '../../structs/message-type.js';
import { checkWithDefaults, serviceWithDefaults, type HealthCheck, type NodeService, type RegisterRequest } from '../../structs/catalog.js';
import type { RpcMethods } from '../../structs/requests.js';
import { isUuid } from '../../lib/uuid.js';
import { ConclaveError } from '../../lib/errors.js';
import { filterMap, filterRows } from '../filter.js';
import type { Server } from '../server.js';

const rpcError = (msg: string) => new ConclaveError('ERR_INTERNAL', msg);

export async function register(srv: Server, args: RpcMethods['Catalog.Register']): Promise<boolean> {
  const req = normaliseRegister(args);
  req.Datacenter = srv.opts.datacenter;
  await srv.apply(MessageType.Register, req);
  return true;
}

export function normaliseRegister(args: RegisterRequest): RegisterRequest {
  if (!args.Node) throw rpcError('Must provide node');
  if (!args.Address && !args.SkipNodeUpdate) throw rpcError('Must provide address if SkipNodeUpdate is not set');
  if (args.ID && !isUuid(args.ID)) throw rpcError(`Bad node ID: ${args.ID}`);
  const req: RegisterRequest = {
    Datacenter: args.Datacenter ?? '',
    Node: args.Node,
    ID: args.ID ?? '',
    Address: args.Address ?? '',
    TaggedAddresses: args.TaggedAddresses ?? null,
    NodeMeta: args.NodeMeta ?? null,
    SkipNodeUpdate: !!args.SkipNodeUpdate,
    Service: null,
    Checks: [],
  };
  if (args.Service) {
    const svc = normaliseService(args.Service);
    if (!svc.ID && svc.Service) svc.ID = svc.Service;
    if (svc.ID && !svc.Service) {
      throw rpcError('Must provide service name (Service.Service) when service ID is provided');
    }
    if (svc.Address === '0.0.0.0' || svc.Address === '::' || svc.Address === '[::]') {
      throw rpcError('Invalid service address');
    }
    req.Service = svc;
  }
  const checks = [...(args.Checks ?? [])];
  if (args.Check) checks.push(args.Check);
  req.Checks = checks.map((c) => normaliseCheck(c, args.Node));
  return req;
}

export function normaliseService(s: Partial<NodeService>): NodeService {
  return { ...serviceWithDefaults(s), CreateIndex: 0, ModifyIndex: 0 };
}

export function normaliseCheck(c: Partial<HealthCheck>, node: string): HealthCheck {
  const out: HealthCheck = { ...checkWithDefaults(c), Node: c.Node || node, CreateIndex: 0, ModifyIndex: 0 };
  if (!['passing', 'warning', 'critical'].includes(out.Status)) {
    throw rpcError(`Invalid check status: '${out.Status}'`);
  }
  return out;
}

export async function deregister(srv: Server, args: RpcMethods['Catalog.Deregister']): Promise<boolean> {
  if (!args.Node) throw rpcError('Must provide node');
  await srv.apply(MessageType.Deregister, {
    Node: args.Node,
    ServiceID: args.ServiceID ?? '',
    CheckID: args.CheckID ?? '',
  });
  return true;
}

export async function listDatacenters(srv: Server): Promise<string[]> {
  return [srv.opts.datacenter];
}

export function listNodes(srv: Server, args: RpcMethods['Catalog.ListNodes']) {
  const o = args.Options;
  return srv.read(o, (store, ws) => {
    const [idx, nodes] = store.nodes(ws, { nodeMeta: o.NodeMetaFilters });
    return [idx, filterRows(nodes, o.Filter, 'node')];
  });
}

export function listServices(srv: Server, args: RpcMethods['Catalog.ListServices']) {
  const o = args.Options;
  return srv.read(o, (store, ws) => store.services(ws, { nodeMeta: o.NodeMetaFilters }));
}

export function serviceNodes(srv: Server, args: RpcMethods['Catalog.ServiceNodes']) {
  const o = args.Options;
  if (!args.ServiceName) throw new ConclaveError('ERR_BAD_REQUEST', 'Must provide service name');
  return srv.read(o, (store, ws) => {
    const [idx, rows] = store.serviceNodes(ws, args.ServiceName, { tags: args.ServiceTags, nodeMeta: o.NodeMetaFilters });
    return [idx, filterRows(rows, o.Filter, 'serviceNode')];
  });
}

export function nodeServices(srv: Server, args: RpcMethods['Catalog.NodeServices']) {
  const o = args.Options;
  return srv.read(o, (store, ws) => {
    const [idx, found] = store.nodeServices(ws, args.Node);
    if (!found) return [idx, null];
    const services: Record<string, unknown> = {};
    for (const s of found.Services) services[s.ID] = s;
    return [idx, { Node: found.Node, Services: filterMap(services, o.Filter, 'nodeService') }];
  });
}

export function nodeServiceList(srv: Server, args: RpcMethods['Catalog.NodeServiceList']) {
  const o = args.Options;
  return srv.read(o, (store, ws) => {
    const [idx, found] = store.nodeServices(ws, args.Node);
    if (!found) return [idx, null];
    return [idx, { Node: found.Node, Services: filterRows(found.Services, o.Filter, 'nodeService') }];
  });
}
