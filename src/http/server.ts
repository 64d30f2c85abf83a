// The HTTP API listener(s): one node:http server per client address, Consul's routing and error shapes.
import { createServer, type IncomingMessage, type Server as NodeServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ctx, type ResponseDefaults, type Sent } from './context.js';
import { Router, cleanPath } from './router.js';
import { statusFor } from './errors.js';
import type { AgentApi } from './backend.js';
import { registerRoutes } from './routes/index.js';
import type { Logger } from '../lib/logger.js';

const NOT_V1 = "Invalid URL path: if attempting to use the HTTP API, ensure the path starts with '/v1/'";
const NOT_ENDPOINT = 'Invalid URL path: not a recognized HTTP API endpoint';
// Control characters and DEL are refused in paths, as Consul's printable-path filter does.
const UNPRINTABLE_RE = /[\u0000-\u001f\u007f]/;

export interface HttpApiOptions {
  agent: AgentApi;
  addresses: string[];
  port: number;
  logger: Logger;
}

export class HttpApi {
  private readonly router = new Router();
  private readonly servers: NodeServer[] = [];
  private readonly defaults: ResponseDefaults;
  private readonly log: Logger;

  constructor(private readonly opts: HttpApiOptions) {
    this.log = opts.logger.named('agent.http');
    const cfg = opts.agent.httpConfig;
    this.defaults = {
      headers: Object.entries({ ...cfg.responseHeaders, 'X-Consul-Default-ACL-Policy': cfg.aclDefaultPolicy }).flat(),
      alwaysPretty: cfg.devMode,
    };
    registerRoutes(this.router, opts.agent);
  }

  async listen(): Promise<string[]> {
    const bound: string[] = [];
    for (const addr of this.opts.addresses) {
      const server = createServer({ keepAliveTimeout: 30_000, requestTimeout: 0 }, (req, res) => this.handle(req, res));
      server.headersTimeout = 60_000;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.opts.port, addr, () => {
          server.off('error', reject);
          resolve();
        });
      });
      this.servers.push(server);
      const a = server.address() as AddressInfo;
      bound.push(a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`);
    }
    return bound;
  }

  async close(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeIdleConnections();
            setTimeout(() => s.closeAllConnections(), 2000).unref();
          }),
      ),
    );
  }

  /** The request entry point; never throws. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    let path = rawPath;
    if (rawPath.includes('%')) {
      try {
        path = decodeURIComponent(rawPath);
      } catch {
        path = rawPath;
      }
    }
    const ctx = new Ctx(req, res, rawPath, path, rawQuery, this.defaults);
    let pending: Sent;
    try {
      pending = this.dispatch(ctx);
    } catch (err) {
      return this.fail(ctx, err);
    }
    if (pending) pending.catch((err) => this.fail(ctx, err));
  }

  /** Not async: a handler that can answer at once does so within this call, with no promise made. */
  private dispatch(ctx: Ctx): Sent {
    if (UNPRINTABLE_RE.test(ctx.path)) {
      return ctx.sendText(400, `Bad request: invalid character in path ${JSON.stringify(ctx.rawPath)}`);
    }
    const clean = cleanPath(ctx.rawPath);
    if (clean !== ctx.rawPath && ctx.method !== 'CONNECT') {
      const qs = ctx.query.toString();
      return redirect(ctx, qs ? `${clean}?${qs}` : clean);
    }
    const m = this.router.match(ctx.path);
    if (m.kind === 'redirect') {
      const qs = ctx.query.toString();
      return redirect(ctx, qs ? `${m.location}?${qs}` : m.location);
    }
    if (m.kind === 'none') {
      return ctx.sendText(404, ctx.path.includes('/v1/') ? NOT_ENDPOINT : NOT_V1);
    }
    const allow = Router.allowHeader(m.route);
    if (ctx.method === 'OPTIONS') {
      ctx.res.setHeader('Allow', allow);
      return ctx.sendEmpty(200);
    }
    const handler = Router.handlerFor(m.route, ctx.method);
    if (!handler) {
      ctx.res.setHeader('Allow', allow);
      return ctx.sendText(405, `method ${ctx.method} not allowed`);
    }
    ctx.rest = m.rest;
    return handler(ctx);
  }

  private fail(ctx: Ctx, err: unknown): void {
    const { status, body } = statusFor(err);
    if (status >= 500) this.log.error('request error', { method: ctx.method, url: ctx.rawPath, error: body });
    if (ctx.isSent) return;
    if ((err as { headers?: Record<string, string> }).headers) {
      for (const [k, v] of Object.entries((err as { headers: Record<string, string> }).headers)) ctx.res.setHeader(k, v);
    }
    try {
      ctx.sendText(status, body)?.catch(() => ctx.res.destroy());
    } catch {
      ctx.res.destroy();
    }
  }
}

function redirect(ctx: Ctx, location: string): Sent {
  ctx.res.setHeader('Location', location);
  const body = ctx.method === 'GET' ? `<a href="${location}">Moved Permanently</a>.\n\n` : '';
  return ctx.send(301, body, body ? 'text/html; charset=utf-8' : null);
}
