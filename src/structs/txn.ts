// Transaction vocabulary (PUT /v1/txn). Ops are already decoded (KV values as bytes).
import type { HealthCheck, Node, NodeService } from './catalog.js';
import type { DirEntry, KVOp } from './kv.js';

export type CatalogVerb = 'set' | 'cas' | 'get' | 'delete' | 'delete-cas';

export type TxnOp =
  | { KV: { Verb: KVOp; Entry: DirEntry } }
  | { Node: { Verb: CatalogVerb; Node: Node } }
  | { Service: { Verb: CatalogVerb; Node: string; Service: NodeService } }
  | { Check: { Verb: CatalogVerb; Check: HealthCheck } };

export type TxnResult =
  | { KV: DirEntry }
  | { Node: Node }
  | { Service: NodeService }
  | { Check: HealthCheck };

export interface TxnError {
  OpIndex: number;
  What: string;
}

export interface TxnResponse {
  Results: TxnResult[] | null;
  Errors: TxnError[] | null;
}

export const TXN_MAX_OPS = 128;
