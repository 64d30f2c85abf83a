// Anti-entropy across agents: a client agent restores its services when they are deleted from the
// catalog behind its back, and removes catalog entries for its node that it does not have.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAgent, http, tempDir, type AgentProcess } from '../support/agent-process.js';
import { waitFor } from '../support/wait.js';

let server: AgentProcess;
let client: AgentProcess;
const CLIENT = 'ae-client';

before(async () => {
  server = await startAgent({ ip: '127.0.0.19', dev: false, nodeName: 'ae-server', args: ['-server', '-bootstrap', '-data-dir', tempDir('ae-s')] });
  client = await startAgent({
    ip: '127.0.0.27',
    dev: false,
    nodeName: CLIENT,
    args: ['-data-dir', tempDir('ae-c'), '-retry-join', '127.0.0.19', '-retry-interval', '1s', '-hcl', 'ae_interval = "2s"'],
  });
});
after(async () => {
  await client?.stop();
  await server?.stop();
});

test('a service deleted from the catalog on a server is put back by the client agent', async () => {
  await http(client.base, 'PUT', '/v1/agent/service/register', JSON.stringify({ Name: 'precious', Port: 5, Check: { TTL: '60s', Status: 'passing' } }));
  await waitFor(async () => (await http(server.base, 'GET', '/v1/catalog/service/precious')).json().length === 1, { what: 'synced' });
  const del = await http(server.base, 'PUT', '/v1/catalog/deregister', JSON.stringify({ Node: CLIENT, ServiceID: 'precious' }));
  assert.equal(del.status, 200);
  assert.equal((await http(server.base, 'GET', '/v1/catalog/service/precious')).json().length, 0);
  const back = await waitFor(async () => {
    const r = await http(server.base, 'GET', '/v1/health/service/precious?passing');
    return r.json().length === 1 ? r.json() : undefined;
  }, { what: 'anti-entropy to restore the service', timeoutMs: 20_000 });
  assert.equal(back[0].Node.Node, CLIENT);
});

test('a check registered in the catalog for the client node that the agent does not have is removed', async () => {
  await http(server.base, 'PUT', '/v1/catalog/register', JSON.stringify({
    Node: CLIENT, Address: '127.0.0.27', SkipNodeUpdate: true, Check: { CheckID: 'intruder', Name: 'intruder', Status: 'passing' },
  }));
  assert.ok((await http(server.base, 'GET', `/v1/health/node/${CLIENT}`)).json().some((c: any) => c.CheckID === 'intruder'));
  await waitFor(async () => !(await http(server.base, 'GET', `/v1/health/node/${CLIENT}`)).json().some((c: any) => c.CheckID === 'intruder'), {
    what: 'anti-entropy to remove the stray check',
    timeoutMs: 20_000,
  });
  const serf = (await http(server.base, 'GET', `/v1/health/node/${CLIENT}`)).json().find((c: any) => c.CheckID === 'serfHealth');
  assert.equal(serf?.Status, 'passing', 'serfHealth is the leader’s and stays');
});

test('a client agent answers catalog and KV reads through its servers', async () => {
  await http(client.base, 'PUT', '/v1/kv/through/client', 'yes');
  assert.equal((await http(server.base, 'GET', '/v1/kv/through/client?raw')).text, 'yes');
  const nodes = (await http(client.base, 'GET', '/v1/catalog/nodes')).json().map((n: any) => n.Node).sort();
  assert.deepEqual(nodes, ['ae-client', 'ae-server']);
});
