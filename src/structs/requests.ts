// RPC request shapes, by method. Reads carry QueryOptions; writes WriteOptions.
import type { QueryOptions, WriteOptions } from './rpc.js';
import type { DeregisterRequest, RegisterRequest } from './catalog.js';
import type { DirEntry, KVOp } from './kv.js';
import type { Session } from './session.js';
import type { TxnOp } from './txn.js';

export interface RpcMethods {
  'Catalog.Register': RegisterRequest & WriteOptions;
  'Catalog.Deregister': DeregisterRequest & WriteOptions;
  'Catalog.ListDatacenters': Record<string, never>;
  'Catalog.ListNodes': { Options: QueryOptions };
  'Catalog.ListServices': { Options: QueryOptions };
  'Catalog.ServiceNodes': { Options: QueryOptions; ServiceName: string; ServiceTags?: string[] };
  'Catalog.NodeServices': { Options: QueryOptions; Node: string };
  'Catalog.NodeServiceList': { Options: QueryOptions; Node: string };
  'Health.NodeChecks': { Options: QueryOptions; Node: string };
  'Health.ServiceChecks': { Options: QueryOptions; ServiceName: string };
  'Health.ChecksInState': { Options: QueryOptions; State: string };
  'Health.ServiceNodes': { Options: QueryOptions; ServiceName: string; ServiceTags?: string[]; PassingOnly?: boolean };
  'KVS.Apply': { Op: KVOp; Entry: DirEntry } & WriteOptions;
  'KVS.Get': { Options: QueryOptions; Key: string };
  'KVS.List': { Options: QueryOptions; Key: string };
  'KVS.ListKeys': { Options: QueryOptions; Prefix: string; Seperator: string };
  'Session.Apply': { Op: 'create' | 'destroy'; Session: Session; TTLNs?: number } & WriteOptions;
  'Session.Get': { Options: QueryOptions; SessionID: string };
  'Session.List': { Options: QueryOptions };
  'Session.NodeSessions': { Options: QueryOptions; Node: string };
  'Session.Renew': { Options: QueryOptions; SessionID: string };
  'Txn.Apply': { Ops: TxnOp[] } & WriteOptions;
  'Txn.Read': { Options: QueryOptions; Ops: TxnOp[] };
  'Status.Leader': Record<string, never>;
  'Status.Peers': Record<string, never>;
  'Operator.RaftGetConfiguration': { Options: QueryOptions };
  'Operator.RaftRemovePeer': { ID?: string; Address?: string } & WriteOptions;
  'Operator.RaftTransferLeader': { ID?: string } & WriteOptions;
  'Internal.NodeDump': { Options: QueryOptions };
  'Internal.ServiceDump': { Options: QueryOptions };
  'Internal.NodeInfo': { Options: QueryOptions; Node: string };
  'Internal.CatalogOverview': { Options: QueryOptions };
}

export type RpcMethod = keyof RpcMethods;
