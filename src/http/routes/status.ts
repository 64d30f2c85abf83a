// /v1/status/*
import type { AgentApi } from '../backend.js';
import type { Router } from '../router.js';

export function registerStatusRoutes(router: Router, agent: AgentApi): void {
  router.add('/v1/status/leader', ['GET'], async (ctx) => ctx.sendJson(await agent.rpc('Status.Leader', {})));
  router.add('/v1/status/peers', ['GET'], async (ctx) => ctx.sendJson(await agent.rpc('Status.Peers', {})));
}
