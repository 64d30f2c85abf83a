// TCP and UDP checks against real local listeners.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import dgram from 'node:dgram';
import { TcpProbe } from '../../src/agent/checks/tcp.js';
import { UdpProbe } from '../../src/agent/checks/udp.js';
import { closedPort, listen, testCert } from './support.js';

const tcpOpts = { timeoutMs: 2000, useTls: false, tlsSkipVerify: false, tlsServerName: '' };

test('TCP checks pass when a connection opens and fail when it is refused', async (t) => {
  const server = net.createServer((s) => s.end());
  const addr = await listen(server);
  t.after(() => server.close());
  assert.deepEqual(await new TcpProbe({ addr, ...tcpOpts }).run(), { status: 'passing', output: `TCP connect ${addr}: Success` });
  const port = await closedPort();
  assert.deepEqual(await new TcpProbe({ addr: `127.0.0.1:${port}`, ...tcpOpts }).run(), {
    status: 'critical',
    output: `dial tcp 127.0.0.1:${port}: connect: connection refused`,
  });
  const bad = await new TcpProbe({ addr: 'no-port-here', ...tcpOpts }).run();
  assert.equal(bad.status, 'critical');
});

test('TCP+TLS checks complete a handshake, verifying unless told not to', async (t) => {
  const server = tls.createServer(testCert(), (s) => s.end());
  const addr = await listen(server);
  t.after(() => server.close());
  const skip = await new TcpProbe({ addr, ...tcpOpts, useTls: true, tlsSkipVerify: true }).run();
  assert.deepEqual(skip, { status: 'passing', output: `TCP+TLS connect ${addr}: Success` });
  const strict = await new TcpProbe({ addr, ...tcpOpts, useTls: true }).run();
  assert.equal(strict.status, 'critical');
  // A plain TCP listener is not a TLS server: the handshake fails.
  const plain = net.createServer((s) => s.end('not tls'));
  const plainAddr = await listen(plain);
  t.after(() => plain.close());
  assert.equal((await new TcpProbe({ addr: plainAddr, ...tcpOpts, useTls: true, tlsSkipVerify: true }).run()).status, 'critical');
});

test('UDP checks pass on a reply and on silence until the timeout', async (t) => {
  const echo = dgram.createSocket('udp4');
  echo.on('message', (m, r) => echo.send('pong', r.port, r.address));
  await new Promise<void>((r) => echo.bind(0, '127.0.0.1', r));
  const silent = dgram.createSocket('udp4');
  await new Promise<void>((r) => silent.bind(0, '127.0.0.1', r));
  t.after(() => {
    echo.close();
    silent.close();
  });
  const echoAddr = `127.0.0.1:${echo.address().port}`;
  assert.deepEqual(await new UdpProbe({ addr: echoAddr, timeoutMs: 5000 }).run(), { status: 'passing', output: `UDP connect ${echoAddr}: Success` });
  const silentAddr = `127.0.0.1:${silent.address().port}`;
  assert.deepEqual(await new UdpProbe({ addr: silentAddr, timeoutMs: 200 }).run(), { status: 'passing', output: `UDP connect ${silentAddr}: Success` });
});

test('UDP checks are critical when the port is closed (ICMP port unreachable)', async () => {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  const r = await new UdpProbe({ addr: `127.0.0.1:${port}`, timeoutMs: 3000 }).run();
  assert.equal(r.status, 'critical');
  assert.match(r.output, /connection refused/);
});
