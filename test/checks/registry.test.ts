// The registry with the agent's real LocalState: runners record into local state, damping applies,
// removal stops reporting, alias checks follow local checks, and the reaper deregisters services.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { CheckRegistry, type CheckAgent } from '../../src/agent/checks/registry.js';
import { LocalState } from '../../src/agent/local-state.js';
import { healthCheckFor, parseCheck, type CheckSpec } from '../../src/agent/definitions.js';
import { createLogger } from '../../src/lib/logger.js';
import { seededRng } from '../../src/lib/rng.js';
import type { CheckDefinition } from '../../src/structs/agent.js';
import type { NodeService } from '../../src/structs/catalog.js';
import { waitFor } from '../support/wait.js';
import { listen } from './support.js';

function fakeAgent(opts: { discard?: boolean } = {}) {
  const state = new LocalState('node1', 0, () => Date.now());
  const deregistered: string[] = [];
  const agent: CheckAgent = {
    config: { nodeName: 'node1', checkOutputMaxSize: 4096, discardCheckOutput: !!opts.discard },
    log: createLogger({ level: 'ERROR', out: { write: () => true } }),
    state,
    rpc: async () => {
      throw new Error('no servers in this test');
    },
    deregisterService: async (id) => {
      deregistered.push(id);
      for (const c of state.liveChecks()) if (c.ServiceID === id) registry.remove(c.CheckID);
      state.removeService(id);
    },
  };
  const registry = new CheckRegistry(agent, { rng: seededRng(1), reapIntervalMs: 20, deregisterMinMs: 100 });
  return { state, registry, deregistered };
}

const svc: NodeService = {
  ID: 'web', Service: 'web', Tags: [], Address: '', Meta: {}, Port: 80,
  Weights: { Passing: 1, Warning: 1 }, EnableTagOverride: false, CreateIndex: 0, ModifyIndex: 0,
};

/** Parses a definition with Consul's rules, then shortens the interval below the 1 s floor for speed. */
function add(f: ReturnType<typeof fakeAgent>, def: CheckDefinition, service: NodeService | null, intervalMs = 20): CheckSpec {
  const spec = { ...parseCheck(def) };
  if (spec.intervalNs > 0) spec.intervalNs = intervalMs * 1e6;
  const row = healthCheckFor(spec, 'node1', service, 0, 1);
  f.state.addCheck(row);
  f.registry.add(spec, row);
  return spec;
}

async function target(t: { after(fn: () => void): void }) {
  let code = 200;
  const server = http.createServer((_req, res) => res.writeHead(code).end(`code ${code}`));
  const addr = await listen(server);
  t.after(() => server.close());
  return { url: `http://${addr}/health`, set: (c: number) => (code = c) };
}

const statusOf = (f: ReturnType<typeof fakeAgent>, id: string) => f.state.check(id)?.Status;

test('an HTTP check records passing, then critical when the target fails, and stops when removed', async (t) => {
  const f = fakeAgent();
  t.after(() => f.registry.stop());
  const tg = await target(t);
  add(f, { Name: 'h', HTTP: tg.url, Interval: '1s' }, null);
  await waitFor(() => statusOf(f, 'h') === 'passing', { what: 'passing' });
  assert.equal(f.state.check('h')!.Output, `HTTP GET ${tg.url}: 200 OK Output: code 200`);
  tg.set(503);
  await waitFor(() => statusOf(f, 'h') === 'critical', { what: 'critical' });
  assert.deepEqual(f.registry.counts(), { http: 1 });
  f.registry.remove('h');
  tg.set(200);
  assert.deepEqual(f.registry.counts(), {});
  // Removal is synchronous: whatever was in flight is dropped, so no further result can land. A
  // second check against the same (now healthy) target completing a probe is the barrier: any
  // probe of 'h' still in flight would have answered by then.
  add(f, { Name: 'barrier', HTTP: tg.url, Interval: '1s' }, null);
  await waitFor(() => statusOf(f, 'barrier') === 'passing', { what: 'the barrier check to pass' });
  assert.equal(statusOf(f, 'h'), 'critical');
});

test('FailuresBeforeWarning/Critical and SuccessBeforePassing damp a flapping target', async (t) => {
  const f = fakeAgent();
  t.after(() => f.registry.stop());
  const tg = await target(t);
  const seen: string[] = [];
  f.state.onChange(() => {
    const s = statusOf(f, 'd');
    if (s && seen[seen.length - 1] !== s) seen.push(s);
  });
  add(f, { Name: 'd', HTTP: tg.url, Interval: '1s', Status: 'passing', FailuresBeforeWarning: 2, FailuresBeforeCritical: 4, SuccessBeforePassing: 3 }, null);
  await waitFor(() => f.state.check('d')!.Output !== '', { what: 'first result' });
  tg.set(500);
  await waitFor(() => statusOf(f, 'd') === 'critical', { what: 'critical after 4 failures' });
  tg.set(200);
  await waitFor(() => statusOf(f, 'd') === 'passing', { what: 'passing after 3 successes' });
  assert.deepEqual(seen, ['passing', 'warning', 'critical', 'passing']);
});

test('discard_check_output records statuses with empty output', async (t) => {
  const f = fakeAgent({ discard: true });
  t.after(() => f.registry.stop());
  const tg = await target(t);
  add(f, { Name: 'q', HTTP: tg.url, Interval: '1s' }, null);
  await waitFor(() => statusOf(f, 'q') === 'passing', { what: 'passing' });
  assert.equal(f.state.check('q')!.Output, '');
});

