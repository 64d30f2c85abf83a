// Health.* endpoints.
import { ConclaveError } from '../../lib/errors.js';
import type { RpcMethods } from '../../structs/requests.js';
import { filterRows } from '../filter.js';
import type { Server } from '../server.js';

export function nodeChecks(srv: Server, args: RpcMethods['Health.NodeChecks']) {
  const o = args.Options;
  return srv.read(o, (store, ws) => {
    const [idx, rows] = store.nodeChecks(ws, args.Node);
    return [idx, filterRows(rows, o.Filter, 'healthCheck')];
  });
}

export function serviceChecks(srv: Server, args: RpcMethods['Health.ServiceChecks']) {
  const o = args.Options;
  return srv.read(o, (store, ws) => {
    const [idx, rows] = store.serviceChecks(ws, args.ServiceName, { nodeMeta: o.NodeMetaFilters });
    return [idx, filterRows(rows, o.Filter, 'healthCheck')];
  });
}

const STATES = new Set(['any', 'passing', 'warning', 'critical']);

export function checksInState(srv: Server, args: RpcMethods['Health.ChecksInState']) {
  const o = args.Options;
  if (!STATES.has(args.State)) throw new ConclaveError('ERR_BAD_REQUEST', `Bad check state: ${args.State}`);
  return srv.read(o, (store, ws) => {
    const [idx, rows] = store.checksInState(ws, args.State as 'any', { nodeMeta: o.NodeMetaFilters });
    return [idx, filterRows(rows, o.Filter, 'healthCheck')];
  });
}

export function serviceNodes(srv: Server, args: RpcMethods['Health.ServiceNodes']) {
  const o = args.Options;
  return srv.read(o, (store, ws) => {
    const [idx, rows] = store.checkServiceNodes(ws, args.ServiceName, {
      tags: args.ServiceTags,
      nodeMeta: o.NodeMetaFilters,
    });
    const healthy = args.PassingOnly ? rows.filter((r) => r.Checks.every((c) => c.Status === 'passing')) : rows;
    return [idx, filterRows(healthy, o.Filter, 'checkServiceNode')];
  });
}
