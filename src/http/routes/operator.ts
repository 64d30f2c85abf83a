// /v1/operator/raft/*
import type { AgentApi } from '../backend.js';
import type { Router } from '../router.js';
import { HttpError } from '../errors.js';
import { readOptions, writeOptions } from './util.js';

export function registerOperatorRoutes(router: Router, agent: AgentApi): void {
  router.add('/v1/operator/raft/configuration', ['GET'], async (ctx) => {
    return ctx.sendJson(await agent.rpc('Operator.RaftGetConfiguration', { Options: readOptions(ctx, agent) }));
  });
  router.add('/v1/operator/raft/peer', ['DELETE'], async (ctx) => {
    const id = ctx.get('id') ?? '';
    const address = ctx.get('address') ?? '';
    if (!id && !address) {
      throw new HttpError(400, "Must specify either ?id with the server's ID or ?address with IP:port of peer to remove");
    }
    await agent.rpc('Operator.RaftRemovePeer', { ID: id || undefined, Address: id ? undefined : address, ...writeOptions(ctx, agent) });
    return ctx.sendEmpty(200);
  });
  router.add('/v1/operator/raft/transfer-leader', ['POST'], async (ctx) => {
    const id = ctx.get('id') ?? '';
    return ctx.sendJson(await agent.rpc('Operator.RaftTransferLeader', { ID: id || undefined, ...writeOptions(ctx, agent) }));
  });
}
