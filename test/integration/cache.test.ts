// The agent cache behind ?cached: X-Cache, Age, Cache-Control, background refresh, cached blocking.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAgent, http, type AgentProcess } from '../support/agent-process.js';
import { waitFor } from '../support/wait.js';

let agent: AgentProcess;
before(async () => {
  agent = await startAgent({ ip: '127.0.0.18' });
});
after(async () => {
  await agent?.stop();
});

const register = (name: string, id: string) =>
  http(agent.base, 'PUT', '/v1/catalog/register', JSON.stringify({ Node: 'ext', Address: '10.0.0.9', Service: { ID: id, Service: name, Port: 1 } }));

test('simple cache: MISS then HIT with Age; max-age=0 and must-revalidate refetch', async () => {
  await register('cached-simple', 'cs1');
  const first = await http(agent.base, 'GET', '/v1/catalog/services?cached');
  assert.equal(first.headers.get('x-cache'), 'MISS');
  assert.ok('cached-simple' in first.json());
  const second = await http(agent.base, 'GET', '/v1/catalog/services?cached');
  assert.equal(second.headers.get('x-cache'), 'HIT');
  assert.match(second.headers.get('age') ?? '', /^\d+$/);
  // A new service is not visible through a hit...
  await register('cached-later', 'cl1');
  const stale = await http(agent.base, 'GET', '/v1/catalog/services?cached');
  assert.equal(stale.headers.get('x-cache'), 'HIT');
  assert.ok(!('cached-later' in stale.json()));
  // ...until the client asks for a fresh value.
  const fresh = await http(agent.base, 'GET', '/v1/catalog/services?cached', undefined, { 'Cache-Control': 'max-age=0' });
  assert.equal(fresh.headers.get('x-cache'), 'MISS');
  assert.ok('cached-later' in fresh.json());
  const reval = await http(agent.base, 'GET', '/v1/catalog/services?cached', undefined, { 'Cache-Control': 'must-revalidate' });
  assert.equal(reval.headers.get('x-cache'), 'MISS');
  const bad = await http(agent.base, 'GET', '/v1/catalog/services?cached', undefined, { 'Cache-Control': 'max-age=soon' });
  assert.equal(bad.status, 400);
  assert.equal(bad.text, 'Invalid Cache-Control header.');
  const dcs = await http(agent.base, 'GET', '/v1/catalog/datacenters?cached');
  assert.deepEqual(dcs.json(), ['dc1']);
});

test('background refresh: health/service stays current without refetching on the request path', async () => {
  await register('refreshed', 'r1');
  const first = await http(agent.base, 'GET', '/v1/health/service/refreshed?cached');
  assert.equal(first.headers.get('x-cache'), 'MISS');
  assert.equal(first.json().length, 1);
  await register('refreshed', 'r2');
  const hit = await waitFor(async () => {
    const r = await http(agent.base, 'GET', '/v1/health/service/refreshed?cached');
    return r.headers.get('x-cache') === 'HIT' && r.json().length === 2 ? r : undefined;
  }, { what: 'the refresh loop to pick up the second instance' });
  assert.equal(hit.headers.get('age'), '0');
});

test('a cached blocking query parks on the cache entry and wakes on change', async () => {
  await register('blocked', 'b1');
  const first = await http(agent.base, 'GET', '/v1/catalog/service/blocked?cached');
  const index = Number(first.headers.get('x-consul-index'));
  const parked = http(agent.base, 'GET', `/v1/catalog/service/blocked?cached&index=${index}&wait=30s`);
  await register('blocked', 'b2');
  const r = await parked;
  assert.equal(r.headers.get('x-cache'), 'HIT');
  assert.ok(Number(r.headers.get('x-consul-index')) > index);
  assert.equal(r.json().length, 2);
});

test('?cached with ?consistent is refused', async () => {
  const r = await http(agent.base, 'GET', '/v1/catalog/services?cached&consistent');
  assert.equal(r.status, 400);
  assert.equal(r.text, 'Cannot specify ?cached with ?consistent, conflicting semantics.');
});
