// /v1/event/fire/:name and /v1/event/list
import type { AgentApi } from '../backend.js';
import type { Router } from '../router.js';
import { HttpError } from '../errors.js';
import { parseDurationNs } from '../../lib/duration.js';

const UINT_RE = /^[0-9]+$/;

export function registerEventRoutes(router: Router, agent: AgentApi): void {
  router.add('/v1/event/fire/', ['PUT'], async (ctx) => {
    if (!ctx.rest) throw new HttpError(400, 'Missing name');
    const payload = await ctx.body(100 * 1024);
    const event = await agent.fireEvent(ctx.rest, payload, {
      node: ctx.get('node') ?? undefined,
      service: ctx.get('service') ?? undefined,
      tag: ctx.get('tag') ?? undefined,
    });
    return ctx.sendJson(event);
  });
  router.add('/v1/event/list', ['GET'], async (ctx) => {
    const indexText = ctx.get('index');
    if (indexText !== null && indexText !== '' && !UINT_RE.test(indexText)) throw new HttpError(400, 'Invalid index');
    let waitMs = 300_000;
    const wait = ctx.get('wait');
    if (wait) {
      try {
        waitMs = Math.min(parseDurationNs(wait) / 1e6, 600_000);
      } catch {
        throw new HttpError(400, 'Invalid wait time');
      }
    }
    const filters = {
      name: ctx.get('name') ?? '',
      node: ctx.get('node') ?? '',
      service: ctx.get('service') ?? '',
      tag: ctx.get('tag') ?? '',
    };
    const { events, index } = await agent.listEvents(filters, indexText ? BigInt(indexText) : 0n, waitMs);
    ctx.res.setHeader('X-Consul-Index', index.toString());
    return ctx.sendJson(events);
  });
}
