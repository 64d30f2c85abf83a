// Session.* endpoints: validation as Consul's session endpoint does it, TTL timers on the leader.
import { MessageType } from '../../structs/message-type.js';
import type { RpcMethods } from '../../structs/requests.js';
import type { Session } from '../../structs/session.js';
import { ConclaveError } from '../../lib/errors.js';
import { formatDurationNs, parseDurationNs } from '../../lib/duration.js';
import { newUuid } from '../../lib/uuid.js';
import type { Server } from '../server.js';

export const SESSION_TTL_MAX_NS = 24 * 3600e9;

const rpcError = (msg: string) => new ConclaveError('ERR_INTERNAL', msg);

export async function apply(srv: Server, args: RpcMethods['Session.Apply']): Promise<string | boolean> {
  if (args.Op === 'destroy') {
    if (!args.Session.ID) throw rpcError('Must provide ID');
    await srv.apply(MessageType.Session, { Op: 'destroy', Session: args.Session });
    srv.leaderDuties.clearSessionTimer(args.Session.ID);
    return true;
  }
  if (args.Op !== 'create') throw rpcError(`Invalid session operation '${String(args.Op)}'`);
  const s: Session = { ...args.Session };
  if (!s.Node) throw rpcError('Must provide Node');
  if (!s.Behavior) s.Behavior = 'release';
  if (s.Behavior !== 'release' && s.Behavior !== 'delete') {
    throw rpcError(`Invalid Behavior setting '${String(s.Behavior)}'`);
  }
  if (s.TTL) {
    let ttlNs: number;
    try {
      ttlNs = parseDurationNs(s.TTL);
    } catch (err) {
      throw rpcError(`Session TTL '${s.TTL}' invalid: ${(err as Error).message}`);
    }
    const minNs = srv.opts.sessionTtlMinMs * 1e6;
    if (ttlNs !== 0 && (ttlNs < minNs || ttlNs > SESSION_TTL_MAX_NS)) {
      throw rpcError(
        `Invalid Session TTL '${ttlNs}', must be between [${formatDurationNs(minNs)}=${formatDurationNs(SESSION_TTL_MAX_NS)}]`,
      );
    }
  }
  // A fresh ID that no session holds yet.
  for (;;) {
    s.ID = newUuid();
    const [, existing] = srv.store.sessionGet(null, s.ID);
    if (!existing) break;
  }
  await srv.apply(MessageType.Session, { Op: 'create', Session: s });
  const [, created] = srv.store.sessionGet(null, s.ID);
  if (created) srv.leaderDuties.resetSessionTimer(created);
  return s.ID;
}

export function get(srv: Server, args: RpcMethods['Session.Get']) {
  return srv.read(args.Options, (store, ws) => {
    const [idx, s] = store.sessionGet(ws, args.SessionID);
    return [idx, s ? [s] : []];
  });
}

export function list(srv: Server, args: RpcMethods['Session.List']) {
  return srv.read(args.Options, (store, ws) => store.sessionList(ws));
}

export function nodeSessions(srv: Server, args: RpcMethods['Session.NodeSessions']) {
  return srv.read(args.Options, (store, ws) => store.nodeSessions(ws, args.Node));
}

/** Renew is a leader read that re-arms the TTL timer (nothing is written to the log, as in Consul). */
export async function renew(srv: Server, args: RpcMethods['Session.Renew']) {
  const reply = await srv.read({ ...args.Options, MinQueryIndex: 0 }, (store, ws) => {
    const [idx, s] = store.sessionGet(ws, args.SessionID);
    return [idx, s ? [s] : []];
  });
  if (reply.value.length === 0) {
    throw new ConclaveError('ERR_NOT_FOUND', `Session id '${args.SessionID}' not found`);
  }
  srv.leaderDuties.resetSessionTimer(reply.value[0]!);
  return reply;
}
