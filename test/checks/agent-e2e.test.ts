// End to end through a real dev agent process: HTTP checks turn passing, critical when the target
// stops, passing when it returns; script checks are refused unless enabled; DeregisterCriticalServiceAfter
// removes a service whose check stays critical; a TTL check's last report survives a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { http as call, startAgent, tempDir } from '../support/agent-process.js';
import { waitFor } from '../support/wait.js';
import { closedPort, listen } from './support.js';

async function catalogCheck(base: string, service: string): Promise<{ Status: string; Output: string } | undefined> {
  const r = await call(base, 'GET', `/v1/health/checks/${service}`);
  return r.status === 200 ? (r.json() as Array<{ Status: string; Output: string }>)[0] : undefined;
}

test('an HTTP check on a dev agent goes passing, critical when its target stops, and passing again', async (t) => {
  const agent = await startAgent({ ip: '127.0.0.80' });
  t.after(() => agent.stop());
  const target = http.createServer((_req, res) => res.end('healthy'));
  const addr = await listen(target, '127.0.0.80');
  t.after(() => target.close());
  const url = `http://${addr}/health`;
  const reg = await call(agent.base, 'PUT', '/v1/agent/service/register', JSON.stringify({
    Name: 'web', Port: Number(addr.split(':')[1]), Check: { HTTP: url, Interval: '1s', Timeout: '1s' },
  }));
  assert.equal(reg.status, 200, reg.text);
  const up = await waitFor(async () => {
    const c = await catalogCheck(agent.base, 'web');
    return c?.Status === 'passing' ? c : undefined;
  }, { timeoutMs: 20_000, what: 'the HTTP check to pass in the catalog' });
  assert.equal(up.Output, `HTTP GET ${url}: 200 OK Output: healthy`);

  await new Promise((r) => target.close(r));
  const down = await waitFor(async () => {
    const c = await catalogCheck(agent.base, 'web');
    return c?.Status === 'critical' ? c : undefined;
  }, { timeoutMs: 20_000, what: 'the HTTP check to go critical after the target stopped' });
  assert.match(down.Output, /connection refused/);

  const again = http.createServer((_req, res) => res.end('back'));
  await new Promise<void>((r) => again.listen(Number(addr.split(':')[1]), '127.0.0.80', r));
  t.after(() => again.close());
  await waitFor(async () => (await catalogCheck(agent.base, 'web'))?.Status === 'passing', {
    timeoutMs: 20_000, what: 'the HTTP check to pass again',
  });
});

test('script checks are refused by default and run with -enable-script-checks', async (t) => {
  const body = JSON.stringify({ Name: 'script', Args: ['/bin/sh', '-c', 'echo script says hi; exit 1'], Interval: '1s' });
  const plain = await startAgent({ ip: '127.0.0.81' });
  t.after(() => plain.stop());
  const refused = await call(plain.base, 'PUT', '/v1/agent/check/register', body);
  assert.equal(refused.status, 500);
  assert.match(refused.text, /Scripts are disabled on this agent from remote calls/);

  const enabled = await startAgent({ ip: '127.0.0.82', args: ['-enable-script-checks'] });
  t.after(() => enabled.stop());
  const ok = await call(enabled.base, 'PUT', '/v1/agent/check/register', body);
  assert.equal(ok.status, 200, ok.text);
  const check = await waitFor(async () => {
    const c = (await call(enabled.base, 'GET', '/v1/agent/checks')).json().script as { Status: string; Output: string; Type: string };
    return c?.Status === 'warning' ? c : undefined;
  }, { timeoutMs: 20_000, what: 'the script check to report warning (exit 1)' });
  assert.equal(check.Output, 'script says hi\n');
  assert.equal(check.Type, 'script');
});

test('DeregisterCriticalServiceAfter removes a service whose check stays critical (1 minute minimum)', async (t) => {
  const agent = await startAgent({ ip: '127.0.0.83' });
  t.after(() => agent.stop());
  const port = await closedPort();
  const reg = await call(agent.base, 'PUT', '/v1/agent/service/register', JSON.stringify({
    Name: 'doomed',
    Check: { TCP: `127.0.0.83:${port}`, Interval: '1s', Timeout: '1s', DeregisterCriticalServiceAfter: '1s' },
  }));
  assert.equal(reg.status, 200, reg.text);
  await waitFor(async () => (await call(agent.base, 'GET', '/v1/agent/services')).json().doomed, { what: 'the service to be registered' });
  // Raised to one minute, reaped within the next 30 s tick.
  await waitFor(async () => !(await call(agent.base, 'GET', '/v1/agent/services')).json().doomed, {
    timeoutMs: 150_000, intervalMs: 1000, what: 'the reaper to deregister the service',
  });
  await waitFor(async () => {
    const r = await call(agent.base, 'GET', '/v1/catalog/service/doomed');
    return (r.json() as unknown[]).length === 0;
  }, { timeoutMs: 20_000, what: 'the catalog to drop the service' });
  assert.deepEqual(Object.keys((await call(agent.base, 'GET', '/v1/agent/checks')).json()), []);
});

test('a TTL check comes back from a restart with the status it was last given, until that report expires', async (t) => {
  const dataDir = tempDir('ttl-state');
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const start = () => startAgent({ ip: '127.0.0.96', dev: false, args: ['-server', '-bootstrap', '-data-dir', dataDir] });
  const checks = async (base: string) => (await call(base, 'GET', '/v1/agent/checks')).json() as Record<string, { Status: string; Output: string }>;
  let agent = await start();
  t.after(() => agent.kill9().catch(() => {}));
  const put = (path: string, body?: string) => call(agent.base, 'PUT', path, body);
  assert.equal((await put('/v1/agent/check/register', JSON.stringify({ ID: 'long', Name: 'long', TTL: '5m' }))).status, 200);
  assert.equal((await put('/v1/agent/check/register', JSON.stringify({ ID: 'short', Name: 'short', TTL: '1s' }))).status, 200);
  assert.equal((await put('/v1/agent/check/pass/long?note=all%20good')).status, 200);
  assert.equal((await put('/v1/agent/check/warn/short?note=soon%20stale')).status, 200);
  const reportedAt = Date.now();
  assert.equal((await checks(agent.base)).long!.Status, 'passing');
  await agent.stop();
  // The short check's report expires one second after it was made; wait for that before restarting.
  await waitFor(() => Date.now() - reportedAt > 2000, { what: 'the 1 s TTL report to expire' });
  agent = await start();
  const after = await checks(agent.base);
  assert.deepEqual({ Status: after.long!.Status, Output: after.long!.Output }, { Status: 'passing', Output: 'all good' });
  // An expired report is not restored: the check starts as a new TTL check does, critical.
  assert.equal(after.short!.Status, 'critical');
  assert.notEqual(after.short!.Output, 'soon stale');
  // Deregistering removes the saved state with the definition.
  assert.equal((await put('/v1/agent/check/deregister/long')).status, 200);
  assert.equal((await put('/v1/agent/check/deregister/short')).status, 200);
  assert.deepEqual(readdirSync(join(dataDir, 'checks', 'state')), []);
});
