// /v1/agent/* — the local agent's own view (not raft).
import type { AgentApi } from '../backend.js';
import type { Router } from '../router.js';
import type { Ctx } from '../context.js';
import { HttpError } from '../errors.js';
import { checkTypeSchema, checkUpdateSchema, decodeStruct, serviceDefinitionSchema } from '../decode.js';
import { boolParam, required } from './util.js';
import { parseGoBool } from '../query.js';
import { parseDurationNs } from '../../lib/duration.js';
import { compileFilter, FilterError, schemas } from '../../lib/bexpr/index.js';
import type { AgentCheck, AgentService, CheckDefinition, ServiceDefinition } from '../../structs/agent.js';
import { CHECK_STATUSES, NODE_MAINT_CHECK_ID, SERVICE_MAINT_PREFIX, type CheckStatus } from '../../structs/catalog.js';

export function registerAgentRoutes(router: Router, agent: AgentApi): void {
  router.add('/v1/agent/self', ['GET'], (ctx) => ctx.sendJson(agent.self()));
  router.add('/v1/agent/version', ['GET'], (ctx) => {
    const cfg = (agent.self().Config ?? {}) as Record<string, string>;
    return ctx.sendJson({ SHA: cfg.Revision ?? '', BuildDate: cfg.BuildDate ?? '', HumanVersion: cfg.Version ?? '', FIPS: '' });
  });
  router.add('/v1/agent/members', ['GET'], (ctx) => {
    const wan = !!ctx.get('wan');
    const segment = ctx.get('segment');
    if (wan && segment && segment !== '_all') throw new HttpError(400, 'Cannot provide a segment with wan=true');
    return ctx.sendJson(filterList(agent.members(wan), ctx.get('filter'), 'member'));
  });
  router.add('/v1/agent/services', ['GET'], (ctx) =>
    ctx.sendJson(filterMapValues(agent.localServices(), ctx.get('filter'), 'agentService')),
  );
  router.add('/v1/agent/service/', ['GET'], (ctx) => agentService(ctx, agent));
  router.add('/v1/agent/checks', ['GET'], (ctx) =>
    ctx.sendJson(filterMapValues(agent.localChecks(), ctx.get('filter'), 'agentCheck')),
  );
  router.add('/v1/agent/service/register', ['PUT'], async (ctx) => {
    const def = decodeStruct<ServiceDefinition>(await ctx.json(), serviceDefinitionSchema);
    const replace = ctx.has('replace-existing-checks') && ctx.get('replace-existing-checks') !== 'false';
    await agent.registerService(def, replace);
    return ctx.sendEmpty(200);
  });
  router.add('/v1/agent/service/deregister/', ['PUT'], async (ctx) => {
    await agent.deregisterService(required(ctx, 'Missing service ID'));
    return ctx.sendEmpty(200);
  });
  router.add('/v1/agent/check/register', ['PUT'], async (ctx) => {
    const def = decodeStruct<CheckDefinition>(await ctx.json(), checkTypeSchema);
    await agent.registerCheck(def);
    return ctx.sendEmpty(200);
  });
  router.add('/v1/agent/check/deregister/', ['PUT'], async (ctx) => {
    await agent.deregisterCheck(required(ctx, 'Missing check ID'));
    return ctx.sendEmpty(200);
  });
  for (const [verb, status] of [['pass', 'passing'], ['warn', 'warning'], ['fail', 'critical']] as const) {
    router.add(`/v1/agent/check/${verb}/`, ['PUT'], async (ctx) => {
      await agent.updateTtlCheck(required(ctx, 'Missing check ID'), status, ctx.get('note') ?? '');
      return ctx.sendEmpty(200);
    });
  }
  router.add('/v1/agent/check/update/', ['PUT'], async (ctx) => {
    const id = required(ctx, 'Missing check ID');
    const body = decodeStruct<{ Status?: string; Output?: string }>(await ctx.json(), checkUpdateSchema);
    const status = body.Status ?? '';
    if (!CHECK_STATUSES.includes(status as CheckStatus)) throw new HttpError(400, `Invalid check status: '${status}'`);
    await agent.updateTtlCheck(id, status as CheckStatus, body.Output ?? '');
    return ctx.sendEmpty(200);
  });
  router.add('/v1/agent/maintenance', ['PUT'], async (ctx) => {
    await agent.setNodeMaintenance(enableParam(ctx), ctx.get('reason') ?? '');
    return ctx.sendEmpty(200);
  });
  router.add('/v1/agent/service/maintenance/', ['PUT'], async (ctx) => {
    const id = required(ctx, 'Missing service ID');
    await agent.setServiceMaintenance(id, enableParam(ctx), ctx.get('reason') ?? '');
    return ctx.sendEmpty(200);
  });
  router.add('/v1/agent/health/service/id/', ['GET'], (ctx) => healthById(ctx, agent));
  router.add('/v1/agent/health/service/name/', ['GET'], (ctx) => healthByName(ctx, agent));
  router.add('/v1/agent/leave', ['PUT'], async (ctx) => {
    await ctx.sendEmpty(200);
    await agent.leave();
  });
  router.add('/v1/agent/reload', ['PUT'], async (ctx) => {
    await agent.reload();
    return ctx.sendEmpty(200);
  });
  router.add('/v1/agent/join/', ['PUT'], async (ctx) => {
    await agent.join(required(ctx, 'Missing address'), boolParam(ctx, 'wan', 'Invalid value for ?wan'));
    return ctx.sendEmpty(200);
  });
  router.add('/v1/agent/force-leave/', ['PUT'], async (ctx) => {
    await agent.forceLeave(required(ctx, 'Missing node name'), ctx.has('prune'));
    return ctx.sendEmpty(200);
  });
}

