// SIGTERM shuts the agent down cleanly, answering parked blocking queries first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startAgent, http } from '../support/agent-process.js';
import { waitFor } from '../support/wait.js';

test('SIGTERM answers a parked blocking query, then exits 0', async () => {
  const agent = await startAgent({ ip: '127.0.0.17' });
  await http(agent.base, 'PUT', '/v1/kv/parked', 'v');
  const index = Number((await http(agent.base, 'GET', '/v1/kv/parked')).headers.get('x-consul-index'));
  const parked = http(agent.base, 'GET', `/v1/kv/parked?index=${index}&wait=5m`);
  // Signal only once the query is parked on the server.
  await waitFor(async () => (await http(agent.base, 'GET', '/v1/agent/self')).json().Stats.consul.blocking_queries === '1', {
    what: 'the query to park',
  });
  const code = await agent.stop();
  const r = await parked;
  assert.equal(r.status, 200);
  assert.equal(Number(r.headers.get('x-consul-index')), index);
  assert.equal(code, 0);
  assert.match(agent.output(), /Gracefully shutting down agent/);
});
