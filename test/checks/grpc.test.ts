// gRPC health and H2PING checks against small HTTP/2 servers started here (cleartext and TLS).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { GrpcProbe } from '../../src/agent/checks/grpc.js';
import { H2PingProbe } from '../../src/agent/checks/h2ping.js';
import { decodeHealthRequest, encodeHealthResponse } from '../../src/agent/checks/grpc-health.js';
import { closedPort, listen, testCert } from './support.js';

/** A gRPC health server: '' and 'up' are SERVING, 'down' NOT_SERVING, anything else NOT_FOUND. */
function healthHandler(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
  if (headers[':path'] !== '/grpc.health.v1.Health/Check') {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12' }, { endStream: true });
    return;
  }
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => {
    const framed = Buffer.concat(chunks);
    const service = decodeHealthRequest(framed.subarray(5, 5 + framed.readUInt32BE(1)));
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => {
      if (service === '' || service === 'up' || service === 'down') stream.sendTrailers({ 'grpc-status': '0' });
      else stream.sendTrailers({ 'grpc-status': '5', 'grpc-message': 'unknown service' });
    });
    if (service === '' || service === 'up') stream.end(encodeHealthResponse(1));
    else if (service === 'down') stream.end(encodeHealthResponse(2));
    else stream.end();
  });
}

const grpcOpts = { timeoutMs: 2000, useTls: false, tlsSkipVerify: false, tlsServerName: '' };

test('gRPC checks speak grpc.health.v1 over cleartext HTTP/2', async (t) => {
  const server = http2.createServer();
  server.on('stream', healthHandler);
  const addr = await listen(server);
  t.after(() => server.close());
  assert.deepEqual(await new GrpcProbe({ target: addr, ...grpcOpts }).run(), { status: 'passing', output: `gRPC check ${addr}: success` });
  assert.deepEqual(await new GrpcProbe({ target: `${addr}/up`, ...grpcOpts }).run(), { status: 'passing', output: `gRPC check ${addr}/up: success` });
  assert.deepEqual(await new GrpcProbe({ target: `${addr}/down`, ...grpcOpts }).run(), { status: 'critical', output: `gRPC ${addr}/down serving status: NOT_SERVING` });
  assert.deepEqual(await new GrpcProbe({ target: `${addr}/other`, ...grpcOpts }).run(), { status: 'critical', output: 'rpc error: code = NotFound desc = unknown service' });
  const port = await closedPort();
  const refused = await new GrpcProbe({ target: `127.0.0.1:${port}`, ...grpcOpts }).run();
  assert.equal(refused.status, 'critical');
  assert.match(refused.output, /code = Unavailable.*connection refused/);
});

test('gRPC checks with GRPCUseTLS go over TLS', async (t) => {
  const server = http2.createSecureServer(testCert());
  server.on('stream', healthHandler);
  const addr = await listen(server);
  t.after(() => server.close());
  assert.deepEqual(await new GrpcProbe({ target: `${addr}/up`, ...grpcOpts, useTls: true, tlsSkipVerify: true }).run(), {
    status: 'passing',
    output: `gRPC check ${addr}/up: success`,
  });
  assert.equal((await new GrpcProbe({ target: addr, ...grpcOpts, useTls: true }).run()).status, 'critical');
});

test('a gRPC server that never answers times the check out', async (t) => {
  const server = http2.createServer();
  server.on('stream', () => {});
  const addr = await listen(server);
  t.after(() => server.close());
  const r = await new GrpcProbe({ target: addr, ...grpcOpts, timeoutMs: 200 }).run();
  assert.deepEqual(r, { status: 'critical', output: 'rpc error: code = DeadlineExceeded desc = context deadline exceeded' });
});

const pingOpts = { timeoutMs: 2000, tlsSkipVerify: false, tlsServerName: '' };

test('H2PING checks ping h2c and h2 (TLS) servers', async (t) => {
  const h2c = http2.createServer();
  const h2 = http2.createSecureServer(testCert());
  const h2cAddr = await listen(h2c);
  const h2Addr = await listen(h2);
  t.after(() => {
    h2c.close();
    h2.close();
  });
  assert.deepEqual(await new H2PingProbe({ addr: h2cAddr, ...pingOpts, useTls: false }).run(), { status: 'passing', output: 'HTTP2 ping was successful' });
  assert.deepEqual(await new H2PingProbe({ addr: h2Addr, ...pingOpts, useTls: true, tlsSkipVerify: true }).run(), { status: 'passing', output: 'HTTP2 ping was successful' });
  const strict = await new H2PingProbe({ addr: h2Addr, ...pingOpts, useTls: true }).run();
  assert.equal(strict.status, 'critical');
  assert.match(strict.output, /^Failed to dial to /);
  const port = await closedPort();
  assert.deepEqual(await new H2PingProbe({ addr: `127.0.0.1:${port}`, ...pingOpts, useTls: false }).run(), {
    status: 'critical',
    output: `Failed to dial to 127.0.0.1:${port}: dial tcp 127.0.0.1:${port}: connect: connection refused`,
  });
});
