// HTTP checks against a real local server: status mapping, output text, headers, redirects, TLS,
// body caps, timeouts and refused connections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
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

test('every run dials a fresh connection and asks the server to close it, as Consul does', async (t) => {
  const sockets = new Set<unknown>();
  const connHeaders: string[] = [];
  const server = http.createServer((req, res) => {
    sockets.add(req.socket);
    connHeaders.push(String(req.headers.connection));
    res.end('fresh');
  });
  server.keepAliveTimeout = 60_000;
  const addr = await listen(server);
  t.after(() => server.close());
  const probe = new HttpProbe(opts(`http://${addr}/`));
  for (let i = 0; i < 3; i++) assert.deepEqual(await probe.run(), { status: 'passing', output: `HTTP GET http://${addr}/: 200 OK Output: fresh` });
  assert.equal(sockets.size, 3, 'three runs, three connections');
  assert.deepEqual(connHeaders, ['close', 'close', 'close']);
  // A target that stops accepting is critical at the next run, whatever connections it still holds.
  await new Promise((r) => server.close(r));
  const down = await probe.run();
  assert.equal(down.status, 'critical');
  assert.match(down.output, /connection refused/);
});

test('chunked, Content-Length and read-to-close bodies, interim 100 responses and HEAD all read right', async (t) => {
  const raw = net.createServer((sock) => {
    let got = '';
    sock.on('data', (c) => {
      got += c.toString('latin1');
      if (!got.includes('\r\n\r\n')) return;
      const path = got.split(' ')[1];
      if (path === '/chunked') sock.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n');
      else if (path === '/length') sock.write('HTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\nfour'); // left open: the length ends it
      else if (path === '/eof') sock.end('HTTP/1.0 200 OK\r\n\r\nuntil the end');
      else if (path === '/continue') sock.end('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\ndown');
      else if (path === '/head') sock.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n'); // HEAD: no body follows
      else if (path === '/garbage') sock.end('SSH-2.0-OpenSSH\r\n\r\n');
      else sock.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\ncut'); // shorter than announced
    });
  });
  const addr = await listen(raw);
  t.after(() => raw.close());
  const run = (path: string, o: Partial<HttpCheckOptions> = {}) => new HttpProbe(opts(`http://${addr}${path}`, o)).run();
  assert.deepEqual(await run('/chunked'), { status: 'passing', output: `HTTP GET http://${addr}/chunked: 200 OK Output: hello world` });
  assert.deepEqual(await run('/length'), { status: 'passing', output: `HTTP GET http://${addr}/length: 201 Created Output: four` });
  assert.deepEqual(await run('/eof'), { status: 'passing', output: `HTTP GET http://${addr}/eof: 200 OK Output: until the end` });
  assert.deepEqual(await run('/continue'), { status: 'critical', output: `HTTP GET http://${addr}/continue: 503 Service Unavailable Output: down` });
  assert.deepEqual(await run('/head', { method: 'HEAD' }), { status: 'passing', output: `HTTP HEAD http://${addr}/head: 200 OK Output: ` });
  assert.deepEqual(await run('/short'), { status: 'passing', output: `HTTP GET http://${addr}/short: 200 OK Output: cut` });
  const injected = await run('/length', { header: { 'X-Evil': ['a\r\nX-Injected: 1'] } });
  assert.deepEqual(injected, { status: 'critical', output: `Get "http://${addr}/length": net/http: invalid header field value for "X-Evil"` });
  const bad = await run('/garbage');
  assert.equal(bad.status, 'critical');
  assert.match(bad.output, /malformed HTTP response/);
});
