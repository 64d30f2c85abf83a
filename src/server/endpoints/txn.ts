// Txn.* endpoints.
import { MessageType } from '../../structs/message-type.js';
import type { RpcMethods } from '../../structs/requests.js';
import type { TxnResponse } from '../../structs/txn.js';
import type { Server } from '../server.js';

export async function apply(srv: Server, args: RpcMethods['Txn.Apply']): Promise<TxnResponse> {
  return (await srv.apply(MessageType.Txn, { Ops: args.Ops })) as TxnResponse;
}

export function read(srv: Server, args: RpcMethods['Txn.Read']) {
  return srv.read({ ...args.Options, MinQueryIndex: 0 }, (store) => {
    const res = store.txnRead(args.Ops);
    return [store.maxIndex('kvs', 'nodes', 'services', 'checks'), res];
  });
}
