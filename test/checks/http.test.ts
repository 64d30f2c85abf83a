// HTTP checks against a real local server: status mapping, output text, headers, redirects, TLS,
// body caps, timeouts and refused connections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { HttpProbe, type HttpCheckOptions } from '../../src/agent/checks/http.js';
import { closedPort, listen, testCert } from './support.js';

const seen: http.IncomingMessage[] = [];
const bodies: string[] = [];
const handler: http.RequestListener = (req, res) => {
  seen.push(req);
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    bodies.push(body);
    const path = req.url ?? '/';
    if (path === '/ok') return res.end('all good');
    if (path === '/busy') return res.writeHead(429).end('slow down');
    if (path === '/broken') return res.writeHead(500).end('boom');
    if (path === '/moved') return res.writeHead(302, { location: '/ok' }).end();
    if (path === '/keep') return res.writeHead(307, { location: '/ok' }).end();
    if (path === '/loop') return res.writeHead(302, { location: '/loop' }).end();
    if (path === '/big') return res.end('a'.repeat(10_000) + 'THE-END');
    if (path === '/hang') return; // never answers
    res.writeHead(404).end('nope');
  });
};

const opts = (url: string, o: Partial<HttpCheckOptions> = {}): HttpCheckOptions => ({
  url, method: 'GET', header: {}, body: '', timeoutMs: 2000, outputMax: 4096,
  tlsSkipVerify: false, tlsServerName: '', disableRedirects: false, ...o,
});

test('HTTP checks map 2xx, 429 and other statuses and report Consul\'s output text', async (t) => {
  const server = http.createServer(handler);
  const addr = await listen(server);
  t.after(() => server.close());
  const base = `http://${addr}`;
  assert.deepEqual(await new HttpProbe(opts(`${base}/ok`)).run(), { status: 'passing', output: `HTTP GET ${base}/ok: 200 OK Output: all good` });
  assert.deepEqual(await new HttpProbe(opts(`${base}/busy`)).run(), { status: 'warning', output: `HTTP GET ${base}/busy: 429 Too Many Requests Output: slow down` });
  assert.deepEqual(await new HttpProbe(opts(`${base}/broken`)).run(), { status: 'critical', output: `HTTP GET ${base}/broken: 500 Internal Server Error Output: boom` });
});

test('HTTP checks send the default headers, honour Host, custom headers, method and body', async (t) => {
  const server = http.createServer(handler);
  const addr = await listen(server);
  t.after(() => server.close());
  seen.length = 0;
  bodies.length = 0;
  await new HttpProbe(opts(`http://${addr}/ok`)).run();
  assert.equal(seen[0]!.headers['user-agent'], 'Consul Health Check');
  assert.equal(seen[0]!.headers['accept'], 'text/plain, text/*, */*');
  assert.equal(seen[0]!.headers['host'], addr);
  const r = await new HttpProbe(opts(`http://${addr}/ok`, {
    method: 'POST', body: '{"ping":1}',
    header: { Host: ['svc.example'], 'X-Probe': ['a', 'b'], 'User-Agent': ['mine'] },
  })).run();
  assert.equal(r.output, `HTTP POST http://${addr}/ok: 200 OK Output: all good`);
  const req = seen[1]!;
  assert.equal(req.method, 'POST');
  assert.equal(req.headers['host'], 'svc.example');
  assert.equal(req.headers['x-probe'], 'a, b');
  assert.equal(req.headers['user-agent'], 'mine');
  assert.equal(bodies[1], '{"ping":1}');
});

test('HTTP checks follow redirects unless DisableRedirects, and stop after 10', async (t) => {
  const server = http.createServer(handler);
  const addr = await listen(server);
  t.after(() => server.close());
  const base = `http://${addr}`;
  assert.deepEqual(await new HttpProbe(opts(`${base}/moved`)).run(), { status: 'passing', output: `HTTP GET ${base}/moved: 200 OK Output: all good` });
  const no = await new HttpProbe(opts(`${base}/moved`, { disableRedirects: true })).run();
  assert.deepEqual(no, { status: 'critical', output: `HTTP GET ${base}/moved: 302 Found Output: ` });
  // 307 keeps the method and body.
  bodies.length = 0;
  seen.length = 0;
  await new HttpProbe(opts(`${base}/keep`, { method: 'PUT', body: 'x=1' })).run();
  assert.deepEqual(seen.map((r) => r.method), ['PUT', 'PUT']);
  assert.deepEqual(bodies, ['x=1', 'x=1']);
  const loop = await new HttpProbe(opts(`${base}/loop`)).run();
  assert.deepEqual(loop, { status: 'critical', output: `Get "${base}/loop": stopped after 10 redirects` });
});

