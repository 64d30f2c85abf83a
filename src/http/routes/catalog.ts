// /v1/catalog/*
import type { AgentApi } from '../backend.js';
import type { Router } from '../router.js';
import { decodeStruct, deregisterRequestSchema, registerRequestSchema } from '../decode.js';
import { cachedOrRpc, readOptions, required, writeOptions, durationString } from './util.js';
import type { DeregisterRequest, HealthCheck, HealthCheckDefinition, RegisterRequest } from '../../structs/catalog.js';
import type { QueryReply } from '../../structs/rpc.js';

export function registerCatalogRoutes(router: Router, agent: AgentApi): void {
  router.add('/v1/catalog/register', ['PUT'], async (ctx) => {
    const req = decodeStruct<RegisterRequest>(await ctx.json(), registerRequestSchema);
    fixupChecks(req);
    await agent.rpc('Catalog.Register', { ...req, ...writeOptions(ctx, agent) });
    return ctx.sendJson(true);
  });
  router.add('/v1/catalog/deregister', ['PUT'], async (ctx) => {
    const req = decodeStruct<DeregisterRequest>(await ctx.json(), deregisterRequestSchema);
    await agent.rpc('Catalog.Deregister', { ...req, ...writeOptions(ctx, agent) });
    return ctx.sendJson(true);
  });
  router.add('/v1/catalog/datacenters', ['GET'], async (ctx) => {
    const reply = await cachedOrRpc(ctx, agent, 'Catalog.ListDatacenters', {}, 'simple');
    return ctx.sendJson(Array.isArray(reply) ? reply : reply.value);
  });
  router.add('/v1/catalog/nodes', ['GET'], async (ctx) => {
    const reply: QueryReply<unknown[]> = await agent.rpc('Catalog.ListNodes', { Options: readOptions(ctx, agent, true) });
    ctx.setMeta(reply.meta);
    return ctx.sendJson(reply.value);
  });
  router.add('/v1/catalog/services', ['GET'], async (ctx) => {
    const reply: QueryReply<unknown> = await cachedOrRpc(ctx, agent, 'Catalog.ListServices', { Options: readOptions(ctx, agent, true) }, 'simple');
    ctx.setMeta(reply.meta);
    return ctx.sendJson(reply.value);
  });
  router.add('/v1/catalog/service/', ['GET'], async (ctx) => {
    const name = required(ctx, 'Missing service name');
    const tags = ctx.query.getAll('tag');
    const args = { Options: readOptions(ctx, agent, true), ServiceName: name, ServiceTags: tags.length > 0 ? tags : undefined };
    const reply: QueryReply<unknown[]> = await cachedOrRpc(ctx, agent, 'Catalog.ServiceNodes', args, 'refresh');
    ctx.setMeta(reply.meta);
    return ctx.sendJson(reply.value);
  });
  router.add('/v1/catalog/node/', ['GET'], async (ctx) => {
    const node = required(ctx, 'Missing node name');
    const reply: QueryReply<unknown> = await agent.rpc('Catalog.NodeServices', { Options: readOptions(ctx, agent, true), Node: node });
    ctx.setMeta(reply.meta);
    return ctx.sendJson(reply.value);
  });
  router.add('/v1/catalog/node-services/', ['GET'], async (ctx) => {
    const node = required(ctx, 'Missing node name');
    const reply: QueryReply<unknown> = await agent.rpc('Catalog.NodeServiceList', { Options: readOptions(ctx, agent, true), Node: node });
    ctx.setMeta(reply.meta);
    if (reply.value === null) return ctx.sendText(404, `Node not found: ${JSON.stringify(node)}`);
    return ctx.sendJson(reply.value);
  });
}

/** Definition durations come in as strings or nanoseconds; store them as Go duration strings. */
export function fixupChecks(req: RegisterRequest): void {
  const all: Array<HealthCheck | null | undefined> = [req.Check, ...(req.Checks ?? [])];
  for (const c of all) {
    if (!c?.Definition) continue;
    const d = c.Definition as HealthCheckDefinition & Record<string, unknown>;
    for (const f of ['Interval', 'Timeout', 'DeregisterCriticalServiceAfter', 'TTL'] as const) {
      if (d[f] !== undefined) {
        const s = durationString(d[f], f);
        if (s) d[f] = s;
        else delete d[f];
      }
    }
  }
}
