// Txn.* endpoints.
import { MessageType } from '../../structs/message-type.js';
import type { RpcMethods } from '../../structs/requests.js';
import type { TxnResponse } from '../../structs/txn.js';
import type { Server } from '../server.js';

export async function apply(srv: Server, args: RpcMethods['Txn.Apply']): Promise<TxnResponse> {
  // Lock-delay is the leader's call, made before proposing (as for KVS.Apply).
  for (let i = 0; i < args.Ops.length; i++) {
    const op = args.Ops[i]!;
    if ('KV' in op && op.KV.Verb === 'lock' && srv.store.kvsLockDelay(op.KV.Entry.Key) > 0) {
      return { Results: null, Errors: [{ OpIndex: i, What: `failed to lock key "${op.KV.Entry.Key}" due to lock delay` }] };
    }
  }
  return (await srv.apply(MessageType.Txn, { Ops: args.Ops })) as TxnResponse;
}

export function read(srv: Server, args: RpcMethods['Txn.Read']) {
  return srv.read({ ...args.Options, MinQueryIndex: 0 }, (store) => {
    const res = store.txnRead(args.Ops);
    return [store.maxIndex('kvs', 'nodes', 'services', 'checks'), res];
  });
}