test('HTTP output keeps only the last OutputMaxSize bytes of the body', async (t) => {
  const server = http.createServer(handler);
  const addr = await listen(server);
  t.after(() => server.close());
  const r = await new HttpProbe(opts(`http://${addr}/big`, { outputMax: 100 })).run();
  const body = r.output.split(' Output: ')[1]!;
  assert.equal(body.length, 100);
  assert.ok(body.endsWith('THE-END'));
});

test('HTTP checks are critical on timeout and on a refused connection', async (t) => {
  const server = http.createServer(handler);
  const addr = await listen(server);
  t.after(() => server.closeAllConnections());
  t.after(() => server.close());
  const slow = await new HttpProbe(opts(`http://${addr}/hang`, { timeoutMs: 200 })).run();
  assert.equal(slow.status, 'critical');
  assert.match(slow.output, /^Get "http:\/\/127\.0\.0\.1:\d+\/hang": context deadline exceeded/);
  const port = await closedPort();
  const refused = await new HttpProbe(opts(`http://127.0.0.1:${port}/`)).run();
  assert.deepEqual(refused, { status: 'critical', output: `Get "http://127.0.0.1:${port}/": dial tcp 127.0.0.1:${port}: connect: connection refused` });
  const bad = await new HttpProbe(opts('not a url')).run();
  assert.equal(bad.status, 'critical');
});

test('HTTPS checks verify the certificate unless TLSSkipVerify, and use TLSServerName', async (t) => {
  const server = https.createServer(testCert(), handler);
  const addr = await listen(server);
  t.after(() => server.close());
  const url = `https://${addr}/ok`;
  const strict = await new HttpProbe(opts(url)).run();
  assert.equal(strict.status, 'critical');
  assert.match(strict.output, /self[- ]signed/i);
  assert.deepEqual(await new HttpProbe(opts(url, { tlsSkipVerify: true })).run(), { status: 'passing', output: `HTTP GET ${url}: 200 OK Output: all good` });
  // The SNI name reaches the server.
  let sni = '';
  server.on('secureConnection', (s) => (sni = (s as unknown as { servername: string }).servername));
  await new HttpProbe(opts(url, { tlsSkipVerify: true, tlsServerName: 'api.internal' })).run();
  assert.equal(sni, 'api.internal');
});

test('with keep-alive pools, runs reuse one connection and survive a target closing it under them', async (t) => {
  const { HttpPools } = await import('../../src/agent/checks/http.js');
  const pools = new HttpPools();
  t.after(() => pools.destroy());
  const perSocket = new Map<unknown, number>();
  let dropReused = false;
  const server = http.createServer((req, res) => {
    const n = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, n);
    // Like a target whose idle timeout fires just as the check sends: the reused connection dies.
    if (dropReused && n > 1) return req.socket.destroy();
    res.end('pooled');
  });
  server.keepAliveTimeout = 60_000;
  const addr = await listen(server);
  t.after(() => server.close());
  const probe = new HttpProbe(opts(`http://${addr}/`, { pools }));
  assert.equal((await probe.run()).status, 'passing');
  assert.equal((await probe.run()).status, 'passing');
  assert.equal(perSocket.size, 1, 'two runs, one connection');
  dropReused = true;
  assert.deepEqual(await probe.run(), { status: 'passing', output: `HTTP GET http://${addr}/: 200 OK Output: pooled` });
  assert.equal(perSocket.size, 2, 'the retry dialled a fresh connection');
  // A target that goes away is still seen at once.
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  const down = await probe.run();
  assert.equal(down.status, 'critical');
  assert.match(down.output, /connection refused/);
});
