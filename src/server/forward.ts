// Which RPCs must be answered by the leader (Consul's forward rules): every write; reads unless they
// allow stale results; Session.Renew, which re-arms the leader's TTL timers.
import type { QueryOptions } from '../structs/rpc.js';
import type { Server } from './server.js';

const LOCAL_METHODS = new Set(['Status.Leader', 'Status.Peers', 'Catalog.ListDatacenters']);
const WRITE_METHODS = new Set([
  'Catalog.Register', 'Catalog.Deregister', 'KVS.Apply', 'Session.Apply', 'Txn.Apply', 'Session.Renew',
  'Operator.RaftRemovePeer', 'Operator.RaftTransferLeader',
]);

export function routeFor(method: string, args: unknown, srv: Server): 'leader' | 'local' {
  if (LOCAL_METHODS.has(method)) return 'local';
  if (WRITE_METHODS.has(method)) return 'leader';
  const o = (args as { Options?: QueryOptions } | null)?.Options;
  if (!o?.AllowStale) return 'leader';
  // max_stale: a follower too far behind hands the read to the leader.
  if (o.MaxStaleMs && o.MaxStaleMs > 0) {
    const st = srv.raft.leadership();
    if (!st.isLeader && (st.lastContactMs < 0 || st.lastContactMs > o.MaxStaleMs)) return 'leader';
  }
  return 'local';
}
