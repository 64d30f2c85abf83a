// KVS.* endpoints.
import { MessageType } from '../../structs/message-type.js';
import type { RpcMethods } from '../../structs/requests.js';
import { ConclaveError } from '../../lib/errors.js';
import type { Server } from '../server.js';

const WRITE_OPS = new Set(['set', 'cas', 'lock', 'unlock', 'delete', 'delete-cas', 'delete-tree']);

/** Not async: every KV write passes here (see Server.apply). */
export function apply(srv: Server, args: RpcMethods['KVS.Apply']): Promise<boolean> {
  if (!WRITE_OPS.has(args.Op)) return Promise.reject(new ConclaveError('ERR_INTERNAL', `Invalid KVS operation '${args.Op}'`));
  if ((args.Op === 'lock' || args.Op === 'unlock') && !args.Entry.Session) {
    return Promise.reject(new ConclaveError('ERR_INTERNAL', 'Missing session'));
  }
  // Consul's leader refuses a lock inside the key's lock-delay without writing anything.
  if (args.Op === 'lock' && srv.store.kvsLockDelay(args.Entry.Key) > 0) return Promise.resolve(false);
  return srv.apply(MessageType.KVS, { Op: args.Op, Entry: args.Entry }).then(isTrue);
}

const isTrue = (result: unknown): boolean => result === true;

export function get(srv: Server, args: RpcMethods['KVS.Get']) {
  return srv.read(args.Options, (store, ws) => store.kvsGet(ws, args.Key));
}

export function list(srv: Server, args: RpcMethods['KVS.List']) {
  return srv.read(args.Options, (store, ws) => store.kvsList(ws, args.Key));
}

export function listKeys(srv: Server, args: RpcMethods['KVS.ListKeys']) {
  return srv.read(args.Options, (store, ws) => store.kvsListKeys(ws, args.Prefix, args.Seperator));
}
