// All HTTP routes, registered on one router.
import type { Router } from '../router.js';
import type { AgentApi } from '../backend.js';
import { registerKvRoutes } from './kv.js';
import { registerCatalogRoutes } from './catalog.js';
import { registerHealthRoutes } from './health.js';
import { registerSessionRoutes } from './session.js';
import { registerTxnRoutes } from './txn.js';
import { registerStatusRoutes } from './status.js';
import { registerAgentRoutes } from './agent.js';
import { registerIndexRoutes } from './ui.js';
import { registerOperatorRoutes } from './operator.js';
import { registerEventRoutes } from './event.js';
import { registerInternalUiRoutes } from './internal-ui.js';

export function registerRoutes(router: Router, agent: AgentApi): void {
  registerKvRoutes(router, agent);
  registerCatalogRoutes(router, agent);
  registerHealthRoutes(router, agent);
  registerSessionRoutes(router, agent);
  registerTxnRoutes(router, agent);
  registerStatusRoutes(router, agent);
  registerOperatorRoutes(router, agent);
  registerEventRoutes(router, agent);
  registerAgentRoutes(router, agent);
  registerInternalUiRoutes(router, agent);
  registerIndexRoutes(router, agent);
}
