// /v1/health/*
import type { AgentApi } from '../backend.js';
import type { Router } from '../router.js';
import { boolParam, cachedOrRpc, readOptions, required } from './util.js';
import type { QueryReply } from '../../structs/rpc.js';

export function registerHealthRoutes(router: Router, agent: AgentApi): void {
  router.add('/v1/health/node/', ['GET'], async (ctx) => {
    const node = required(ctx, 'Missing node name');
    const reply: QueryReply<unknown[]> = await agent.rpc('Health.NodeChecks', { Options: readOptions(ctx, agent, true), Node: node });
    ctx.setMeta(reply.meta);
    return ctx.sendJson(reply.value);
  });
  router.add('/v1/health/checks/', ['GET'], async (ctx) => {
    const name = required(ctx, 'Missing service name');
    const reply: QueryReply<unknown[]> = await agent.rpc('Health.ServiceChecks', {
      Options: readOptions(ctx, agent, true),
      ServiceName: name,
    });
    ctx.setMeta(reply.meta);
    return ctx.sendJson(reply.value);
  });
  router.add('/v1/health/state/', ['GET'], async (ctx) => {
    const state = required(ctx, 'Missing check state');
    const reply: QueryReply<unknown[]> = await agent.rpc('Health.ChecksInState', { Options: readOptions(ctx, agent, true), State: state });
    ctx.setMeta(reply.meta);
    return ctx.sendJson(reply.value);
  });
  router.add('/v1/health/service/', ['GET'], async (ctx) => {
    const name = required(ctx, 'Missing service name');
    const passing = boolParam(ctx, 'passing', 'Invalid value for ?passing');
    const tags = ctx.query.getAll('tag');
    const args = {
      Options: readOptions(ctx, agent, true),
      ServiceName: name,
      ServiceTags: tags.length > 0 ? tags : undefined,
      PassingOnly: passing,
    };
    const reply: QueryReply<unknown[]> = await cachedOrRpc(ctx, agent, 'Health.ServiceNodes', args, 'refresh');
    ctx.setMeta(reply.meta);
    return ctx.sendJson(reply.value);
  });
}