function enableParam(ctx: Ctx): boolean {
  if (!ctx.has('enable')) throw new HttpError(400, 'Missing value for enable');
  const v = ctx.get('enable') ?? '';
  const b = parseGoBool(v);
  if (b === null) throw new HttpError(400, `Invalid value for enable: ${JSON.stringify(v)}`);
  return b;
}

function compile(expr: string, schema: keyof typeof schemas): (row: unknown) => boolean {
  try {
    return compileFilter(expr, schemas[schema]);
  } catch (err) {
    // Consul's agent endpoints return bexpr's error unwrapped, which its HTTP layer answers with 500.
    if (err instanceof FilterError) throw new HttpError(500, err.message);
    throw err;
  }
}

function filterList<T>(rows: T[], expr: string | null, schema: keyof typeof schemas): T[] {
  if (!expr) return rows;
  const m = compile(expr, schema);
  return rows.filter((r) => m(r));
}

function filterMapValues<T>(map: Record<string, T>, expr: string | null, schema: keyof typeof schemas): Record<string, T> {
  if (!expr) return map;
  const m = compile(expr, schema);
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(map)) if (m(v)) out[k] = v;
  return out;
}

async function agentService(ctx: Ctx, agent: AgentApi): Promise<void> {
  const id = required(ctx, 'Missing service ID');
  let svc = agent.localService(id);
  if (!svc) throw new HttpError(404, `unknown service ID: ${id}`);
  // Hash blocking: park while the content hash still equals the client's.
  const hash = ctx.get('hash');
  if (hash && svc.ContentHash === hash) {
    const waitMs = parseWaitMs(ctx.get('wait'));
    const deadline = Date.now() + waitMs;
    while (svc && svc.ContentHash === hash && Date.now() < deadline) {
      await agent.waitLocalChange(deadline - Date.now());
      svc = agent.localService(id);
    }
    if (!svc) throw new HttpError(404, `unknown service ID: ${id}`);
  }
  ctx.res.setHeader('X-Consul-ContentHash', svc.ContentHash ?? '');
  return ctx.sendJson(svc);
}

function parseWaitMs(wait: string | null): number {
  if (!wait) return 300_000;
  try {
    return Math.min(parseDurationNs(wait) / 1e6, 600_000);
  } catch {
    throw new HttpError(400, 'Invalid wait time');
  }
}

type Aggregated = CheckStatus | 'maintenance';

function aggregate(checks: AgentCheck[]): Aggregated {
  let worst: Aggregated = 'passing';
  for (const c of checks) {
    if (c.CheckID === NODE_MAINT_CHECK_ID || c.CheckID.startsWith(SERVICE_MAINT_PREFIX)) return 'maintenance';
    if (c.Status === 'critical') worst = 'critical';
    else if (c.Status === 'warning' && worst === 'passing') worst = 'warning';
  }
  return worst;
}

const CODE: Record<Aggregated, number> = { passing: 200, warning: 429, critical: 503, maintenance: 503 };

function wantsText(ctx: Ctx): boolean {
  if (ctx.get('format') === 'text') return true;
  const accept = ctx.req.headers['accept'];
  return typeof accept === 'string' && accept.startsWith('text/plain');
}

function serviceInfo(agent: AgentApi, svc: AgentService) {
  const checks = Object.values(agent.localChecks()).filter((c) => c.ServiceID === svc.ID || c.ServiceID === '');
  return { AggregatedStatus: aggregate(checks), Service: svc, Checks: checks };
}

async function healthById(ctx: Ctx, agent: AgentApi): Promise<void> {
  const id = required(ctx, 'Missing serviceID');
  const svc = agent.localService(id);
  if (!svc) {
    const reason = `ServiceId ${id} not found`;
    if (wantsText(ctx)) return ctx.sendText(404, reason);
    return ctx.sendJson({ AggregatedStatus: 'critical', Service: null, Checks: null }, 404);
  }
  const info = serviceInfo(agent, svc);
  if (wantsText(ctx)) return ctx.sendText(CODE[info.AggregatedStatus], info.AggregatedStatus);
  return ctx.sendJson(info, CODE[info.AggregatedStatus]);
}

async function healthByName(ctx: Ctx, agent: AgentApi): Promise<void> {
  const name = required(ctx, 'Missing service Name');
  const infos = Object.values(agent.localServices())
    .filter((s) => s.Service === name)
    .map((s) => serviceInfo(agent, s));
  if (infos.length === 0) {
    const reason = `ServiceName ${name} Not Found`;
    if (wantsText(ctx)) return ctx.sendText(404, reason);
    return ctx.sendJson([], 404);
  }
  const order: Aggregated[] = ['passing', 'warning', 'critical', 'maintenance'];
  let worst: Aggregated = 'passing';
  for (const i of infos) if (order.indexOf(i.AggregatedStatus) > order.indexOf(worst)) worst = i.AggregatedStatus;
  if (wantsText(ctx)) return ctx.sendText(CODE[worst], worst);
  return ctx.sendJson(infos, CODE[worst]);
}
