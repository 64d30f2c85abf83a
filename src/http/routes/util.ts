// Small helpers shared by the route files.
import type { Ctx } from '../context.js';
import type { AgentApi } from '../backend.js';
import { parseGoBool, parseQueryOptions, parseToken } from '../query.js';
import type { QueryOptions, WriteOptions } from '../../structs/rpc.js';
import { HttpError } from '../errors.js';
import { formatDurationNs, durationFromJson } from '../../lib/duration.js';

export function readOptions(ctx: Ctx, agent: AgentApi, discovery = false): QueryOptions {
  const c = agent.httpConfig;
  return parseQueryOptions(ctx, { datacenter: c.datacenter, discoveryMaxStaleMs: c.discoveryMaxStaleMs, defaultToken: c.defaultToken }, discovery);
}

export function writeOptions(ctx: Ctx, agent: AgentApi): WriteOptions {
  return { Datacenter: ctx.get('dc') || agent.httpConfig.datacenter, Token: parseToken(ctx, agent.httpConfig.defaultToken) };
}

/** The path segment after the route prefix, required. */
export function required(ctx: Ctx, message: string): string {
  if (!ctx.rest) throw new HttpError(400, message);
  return ctx.rest;
}

/** Go's getBoolQueryParam: present-without-value means true. */
export function boolParam(ctx: Ctx, name: string, message: string): boolean {
  if (!ctx.has(name)) return false;
  const v = ctx.get(name) ?? '';
  if (v === '') return true;
  const b = parseGoBool(v);
  if (b === null) throw new HttpError(400, message);
  return b;
}

/** Duration fields echoed back as Go duration strings. */
export function durationString(v: unknown, field: string): string {
  try {
    const ns = durationFromJson(v, field);
    return ns === 0 ? '' : formatDurationNs(ns);
  } catch (err) {
    throw new HttpError(400, `Request decode failed: ${(err as Error).message}`);
  }
}

/**
 * Runs a read through the agent cache when the request asks for `?cached` (and the agent allows it),
 * setting X-Cache and Age; otherwise a plain RPC. Returns the reply.
 */
export async function cachedOrRpc(
  ctx: Ctx,
  agent: AgentApi,
  method: Parameters<AgentApi['rpc']>[0],
  args: any,
  kind: 'simple' | 'refresh',
): Promise<any> {
  if (ctx.has('cached')) {
    const cc = ctx.req.headers['cache-control'];
    const res = await agent.cachedRpc(method, args, kind, typeof cc === 'string' ? cc : undefined);
    if (res) {
      ctx.res.setHeader('X-Cache', res.hit ? 'HIT' : 'MISS');
      if (res.hit) ctx.res.setHeader('Age', String(res.ageSeconds));
      return res.reply;
    }
  }
  return agent.rpc(method, args);
}
