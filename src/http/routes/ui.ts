// "/" and the web UI. With the UI on (-ui, ui_config.enabled, always in -dev) or a custom directory
// (-ui-dir), "/" redirects to ui_config.content_path and every path below it is a file of the built UI,
// or index.html for the app's own deep links (/ui/services/web). Without it, "/" answers Consul's text.
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import type { AgentApi } from '../backend.js';
import type { Ctx } from '../context.js';
import type { Router } from '../router.js';

const UI_DISABLED =
  'Consul Agent: UI disabled. To enable, set ui_config.enabled=true in the agent configuration and restart.';

/** Where `npm run build:ui` writes the bundled UI: dist/ui, beside dist/src (this file is dist/src/http/routes/ui.js). */
export const BUILTIN_UI_DIR = resolve(import.meta.dirname, '../../../ui');

const ROBOTS = 'User-agent: *\nDisallow: /\n';

/** The built UI names every bundle file by its hash: those never change, everything else is revalidated. */
const IMMUTABLE_DIR = 'assets';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

export function registerIndexRoutes(router: Router, agent: AgentApi): void {
  const ui = agent.httpConfig.ui;
  // Consul serves a custom directory even when ui_config.enabled is false (IsUIEnabled: dir != "" || enabled).
  const active = ui.enabled || ui.dir !== null;
  router.add('/', ['GET', 'PUT', 'POST', 'DELETE', 'PATCH'], async (ctx) => {
    if (ctx.path !== '/') {
      const body = ctx.path.includes('/v1/')
        ? 'Invalid URL path: not a recognized HTTP API endpoint'
        : "Invalid URL path: if attempting to use the HTTP API, ensure the path starts with '/v1/'";
      return ctx.sendText(404, body);
    }
    if (active) {
      ctx.res.setHeader('Location', ui.contentPath);
      return ctx.send(301, '', null);
    }
    return ctx.sendText(200, UI_DISABLED);
  });
  if (!active) return;
  router.add('/robots.txt', ['GET'], (ctx) => ctx.sendText(200, ROBOTS));
  const files: UiFiles = {
    root: resolve(ui.dir ?? BUILTIN_UI_DIR),
    // Our own index.html carries <base href="/ui/">; a custom directory is served as it is.
    baseHref: ui.dir === null ? ui.contentPath : null,
  };
  router.add(ui.contentPath, ['GET'], (ctx) => serveUi(ctx, files));
}

interface UiFiles {
  /** Absolute directory; nothing outside it is ever read. */
  root: string;
  /** When set, index.html's <base href> is rewritten to this content path. */
  baseHref: string | null;
}

async function serveUi(ctx: Ctx, files: UiFiles): Promise<void> {
  const segments = ctx.rest.split('/').filter((s) => s !== '' && s !== '.');
  // The router already redirected literal "..", so these came percent-encoded (%2e%2e, %2f, %5c).
  if (segments.some((s) => s === '..' || s.includes('\\') || s.includes('\0') || s.includes('/'))) {
    return ctx.sendText(400, 'Invalid URL path');
  }
  const file = resolve(files.root, ...segments);
  if (file !== files.root && !file.startsWith(files.root + sep)) return ctx.sendText(400, 'Invalid URL path');
  const info = await stat(file).catch(() => null);
  if (info?.isFile()) return sendFile(ctx, files, file, segments[0] === IMMUTABLE_DIR);
  // A missing bundle file is an error the browser should see, not the app's HTML.
  if (segments[0] === IMMUTABLE_DIR) return ctx.sendText(404, 'Not found');
  return sendIndex(ctx, files);
}

async function sendIndex(ctx: Ctx, files: UiFiles): Promise<void> {
  const index = resolve(files.root, 'index.html');
  let html: string;
  try {
    html = await readFile(index, 'utf8');
  } catch {
    return ctx.sendText(
      404,
      files.baseHref === null
        ? `UI directory ${files.root} has no index.html`
        : 'The web UI is not built: run `npm run build:ui` (npm install does it).',
    );
  }
  if (files.baseHref !== null) {
    html = html.replace(/<base href="[^"]*"\s*\/?>/, `<base href="${files.baseHref}">`);
  }
  ctx.res.setHeader('Cache-Control', 'no-cache');
  return ctx.send(200, html, CONTENT_TYPES['.html']!);
}

async function sendFile(ctx: Ctx, files: UiFiles, file: string, immutable: boolean): Promise<void> {
  if (file === resolve(files.root, 'index.html')) return sendIndex(ctx, files);
  const body = await readFile(file);
  const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  ctx.res.setHeader('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  ctx.res.setHeader('X-Content-Type-Options', 'nosniff');
  return ctx.send(200, body, type);
}
