// Serving the web UI: redirects, SPA fallback, content types, caching, gzip, -ui-content-path,
// -ui-dir, the UI switched off, and no way out of the UI directory.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { http, REPO_ROOT, startAgent, tempDir, type AgentProcess } from '../support/agent-process.js';

const BUILT = join(REPO_ROOT, 'dist/ui');
const agents: AgentProcess[] = [];

before(() => {
  assert.ok(existsSync(join(BUILT, 'index.html')), 'the UI is not built: run `npm run build:ui`');
});

after(async () => {
  await Promise.all(agents.map((a) => a.stop()));
});

async function agent(ip: string, args: string[] = []): Promise<AgentProcess> {
  const a = await startAgent({ ip, args, nodeName: `ui-static-${ip.split('.').pop()}` });
  agents.push(a);
  return a;
}

/** A raw GET: the path goes on the wire exactly as written (fetch would normalise %2e%2e). */
function rawGet(base: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, headers, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

function builtAsset(ext: string): string {
  const name = readdirSync(join(BUILT, 'assets')).find((f) => f.endsWith(ext) && f.startsWith('index-'));
  assert.ok(name, `no ${ext} bundle in dist/ui/assets`);
  return name;
}

test('the built UI is served at /ui/ in -dev, with deep links falling back to index.html', async () => {
  const a = await agent('127.0.0.61');
  const root = await http(a.base, 'GET', '/');
  assert.equal(root.status, 301);
  assert.equal(root.headers.get('location'), '/ui/');
  const noSlash = await http(a.base, 'GET', '/ui');
  assert.equal(noSlash.status, 301);
  assert.equal(noSlash.headers.get('location'), '/ui/');

  const index = await http(a.base, 'GET', '/ui/');
  assert.equal(index.status, 200);
  assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(index.headers.get('cache-control'), 'no-cache');
  assert.match(index.text, /<base href="\/ui\/">/);
  assert.match(index.text, /<div id="app">/);
  for (const deep of ['/ui/services/web', '/ui/kv/app/config.json', '/ui/nodes/n1?tab=sessions', '/ui/index.html']) {
    const r = await http(a.base, 'GET', deep);
    assert.equal(r.status, 200, deep);
    assert.equal(r.text, index.text, deep);
  }

  const js = builtAsset('.js');
  const asset = await http(a.base, 'GET', `/ui/assets/${js}`);
  assert.equal(asset.status, 200);
  assert.equal(asset.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  const css = await http(a.base, 'GET', `/ui/assets/${builtAsset('.css')}`);
  assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
  const icon = await http(a.base, 'GET', '/ui/favicon.svg');
  assert.equal(icon.headers.get('content-type'), 'image/svg+xml');

  // A bundle file that does not exist is a 404, not the app's HTML under a script's name.
  const missing = await http(a.base, 'GET', '/ui/assets/index-missing.js');
  assert.equal(missing.status, 404);

  const robots = await http(a.base, 'GET', '/robots.txt');
  assert.equal(robots.status, 200);
  assert.equal(robots.text, 'User-agent: *\nDisallow: /\n');
  const head = await http(a.base, 'HEAD', '/ui/');
  assert.equal(head.status, 200);
  const post = await http(a.base, 'POST', '/ui/');
  assert.equal(post.status, 405);

  const plain = await rawGet(a.base, `/ui/assets/${js}`);
  const gz = await rawGet(a.base, `/ui/assets/${js}`, { 'accept-encoding': 'gzip, deflate' });
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.ok(gz.body.length < plain.body.length / 2);
  assert.deepEqual(gunzipSync(gz.body), plain.body);
});

test('paths that try to leave the UI directory are refused', async () => {
  const a = agents[0] ?? (await agent('127.0.0.61'));
  const attempts = [
    '/ui/%2e%2e/%2e%2e/package.json',
    '/ui/..%2f..%2fpackage.json',
    '/ui/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2fpackage.json',
    '/ui/%2e%2e%5c%2e%2e%5cpackage.json',
    '/ui/..%5c..%5cpackage.json',
    '/ui/%2e%2e/src/index.html',
  ];
  for (const p of attempts) {
    const r = await rawGet(a.base, p);
    assert.equal(r.status, 400, p);
    assert.doesNotMatch(r.body.toString(), /"name": "conclave"/, p);
  }
  // Literal dot segments are cleaned by the router first (Go ServeMux behaviour): a redirect, never a file.
  const literal = await rawGet(a.base, '/ui/../package.json');
  assert.equal(literal.status, 301);
  assert.equal(literal.headers.location, '/package.json');
});

test('-ui-content-path moves the UI and rewrites the page base', async () => {
  const a = await agent('127.0.0.62', ['-ui-content-path', '/console']);
  const root = await http(a.base, 'GET', '/');
  assert.equal(root.headers.get('location'), '/console/');
  const index = await http(a.base, 'GET', '/console/services');
  assert.equal(index.status, 200);
  assert.match(index.text, /<base href="\/console\/">/);
  const old = await http(a.base, 'GET', '/ui/');
  assert.equal(old.status, 404);
  const js = await http(a.base, 'GET', `/console/assets/${builtAsset('.js')}`);
  assert.equal(js.status, 200);
});

test('-ui-dir serves a custom directory as it is, and nothing beside it', async () => {
  const dir = tempDir('ui-dir');
  const site = join(dir, 'site');
  mkdirSync(join(site, 'static'), { recursive: true });
  writeFileSync(join(site, 'index.html'), '<html><base href="/keep/">custom</html>');
  writeFileSync(join(site, 'static', 'app.css'), 'body{}');
  writeFileSync(join(dir, 'secret.txt'), 'do not serve');
  const a = await agent('127.0.0.63', ['-ui-dir', site]);
  const index = await http(a.base, 'GET', '/ui/');
  assert.equal(index.text, '<html><base href="/keep/">custom</html>');
  const deep = await http(a.base, 'GET', '/ui/anything/here');
  assert.equal(deep.text, index.text);
  const css = await http(a.base, 'GET', '/ui/static/app.css');
  assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
  assert.equal(css.text, 'body{}');
  const escape = await rawGet(a.base, '/ui/%2e%2e/secret.txt');
  assert.equal(escape.status, 400);
  assert.doesNotMatch(escape.body.toString(), /do not serve/);
});

test('with the UI switched off, / answers Consul text and /ui/ is not served', async () => {
  const a = await agent('127.0.0.65', ['-hcl', 'ui_config { enabled = false }']);
  const root = await http(a.base, 'GET', '/');
  assert.equal(root.status, 200);
  assert.match(root.text, /^Consul Agent: UI disabled\./);
  const ui = await http(a.base, 'GET', '/ui/');
  assert.equal(ui.status, 404);
  const robots = await http(a.base, 'GET', '/robots.txt');
  assert.equal(robots.status, 404);
});