test('an alias check follows the aliased local service checks: critical > warning > passing', async (t) => {
  const f = fakeAgent();
  t.after(() => f.registry.stop());
  f.state.addService(svc);
  const row = (id: string, status: 'passing' | 'warning' | 'critical') => ({
    ...healthCheckFor(parseCheck({ Name: id, TTL: '30s' }), 'node1', svc, 0, 1), CheckID: id, Name: id, Status: status,
  });
  add(f, { Name: 'alias', AliasService: 'web' }, null);
  await waitFor(() => statusOf(f, 'alias') === 'passing', { what: 'passing with no checks' });
  assert.equal(f.state.check('alias')!.Output, 'No checks found.');
  f.state.addCheck(row('a', 'passing'));
  f.state.addCheck(row('b', 'warning'));
  await waitFor(() => statusOf(f, 'alias') === 'warning', { what: 'warning' });
  f.state.updateCheck('a', 'critical', 'down');
  await waitFor(() => statusOf(f, 'alias') === 'critical', { what: 'critical' });
  assert.equal(f.state.check('alias')!.Output, 'Aliased check "a" failing: down');
  f.state.updateCheck('a', 'passing', '');
  f.state.updateCheck('b', 'passing', '');
  await waitFor(() => statusOf(f, 'alias') === 'passing', { what: 'passing again' });
  assert.equal(f.state.check('alias')!.Output, 'All checks passing.');
  // An aliased service that does not exist is critical.
  add(f, { Name: 'ghost', AliasService: 'nope' }, null);
  await waitFor(() => statusOf(f, 'ghost') === 'critical' && f.state.check('ghost')!.Output !== '', { what: 'ghost critical' });
  assert.equal(f.state.check('ghost')!.Output, 'Service nope could not be found on node ');
});

test('DeregisterCriticalServiceAfter removes a service whose check stays critical, through the agent', async (t) => {
  const f = fakeAgent();
  t.after(() => f.registry.stop());
  const tg = await target(t);
  tg.set(500);
  f.state.addService(svc);
  add(f, { Name: 'r', CheckID: 'r', HTTP: tg.url, Interval: '1s', DeregisterCriticalServiceAfter: '10ms' }, svc);
  // The limit is raised to the (test) minimum of 100 ms; the reaper then removes the service.
  await waitFor(() => f.deregistered.length > 0, { what: 'the reaper to deregister web' });
  assert.deepEqual(f.deregistered, ['web']);
  assert.equal(f.state.service('web'), null);
  assert.deepEqual(f.registry.counts(), {});
});

test('a check that recovers before the limit keeps its service', async (t) => {
  const f = fakeAgent();
  t.after(() => f.registry.stop());
  const tg = await target(t);
  f.state.addService(svc);
  add(f, { Name: 'k', CheckID: 'k', HTTP: tg.url, Interval: '1s', DeregisterCriticalServiceAfter: '1h' }, svc);
  await waitFor(() => statusOf(f, 'k') === 'passing', { what: 'passing' });
  tg.set(500);
  await waitFor(() => statusOf(f, 'k') === 'critical', { what: 'critical' });
  assert.deepEqual(f.deregistered, []);
  assert.ok(f.state.service('web'));
});

test('TTL checks live in the registry: reports record and restart the TTL, silence expires them', async (t) => {
  const f = fakeAgent();
  t.after(() => f.registry.stop());
  const spec = { ...parseCheck({ Name: 'beat', TTL: '1s', OutputMaxSize: 8 }) };
  spec.ttlNs = 150e6; // below Consul's floor, for speed
  const row = healthCheckFor(spec, 'node1', null, 0, 1);
  f.state.addCheck(row);
  f.registry.add(spec, row);
  assert.deepEqual(f.registry.counts(), { ttl: 1 });
  assert.equal(statusOf(f, 'beat'), 'critical', 'a TTL check starts critical');
  assert.equal(f.registry.reported('beat', 'passing', 'all is well'), true);
  assert.equal(f.state.check('beat')?.Status, 'passing');
  assert.equal(f.state.check('beat')?.Output, 'all is w ... (captured 8 of 11 bytes)');
  await waitFor(() => statusOf(f, 'beat') === 'critical', { what: 'the TTL to expire', timeoutMs: 5_000, intervalMs: 10 });
  assert.equal(f.state.check('beat')?.Output, 'TTL expired (last output before timeout follows): all is w ... (captured 8 of 11 bytes)');
  assert.equal(f.registry.reported('beat', 'warning', ''), true);
  assert.equal(statusOf(f, 'beat'), 'warning');
  // Only TTL checks take reports.
  add(f, { Name: 'other', HTTP: 'http://127.0.0.1:1/', Interval: '60s' }, null, 60_000);
  assert.equal(f.registry.reported('other', 'passing', ''), false);
  assert.equal(f.registry.reported('nope', 'passing', ''), false);
  f.registry.remove('beat');
  assert.equal(f.registry.reported('beat', 'passing', ''), false);
});

test('a result identical to the last one changes nothing in local state (no sync is triggered)', async (t) => {
  const f = fakeAgent();
  t.after(() => f.registry.stop());
  let served = 0;
  const server = http.createServer((_req, res) => {
    served++;
    res.end('same every time');
  });
  const addr = await listen(server);
  t.after(() => server.close());
  add(f, { Name: 'steady', HTTP: `http://${addr}/`, Interval: '1s' }, null);
  await waitFor(() => statusOf(f, 'steady') === 'passing', { what: 'passing' });
  let changes = 0;
  f.state.onChange(() => changes++);
  const row = f.state.check('steady');
  const from = served;
  await waitFor(() => served >= from + 5, { what: 'five more runs' });
  assert.equal(changes, 0, 'identical results fire no local-state change, so anti-entropy has nothing to do');
  assert.equal(f.state.check('steady'), row, 'the row is not even rewritten');
});
