// /v1/internal/ui/* against a real dev agent: shapes, filters, 404/400 texts, blocking on ?index=,
// plus the pure service summariser on rows a dev agent cannot produce (proxies, shared node checks).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { http, startAgent, type AgentProcess } from '../support/agent-process.js';
import { summarizeServices } from '../../src/http/routes/internal-ui.js';
import type { CheckServiceNode } from '../../src/structs/catalog.js';

let agent: AgentProcess;
const put = (path: string, body: unknown) => http(agent.base, 'PUT', path, JSON.stringify(body));

before(async () => {
  agent = await startAgent({ ip: '127.0.0.60', nodeName: 'ui-endpoints' });
  await put('/v1/catalog/register', {
    Node: 'db-1',
    Address: '10.1.0.9',
    NodeMeta: { rack: 'r1' },
    Service: { ID: 'pg-1', Service: 'postgres', Port: 5432, Tags: ['primary', 'a'], Meta: { 'external-source': 'nomad' } },
    Checks: [
      { CheckID: 'pg', Name: 'pg alive', Status: 'warning', ServiceID: 'pg-1', Output: 'lag' },
      { CheckID: 'disk', Name: 'disk', Status: 'passing' },
    ],
  });
  await put('/v1/catalog/register', {
    Node: 'db-1',
    Address: '10.1.0.9',
    NodeMeta: { rack: 'r1' },
    Service: { ID: 'pg-2', Service: 'postgres', Port: 5433, Tags: ['replica', 'a'] },
    Check: { CheckID: 'pg2', Name: 'pg alive', Status: 'critical', ServiceID: 'pg-2' },
  });
  await put('/v1/catalog/register', { Node: 'bare-1', Address: '10.1.0.10' });
});

after(async () => {
  await agent?.stop();
});

test('ui/services summarises instances per service name, like Consul', async () => {
  const r = await http(agent.base, 'GET', '/v1/internal/ui/services');
  assert.equal(r.status, 200);
  assert.ok(Number(r.headers.get('x-consul-index')) > 0);
  const rows = r.json() as any[];
  assert.deepEqual(rows.map((s) => s.Name), ['consul', 'postgres']);
  const pg = rows[1];
  assert.equal(pg.InstanceCount, 2);
  assert.deepEqual(pg.Nodes, ['db-1', 'db-1']);
  assert.deepEqual(pg.Tags, ['a', 'primary', 'replica']);
  assert.deepEqual(pg.ExternalSources, ['nomad']);
  assert.equal(pg.Datacenter, 'dc1');
  // The node check "disk" is shared by both instances and counts once.
  assert.deepEqual([pg.ChecksPassing, pg.ChecksWarning, pg.ChecksCritical], [1, 1, 1]);
  assert.deepEqual(Object.keys(pg), [
    'Name', 'Datacenter', 'Tags', 'Nodes', 'ExternalSources', 'InstanceCount', 'ChecksPassing', 'ChecksWarning',
    'ChecksCritical', 'GatewayConfig', 'TransparentProxy', 'ConnectNative', 'ConnectedWithProxy', 'ConnectedWithGateway',
  ]);
  assert.equal(rows[0].Tags, null);
});

test('ui/services applies ?filter= to instances before summarising', async () => {
  const r = await http(agent.base, 'GET', `/v1/internal/ui/services?filter=${encodeURIComponent('"replica" in Service.Tags')}`);
  assert.equal(r.status, 200);
  const rows = r.json() as any[];
  assert.deepEqual(rows.map((s) => [s.Name, s.InstanceCount]), [['postgres', 1]]);
  const bad = await http(agent.base, 'GET', `/v1/internal/ui/services?filter=${encodeURIComponent('Nope == 1')}`);
  assert.equal(bad.status, 400);
  assert.match(bad.text, /Failed to create boolean expression evaluator/);
});

test('ui/nodes lists NodeInfo rows and filters on them', async () => {
  const r = await http(agent.base, 'GET', '/v1/internal/ui/nodes');
  assert.equal(r.status, 200);
  const rows = r.json() as any[];
  assert.deepEqual(rows.map((n) => n.Node).sort(), ['bare-1', 'db-1', 'ui-endpoints']);
  const db = rows.find((n) => n.Node === 'db-1');
  assert.deepEqual(Object.keys(db), ['ID', 'Node', 'Address', 'TaggedAddresses', 'Meta', 'Services', 'Checks']);
  assert.equal(db.Services.length, 2);
  assert.equal(db.Checks.length, 3);
  assert.deepEqual(rows.find((n) => n.Node === 'bare-1').Services, []);
  const f = await http(agent.base, 'GET', `/v1/internal/ui/nodes?filter=${encodeURIComponent('Meta.rack == "r1"')}`);
  assert.deepEqual((f.json() as any[]).map((n) => n.Node), ['db-1']);
  const bySvc = await http(agent.base, 'GET', `/v1/internal/ui/nodes?filter=${encodeURIComponent('Services.Service == "consul"')}`);
  assert.deepEqual((bySvc.json() as any[]).map((n) => n.Node), ['ui-endpoints']);
});

