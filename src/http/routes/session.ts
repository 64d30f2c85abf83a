// /v1/session/*
import type { AgentApi } from '../backend.js';
import type { Router } from '../router.js';
import type { Ctx } from '../context.js';
import { decodeStruct, sessionSchema } from '../decode.js';
import { HttpError } from '../errors.js';
import { readOptions, required, writeOptions } from './util.js';
import { durationFromJson } from '../../lib/duration.js';
import { SERF_CHECK_ID } from '../../structs/catalog.js';
import { DEFAULT_LOCK_DELAY_NS, MAX_LOCK_DELAY_NS, type Session } from '../../structs/session.js';
import type { QueryReply } from '../../structs/rpc.js';

/** A LockDelay below this many units is taken as seconds (Consul's lockDelayMinThreshold). */
const LOCK_DELAY_SECONDS_THRESHOLD = 1000;

interface SessionBody {
  ID?: string;
  Name?: string;
  Node?: string;
  LockDelay?: string | number;
  Behavior?: string;
  TTL?: string;
  Checks?: string[];
  NodeChecks?: string[];
  ServiceChecks?: Array<{ ID?: string; Namespace?: string }>;
}

export function registerSessionRoutes(router: Router, agent: AgentApi): void {
  router.add('/v1/session/create', ['PUT'], async (ctx) => {
    const body = decodeStruct<SessionBody>(await ctx.json(), sessionSchema);
    const session = buildSession(body, agent.httpConfig.nodeName);
    const id: string = await agent.rpc('Session.Apply', { Op: 'create', Session: session, ...writeOptions(ctx, agent) });
    return ctx.sendJson({ ID: id });
  });
  router.add('/v1/session/destroy/', ['PUT'], async (ctx) => {
    const id = required(ctx, 'Missing session');
    const s = { ID: id } as Session;
    await agent.rpc('Session.Apply', { Op: 'destroy', Session: s, ...writeOptions(ctx, agent) });
    return ctx.sendJson(true);
  });
  router.add('/v1/session/renew/', ['PUT'], async (ctx) => {
    const id = required(ctx, 'Missing session');
    const reply: QueryReply<Session[]> = await agent.rpc('Session.Renew', { Options: readOptions(ctx, agent), SessionID: id });
    ctx.setMeta(reply.meta);
    return ctx.sendJson(reply.value);
  });
  router.add('/v1/session/info/', ['GET'], (ctx) => sessionRead(ctx, agent, 'Session.Get'));
  router.add('/v1/session/node/', ['GET'], (ctx) => sessionRead(ctx, agent, 'Session.NodeSessions'));
  router.add('/v1/session/list', ['GET'], async (ctx) => {
    const reply: QueryReply<Session[]> = await agent.rpc('Session.List', { Options: readOptions(ctx, agent) });
    ctx.setMeta(reply.meta);
    return ctx.sendJson(reply.value);
  });
}

async function sessionRead(ctx: Ctx, agent: AgentApi, method: 'Session.Get' | 'Session.NodeSessions'): Promise<void> {
  let reply: QueryReply<Session[]>;
  if (method === 'Session.Get') {
    const id = required(ctx, 'Missing session');
    reply = await agent.rpc('Session.Get', { Options: readOptions(ctx, agent), SessionID: id });
  } else {
    const node = required(ctx, 'Missing node name');
    reply = await agent.rpc('Session.NodeSessions', { Options: readOptions(ctx, agent), Node: node });
  }
  ctx.setMeta(reply.meta);
  return ctx.sendJson(reply.value);
}

export function buildSession(body: SessionBody, nodeName: string): Session {
  let lockDelayNs = DEFAULT_LOCK_DELAY_NS;
  if (body.LockDelay !== undefined) {
    try {
      lockDelayNs =
        typeof body.LockDelay === 'number' && body.LockDelay < LOCK_DELAY_SECONDS_THRESHOLD
          ? body.LockDelay * 1e9
          : durationFromJson(body.LockDelay, 'LockDelay');
    } catch (err) {
      throw new HttpError(400, `Request decode failed: ${(err as Error).message}`);
    }
  }
  if (lockDelayNs > MAX_LOCK_DELAY_NS) lockDelayNs = MAX_LOCK_DELAY_NS;
  // Legacy `Checks` means node checks; an explicit empty list removes the default serfHealth.
  const nodeChecks = body.NodeChecks ?? body.Checks ?? [SERF_CHECK_ID];
  return {
    ID: '',
    Name: body.Name ?? '',
    Node: body.Node ?? nodeName,
    LockDelay: lockDelayNs,
    Behavior: (body.Behavior ?? 'release') as Session['Behavior'],
    TTL: body.TTL ?? '',
    NodeChecks: nodeChecks,
    ServiceChecks: body.ServiceChecks ? body.ServiceChecks.map((c) => ({ ID: c.ID ?? '', Namespace: c.Namespace ?? '' })) : null,
    CreateIndex: 0,
    ModifyIndex: 0,
  };
}
