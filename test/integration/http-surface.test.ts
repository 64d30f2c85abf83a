// Routing and error shapes shared by every endpoint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAgent, http, type AgentProcess } from '../support/agent-process.js';

let agent: AgentProcess;
before(async () => {
  agent = await startAgent({ ip: '127.0.0.15' });
});
after(async () => {
  await agent?.stop();
});

test('unknown paths answer 404 with Consul texts', async () => {
  const v1 = await http(agent.base, 'GET', '/v1/nothing/here');
  assert.equal(v1.status, 404);
  assert.equal(v1.text, 'Invalid URL path: not a recognized HTTP API endpoint');
  const other = await http(agent.base, 'GET', '/foo');
  assert.equal(other.status, 404);
  assert.equal(other.text, "Invalid URL path: if attempting to use the HTTP API, ensure the path starts with '/v1/'");
});

test('wrong method answers 405 with Allow; OPTIONS lists the methods', async () => {
  const r = await http(agent.base, 'POST', '/v1/kv/x');
  assert.equal(r.status, 405);
  assert.equal(r.text, 'method POST not allowed');
  assert.equal(r.headers.get('allow'), 'OPTIONS,GET,PUT,DELETE');
  const o = await http(agent.base, 'OPTIONS', '/v1/status/leader');
  assert.equal(o.status, 200);
  assert.equal(o.headers.get('allow'), 'OPTIONS,GET');
  const del = await http(agent.base, 'DELETE', '/v1/catalog/nodes');
  assert.equal(del.status, 405);
});

test('paths are cleaned and subtree roots redirect like Go ServeMux', async () => {
  const r = await http(agent.base, 'GET', '/v1/kv');
  assert.equal(r.status, 301);
  assert.equal(r.headers.get('location'), '/v1/kv/');
  const dots = await http(agent.base, 'GET', '/v1//status/leader');
  assert.equal(dots.status, 301);
  assert.equal(dots.headers.get('location'), '/v1/status/leader');
});

test('malformed JSON and wrong types never crash the agent', async () => {
  const cases = ['{', '[]', '"str"', '{"Name": 5}', '{"Name":"x","Port":"80"}', '{"Name":"x","Tags":"a"}', '\u0000\u0001'];
  for (const body of cases) {
    const r = await http(agent.base, 'PUT', '/v1/agent/service/register', body);
    assert.equal(r.status, 400, `${JSON.stringify(body)} -> ${r.status} ${r.text}`);
  }
  const alive = await http(agent.base, 'GET', '/v1/status/leader');
  assert.equal(alive.status, 200);
});

test('status endpoints and the index page', async () => {
  assert.equal((await http(agent.base, 'GET', '/v1/status/leader')).json(), `${agent.ip}:8300`);
  const root = await http(agent.base, 'GET', '/');
  assert.ok(root.status === 301 || root.status === 200);
});
