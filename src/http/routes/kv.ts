// /v1/kv/* — Consul's KVS endpoint.
import type { Ctx, Sent } from '../context.js';
import type { AgentApi } from '../backend.js';
import { HttpError } from '../errors.js';
import { parseQueryOptions, parseToken, parseUint64 } from '../query.js';
import { dirEntriesJson, kvToWire, type DirEntry, type KVOp } from '../../structs/kv.js';
import type { QueryOptions, QueryReply } from '../../structs/rpc.js';
import type { Router } from '../router.js';

export function registerKvRoutes(router: Router, agent: AgentApi): void {
  router.add('/v1/kv/', ['GET'], (ctx) => kvGet(ctx, agent));
  router.add('/v1/kv/', ['PUT'], (ctx) => kvPut(ctx, agent));
  router.add('/v1/kv/', ['DELETE'], (ctx) => kvDelete(ctx, agent));
}

function kvGet(ctx: Ctx, agent: AgentApi): Sent {
  const cfg = agent.httpConfig;
  const opts = parseQueryOptions(ctx, { datacenter: cfg.datacenter, discoveryMaxStaleMs: 0, defaultToken: cfg.defaultToken });
  const key = ctx.rest;
  if (ctx.has('keys')) return kvKeys(ctx, agent, opts, key);
  if (ctx.has('recurse')) return kvList(ctx, agent, opts, key);
  if (key === '') throw new HttpError(400, 'Missing key name');
  // The hottest read of all: answered within this call when the server can (no promise, no await).
  const reply: Maybe<QueryReply<DirEntry | null>> = agent.call('KVS.Get', { Options: opts, Key: key });
  return reply instanceof Promise ? reply.then((r) => answerGet(ctx, r)) : answerGet(ctx, reply);
}

type Maybe<T> = T | Promise<T>;

function answerGet(ctx: Ctx, reply: QueryReply<DirEntry | null>): Sent {
  ctx.setMeta(reply.meta);
  const e = reply.value;
  if (!e) return ctx.sendEmpty(404);
  if (ctx.has('raw')) {
    ctx.res.setHeader('X-Content-Type-Options', 'nosniff');
    ctx.res.setHeader('Content-Security-Policy', 'sandbox');
    return ctx.send(200, Buffer.from(e.Value ?? new Uint8Array()), 'text/plain; charset=utf-8');
  }
  return ctx.pretty ? ctx.sendJson([kvToWire(e)]) : ctx.sendJsonText(dirEntriesJson([e]));
}

async function kvKeys(ctx: Ctx, agent: AgentApi, opts: QueryOptions, prefix: string): Promise<void> {
  const sep = ctx.get('separator') ?? ctx.get('seperator') ?? '';
  const reply: QueryReply<string[]> = await agent.rpc('KVS.ListKeys', { Options: opts, Prefix: prefix, Seperator: sep });
  ctx.setMeta(reply.meta);
  if (reply.value.length === 0 && prefix !== '') return ctx.sendEmpty(404);
  return ctx.sendJson(reply.value);
}

async function kvList(ctx: Ctx, agent: AgentApi, opts: QueryOptions, prefix: string): Promise<void> {
  const reply: QueryReply<DirEntry[]> = await agent.rpc('KVS.List', { Options: opts, Key: prefix });
  ctx.setMeta(reply.meta);
  if (reply.value.length === 0) return ctx.sendEmpty(404);
  return ctx.pretty ? ctx.sendJson(reply.value.map(kvToWire)) : ctx.sendJsonText(dirEntriesJson(reply.value));
}

/** Go's url.Values.Encode over the request's query: keys sorted, values escaped. */
function encodeParams(ctx: Ctx): string {
  const keys = [...new Set(ctx.query.keys())].sort();
  const parts: string[] = [];
  for (const k of keys) {
    for (const v of ctx.query.getAll(k)) parts.push(`${goQueryEscape(k)}=${goQueryEscape(v)}`);
  }
  return parts.join('&');
}

function goQueryEscape(s: string): string {
  return encodeURIComponent(s).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function conflicting(ctx: Ctx, names: string[]): boolean {
  return names.filter((n) => ctx.has(n)).length > 1;
}

function parseUintParam(ctx: Ctx, name: string): bigint | undefined {
  const v = ctx.get(name);
  if (v === null) return undefined;
  const n = parseUint64(v);
  if (n === null) {
    throw new HttpError(500, `strconv.ParseUint: parsing ${JSON.stringify(v)}: invalid syntax`);
  }
  return n;
}

async function kvPut(ctx: Ctx, agent: AgentApi): Promise<void> {
  const cfg = agent.httpConfig;
  const key = ctx.rest;
  if (key === '') throw new HttpError(400, 'Missing key name');
  if (conflicting(ctx, ['cas', 'acquire', 'release'])) {
    throw new HttpError(400, `Conflicting flags: ${encodeParams(ctx)}`);
  }
  const flags = parseUintParam(ctx, 'flags') ?? 0n;
  const entry: DirEntry = { Key: key, Value: null, Flags: flags, Session: '', LockIndex: 0, CreateIndex: 0, ModifyIndex: 0 };
  let op: KVOp = 'set';
  const cas = parseUintParam(ctx, 'cas');
  if (cas !== undefined) {
    op = 'cas';
    entry.ModifyIndex = Number(cas);
  }
  if (ctx.has('acquire')) {
    op = 'lock';
    entry.Session = ctx.get('acquire') ?? '';
  }
  if (ctx.has('release')) {
    op = 'unlock';
    entry.Session = ctx.get('release') ?? '';
  }
  const max = cfg.kvMaxValueSize;
  const body = await ctx.body(max, (size) =>
    new HttpError(
      413,
      `Request body(${size} bytes) too large, max size: ${max} bytes. See https://www.consul.io/docs/agent/config/config-files#kv_max_value_size.`,
    ),
  );
  entry.Value = body.length > 0 ? new Uint8Array(body) : null;
  const ok: boolean = await agent.rpc('KVS.Apply', { Op: op, Entry: entry, Datacenter: ctx.get('dc') ?? undefined, Token: parseToken(ctx, cfg.defaultToken) });
  return ctx.sendJson(ok);
}

async function kvDelete(ctx: Ctx, agent: AgentApi): Promise<void> {
  const cfg = agent.httpConfig;
  const key = ctx.rest;
  const recurse = ctx.has('recurse');
  if (recurse && ctx.has('cas')) throw new HttpError(400, `Conflicting flags: ${encodeParams(ctx)}`);
  if (!recurse && key === '') throw new HttpError(400, 'Missing key name');
  const entry: DirEntry = { Key: key, Value: null, Flags: 0n, Session: '', LockIndex: 0, CreateIndex: 0, ModifyIndex: 0 };
  let op: KVOp = recurse ? 'delete-tree' : 'delete';
  const cas = parseUintParam(ctx, 'cas');
  if (cas !== undefined) {
    op = 'delete-cas';
    entry.ModifyIndex = Number(cas);
  }
  const ok: boolean = await agent.rpc('KVS.Apply', { Op: op, Entry: entry, Token: parseToken(ctx, cfg.defaultToken) });
  return ctx.sendJson(ok);
}