test('ui/node/:n answers one NodeInfo, 404 with no body for an unknown node, 400 without a name', async () => {
  const r = await http(agent.base, 'GET', '/v1/internal/ui/node/db-1');
  assert.equal(r.status, 200);
  const n = r.json();
  assert.equal(n.Node, 'db-1');
  assert.deepEqual(n.Meta, { rack: 'r1' });
  const missing = await http(agent.base, 'GET', '/v1/internal/ui/node/nope');
  assert.equal(missing.status, 404);
  assert.equal(missing.text, '');
  const empty = await http(agent.base, 'GET', '/v1/internal/ui/node/');
  assert.equal(empty.status, 400);
  assert.equal(empty.text, 'Missing node name');
});

test('ui/catalog-overview counts nodes, service instances and checks by health', async () => {
  const r = await http(agent.base, 'GET', '/v1/internal/ui/catalog-overview');
  assert.equal(r.status, 200);
  const o = r.json();
  // ui-endpoints (serfHealth passing), db-1 (disk passing), bare-1 (no checks: passing).
  assert.deepEqual(o.Nodes, [{ Total: 3, Passing: 3, Warning: 0, Critical: 0 }]);
  assert.deepEqual(o.Services, [
    { Name: 'consul', Total: 1, Passing: 1, Warning: 0, Critical: 0 },
    { Name: 'postgres', Total: 2, Passing: 0, Warning: 1, Critical: 1 },
  ]);
  assert.deepEqual(o.Checks, [
    { Name: 'Serf Health Status', Total: 1, Passing: 1, Warning: 0, Critical: 0 },
    { Name: 'disk', Total: 1, Passing: 1, Warning: 0, Critical: 0 },
    { Name: 'pg alive', Total: 2, Passing: 0, Warning: 1, Critical: 1 },
  ]);
});

test('internal ui reads block on ?index= until the catalog changes', async () => {
  for (const path of ['/v1/internal/ui/services', '/v1/internal/ui/nodes', '/v1/internal/ui/node/db-1', '/v1/internal/ui/catalog-overview']) {
    const first = await http(agent.base, 'GET', path);
    const index = Number(first.headers.get('x-consul-index'));
    assert.ok(index > 0, path);
    let answered = false;
    const blocked = http(agent.base, 'GET', `${path}${path.includes('?') ? '&' : '?'}index=${index}&wait=30s`).then((r) => {
      answered = true;
      return r;
    });
    // A read that does not move the index: the blocked request must still be parked after it.
    await http(agent.base, 'GET', '/v1/catalog/nodes');
    assert.equal(answered, false, `${path} answered before any change`);
    await put('/v1/catalog/register', {
      Node: 'db-1',
      Address: '10.1.0.9',
      NodeMeta: { rack: 'r1' },
      Check: { CheckID: 'disk', Name: 'disk', Status: 'warning', Output: `touch ${path}` },
    });
    const r = await blocked;
    assert.equal(r.status, 200);
    assert.ok(Number(r.headers.get('x-consul-index')) > index, path);
  }
});

test('summarizeServices folds a proxy into its destination and counts shared checks once', () => {
  const node = { ID: '', Node: 'n1', Address: '10.0.0.1', Datacenter: '', TaggedAddresses: null, Meta: null, CreateIndex: 1, ModifyIndex: 1 };
  const check = (id: string, status: string, serviceId = '') =>
    ({ Node: 'n1', CheckID: id, Name: id, Status: status, ServiceID: serviceId }) as any;
  const rows = [
    { Node: node, Service: { ID: 'api-1', Service: 'api', Tags: ['b', 'a'], Meta: {} }, Checks: [check('serf', 'passing'), check('api', 'passing', 'api-1')] },
    { Node: node, Service: { ID: 'api-2', Service: 'api', Tags: ['a'], Meta: null }, Checks: [check('serf', 'passing'), check('api2', 'warning', 'api-2')] },
    {
      Node: node,
      Service: { ID: 'api-proxy', Service: 'api-sidecar-proxy', Kind: 'connect-proxy', Tags: [], Meta: {}, Proxy: { DestinationServiceName: 'api', Mode: 'transparent' } },
      Checks: [check('serf', 'passing'), check('proxy', 'critical', 'api-proxy')],
    },
  ] as unknown as CheckServiceNode[];
  const out = summarizeServices(rows, 'dc9');
  assert.deepEqual(out.map((s) => s.Name), ['api', 'api-sidecar-proxy']);
  const api = out[0]!;
  assert.equal(api.InstanceCount, 2);
  assert.deepEqual(api.Tags, ['a', 'b']);
  assert.equal(api.Datacenter, 'dc9');
  assert.equal(api.ConnectedWithProxy, true);
  assert.equal(api.TransparentProxy, true);
  assert.deepEqual([api.ChecksPassing, api.ChecksWarning, api.ChecksCritical], [2, 1, 1]);
  assert.equal(out[1]!.Kind, 'connect-proxy');
  assert.equal(api.Kind, undefined);
});
