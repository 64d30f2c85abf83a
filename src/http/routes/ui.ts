// "/" — the UI redirect, or Consul's text when the UI is off. The UI itself arrives with its own issue.
import type { AgentApi } from '../backend.js';
import type { Router } from '../router.js';

const UI_DISABLED =
  'Consul Agent: UI disabled. To enable, set ui_config.enabled=true in the agent configuration and restart.';

export function registerIndexRoutes(router: Router, agent: AgentApi): void {
  router.add('/', ['GET', 'PUT', 'POST', 'DELETE', 'PATCH'], async (ctx) => {
    if (ctx.path !== '/') {
      const body = ctx.path.includes('/v1/')
        ? 'Invalid URL path: not a recognized HTTP API endpoint'
        : "Invalid URL path: if attempting to use the HTTP API, ensure the path starts with '/v1/'";
      return ctx.sendText(404, body);
    }
    const ui = agent.httpConfig.ui;
    if (ui.enabled) {
      ctx.res.setHeader('Location', ui.contentPath);
      return ctx.send(301, '', null);
    }
    return ctx.sendText(200, UI_DISABLED);
  });
}
