// The RPC method table: Consul's method names to endpoint functions.
import type { Server } from '../server.js';
import * as catalog from './catalog.js';
import * as health from './health.js';
import * as kvs from './kvs.js';
import * as session from './session.js';
import * as txn from './txn.js';
import * as status from './status.js';
import * as internal from './internal.js';
import * as operator from './operator.js';
import * as internalUi from './internal-ui.js';

/** An endpoint answers at once when it can (a read the lease covers), with a promise when it must wait. */
export type Endpoint = (srv: Server, args: any) => unknown;

export function endpointTable(): Record<string, Endpoint> {
  return {
    'Catalog.Register': catalog.register,
    'Catalog.Deregister': catalog.deregister,
    'Catalog.ListDatacenters': catalog.listDatacenters,
    'Catalog.ListNodes': catalog.listNodes,
    'Catalog.ListServices': catalog.listServices,
    'Catalog.ServiceNodes': catalog.serviceNodes,
    'Catalog.NodeServices': catalog.nodeServices,
    'Catalog.NodeServiceList': catalog.nodeServiceList,
    'Health.NodeChecks': health.nodeChecks,
    'Health.ServiceChecks': health.serviceChecks,
    'Health.ChecksInState': health.checksInState,
    'Health.ServiceNodes': health.serviceNodes,
    'KVS.Apply': kvs.apply,
    'KVS.Get': kvs.get,
    'KVS.List': kvs.list,
    'KVS.ListKeys': kvs.listKeys,
    'Session.Apply': session.apply,
    'Session.Get': session.get,
    'Session.List': session.list,
    'Session.NodeSessions': session.nodeSessions,
    'Session.Renew': session.renew,
    'Txn.Apply': txn.apply,
    'Txn.Read': txn.read,
    'Status.Leader': status.leader,
    'Status.Peers': status.peers,
    'Operator.RaftGetConfiguration': operator.raftGetConfiguration,
    'Operator.RaftRemovePeer': operator.raftRemovePeer,
    'Operator.RaftTransferLeader': operator.raftTransferLeader,
    'Internal.NodeDump': internal.nodeDump,
    'Internal.ServiceDump': internalUi.serviceDump,
    'Internal.NodeInfo': internalUi.nodeInfo,
    'Internal.CatalogOverview': internalUi.catalogOverview,
  };
}
