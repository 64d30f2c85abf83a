// Catalog, health and agent endpoints against a real dev agent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Consul from 'consul';
import { startAgent, http, type AgentProcess } from '../support/agent-process.js';
import { waitFor } from '../support/wait.js';

let agent: AgentProcess;
let consul: Consul;
const NODE = 'catalog-node';

before(async () => {
  agent = await startAgent({ ip: '127.0.0.12', nodeName: NODE });
  consul = new Consul({ host: agent.ip, port: 8500 });
});
after(async () => {
  await agent?.stop();
});

test('the agent node is in the catalog with serfHealth and the consul service', async () => {
  const checks = await waitFor(async () => {
    const r = await http(agent.base, 'GET', `/v1/health/node/${NODE}`);
    const list = r.json() as any[];
    return list.find((c) => c.CheckID === 'serfHealth') ? list : undefined;
  }, { what: 'serfHealth' });
  const serf = checks.find((c: any) => c.CheckID === 'serfHealth');
  assert.equal(serf.Name, 'Serf Health Status');
  assert.equal(serf.Status, 'passing');
  assert.equal(serf.Output, 'Agent alive and reachable');
  const services: any = await consul.catalog.service.list();
  assert.deepEqual(services.consul, []);
  const nodes: any = await consul.catalog.node.list();
  assert.ok(nodes.some((n: any) => n.Node === NODE && n.Address === agent.ip));
  const dcs = await http(agent.base, 'GET', '/v1/catalog/datacenters');
  assert.deepEqual(dcs.json(), ['dc1']);
  assert.equal(dcs.headers.get('x-consul-index'), null);
});

test('agent service registration with a TTL check reaches catalog and health', async () => {
  await consul.agent.service.register({
    name: 'web',
    id: 'web-1',
    port: 8080,
    tags: ['primary', 'v1'],
    meta: { env: 'prod' },
    check: { ttl: '30s', notes: 'app heartbeat' } as any,
  });
  const services: any = await consul.agent.service.list();
  assert.equal(services['web-1'].Service, 'web');
  assert.deepEqual(services['web-1'].Tags, ['primary', 'v1']);
  assert.equal(services['web-1'].Port, 8080);
  assert.deepEqual(services['web-1'].Weights, { Passing: 1, Warning: 1 });
  const checks: any = await consul.agent.check.list();
  assert.equal(checks['service:web-1'].Status, 'critical');
  assert.equal(checks['service:web-1'].Name, "Service 'web' check");
  assert.equal(checks['service:web-1'].Type, 'ttl');

  const rows = await waitFor(async () => {
    const r: any = await consul.catalog.service.nodes('web');
    return r.length === 1 ? r : undefined;
  }, { what: 'web in catalog' });
  assert.equal(rows[0].ServiceID, 'web-1');
  assert.equal(rows[0].ServicePort, 8080);
  assert.equal(rows[0].Node, NODE);
  assert.deepEqual(rows[0].ServiceMeta, { env: 'prod' });

  const passingBefore: any = await consul.health.service({ service: 'web', passing: true });
  assert.equal(passingBefore.length, 0);
  await consul.agent.check.pass({ id: 'service:web-1', note: 'all good' });
  const passing = await waitFor(async () => {
    const r: any = await consul.health.service({ service: 'web', passing: true });
    return r.length === 1 ? r : undefined;
  }, { what: 'web passing' });
  assert.equal(passing[0].Service.ID, 'web-1');
  const ids = passing[0].Checks.map((c: any) => c.CheckID).sort();
  assert.deepEqual(ids, ['serfHealth', 'service:web-1']);
  const ttl = passing[0].Checks.find((c: any) => c.CheckID === 'service:web-1');
  assert.equal(ttl.Output, 'all good');
  assert.equal(ttl.ServiceName, 'web');

  const byTag = await http(agent.base, 'GET', '/v1/catalog/service/web?tag=primary&tag=v1');
  assert.equal(byTag.json().length, 1);
  const wrongTag = await http(agent.base, 'GET', '/v1/catalog/service/web?tag=nope');
  assert.deepEqual(wrongTag.json(), []);
  const filtered = await http(agent.base, 'GET', `/v1/health/service/web?filter=${encodeURIComponent('Service.Meta.env == prod')}`);
  assert.equal(filtered.json().length, 1);
  const filteredOut = await http(agent.base, 'GET', `/v1/health/service/web?filter=${encodeURIComponent('Service.Meta.env == dev')}`);
  assert.equal(filteredOut.json().length, 0);
});

test('a missed TTL turns the check critical', async () => {
  await http(agent.base, 'PUT', '/v1/agent/check/register', JSON.stringify({ Name: 'short-ttl', TTL: '1s', Status: 'passing' }));
  const check = await waitFor(async () => {
    const r = await http(agent.base, 'GET', '/v1/health/state/critical');
    return (r.json() as any[]).find((c) => c.CheckID === 'short-ttl');
  }, { what: 'TTL expiry', timeoutMs: 20_000 });
  assert.equal(check.Output, 'TTL expired');
  await http(agent.base, 'PUT', '/v1/agent/check/update/short-ttl', JSON.stringify({ Status: 'warning', Output: 'slow' }));
  const warn = await waitFor(async () => {
    const r = await http(agent.base, 'GET', '/v1/health/state/warning');
    return (r.json() as any[]).find((c) => c.CheckID === 'short-ttl');
  }, { what: 'warning' });
  assert.equal(warn.Output, 'slow');
  // A node-level check affects every service's health: remove it so later tests start clean.
  await http(agent.base, 'PUT', '/v1/agent/check/deregister/short-ttl');
});

test('catalog register/deregister of an external node', async () => {
  const ok = await http(agent.base, 'PUT', '/v1/catalog/register', JSON.stringify({
    Node: 'external',
    Address: '10.9.9.9',
    NodeMeta: { rack: 'r1' },
    Service: { Service: 'db', Port: 5432, Tags: ['main'] },
    Check: { Name: 'db alive', Status: 'passing', ServiceID: 'db' },
  }));
  assert.equal(ok.status, 200);
  assert.equal(ok.text.trim(), 'true');
  const node = await http(agent.base, 'GET', '/v1/catalog/node/external');
  assert.equal(node.json().Node.Address, '10.9.9.9');
  assert.equal(node.json().Services.db.Port, 5432);
  const list = await http(agent.base, 'GET', '/v1/catalog/node-services/external');
  assert.equal(list.json().Services[0].ID, 'db');
  const meta = await http(agent.base, 'GET', '/v1/catalog/nodes?node-meta=rack:r1');
  assert.deepEqual(meta.json().map((n: any) => n.Node), ['external']);
  const svcChecks = await http(agent.base, 'GET', '/v1/health/checks/db');
  assert.equal(svcChecks.json()[0].CheckID, 'db alive');
  const unknown = await http(agent.base, 'GET', '/v1/catalog/node/nobody');
  assert.equal(unknown.status, 200);
  assert.equal(unknown.text.trim(), 'null');
  const noSvc = await http(agent.base, 'GET', '/v1/catalog/service/nothing');
  assert.deepEqual(noSvc.json(), []);
  assert.equal((await http(agent.base, 'PUT', '/v1/catalog/deregister', JSON.stringify({ Node: 'external' }))).status, 200);
  assert.equal((await http(agent.base, 'GET', '/v1/catalog/node/external')).text.trim(), 'null');
});

test('catalog register errors use Consul texts', async () => {
  const noNode = await http(agent.base, 'PUT', '/v1/catalog/register', JSON.stringify({ Address: '1.2.3.4' }));
  assert.equal(noNode.status, 500);
  assert.equal(noNode.text, 'Must provide node');
  const noAddr = await http(agent.base, 'PUT', '/v1/catalog/register', JSON.stringify({ Node: 'x' }));
  assert.equal(noAddr.text, 'Must provide address if SkipNodeUpdate is not set');
  const badJson = await http(agent.base, 'PUT', '/v1/catalog/register', '{"Node": ');
  assert.equal(badJson.status, 400);
  assert.match(badJson.text, /^Request decode failed: /);
  const wrongType = await http(agent.base, 'PUT', '/v1/catalog/register', JSON.stringify({ Node: 42 }));
  assert.equal(wrongType.status, 400);
  assert.equal(wrongType.text, 'Request decode failed: json: cannot unmarshal number into Go struct field RegisterRequest.Node of type string');
});

test('agent register accepts snake_case and lower-case field names', async () => {
  const r = await http(agent.base, 'PUT', '/v1/agent/service/register', JSON.stringify({
    name: 'snake', id: 'snake-1', port: 9, enable_tag_override: true, tags: ['a'],
    check: { ttl: '10s', deregister_critical_service_after: '90m' },
  }));
  assert.equal(r.status, 200);
  const svc = (await http(agent.base, 'GET', '/v1/agent/service/snake-1')).json();
  assert.equal(svc.EnableTagOverride, true);
  assert.ok(svc.ContentHash);
  const check = (await http(agent.base, 'GET', '/v1/agent/checks')).json()['service:snake-1'];
  assert.equal(check.Definition.DeregisterCriticalServiceAfter, '1h30m0s');
});

test('agent service/check errors use Consul texts and codes', async () => {
  const noName = await http(agent.base, 'PUT', '/v1/agent/service/register', JSON.stringify({ Port: 1 }));
  assert.equal(noName.status, 400);
  assert.equal(noName.text, 'Missing service name');
  const badCheck = await http(agent.base, 'PUT', '/v1/agent/service/register', JSON.stringify({ Name: 'x', Check: { HTTP: 'http://127.0.0.1:1/' } }));
  assert.equal(badCheck.status, 400);
  assert.equal(badCheck.text, 'Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks');
  const script = await http(agent.base, 'PUT', '/v1/agent/check/register', JSON.stringify({ Name: 's', Args: ['/bin/true'], Interval: '10s' }));
  assert.equal(script.status, 500);
  assert.equal(script.text, "Scripts are disabled on this agent from remote calls; to enable, configure 'enable_script_checks' to true");
  const unknownSvc = await http(agent.base, 'PUT', '/v1/agent/service/deregister/nope');
  assert.equal(unknownSvc.status, 404);
  assert.equal(unknownSvc.text, 'Unknown service ID "nope". Ensure that the service ID is passed, not the service name.');
  const unknownCheck = await http(agent.base, 'PUT', '/v1/agent/check/deregister/nope');
  assert.equal(unknownCheck.status, 404);
  const noCheckName = await http(agent.base, 'PUT', '/v1/agent/check/register', JSON.stringify({ TTL: '5s' }));
  assert.equal(noCheckName.text, 'Missing check name');
  const badStatus = await http(agent.base, 'PUT', '/v1/agent/check/update/x', JSON.stringify({ Status: 'great' }));
  assert.equal(badStatus.status, 400);
  assert.equal(badStatus.text, "Invalid check status: 'great'");
  const checkForMissingSvc = await http(agent.base, 'PUT', '/v1/agent/check/register', JSON.stringify({ Name: 'c', TTL: '5s', ServiceID: 'ghost' }));
  assert.equal(checkForMissingSvc.status, 404);
  assert.equal(checkForMissingSvc.text, 'ServiceID "ghost" does not exist');
});

test('agent health endpoints map status to HTTP codes', async () => {
  await http(agent.base, 'PUT', '/v1/agent/service/register', JSON.stringify({ Name: 'api', ID: 'api-1', Check: { TTL: '60s', Status: 'warning' } }));
  const warn = await http(agent.base, 'GET', '/v1/agent/health/service/id/api-1');
  assert.equal(warn.status, 429);
  assert.equal(warn.json().AggregatedStatus, 'warning');
  await http(agent.base, 'PUT', '/v1/agent/check/pass/service:api-1');
  const ok = await http(agent.base, 'GET', '/v1/agent/health/service/id/api-1?format=text');
  assert.equal(ok.status, 200);
  assert.equal(ok.text, 'passing');
  const byName = await http(agent.base, 'GET', '/v1/agent/health/service/name/api');
  assert.equal(byName.status, 200);
  assert.equal(byName.json().length, 1);
  const missing = await http(agent.base, 'GET', '/v1/agent/health/service/id/ghost?format=text');
  assert.equal(missing.status, 404);
  assert.equal(missing.text, 'ServiceId ghost not found');
});

test('service maintenance marks the service critical and back', async () => {
  await http(agent.base, 'PUT', '/v1/agent/service/register', JSON.stringify({ Name: 'maint', ID: 'maint-1', Check: { TTL: '60s', Status: 'passing' } }));
  await http(agent.base, 'PUT', '/v1/agent/service/maintenance/maint-1?enable=true&reason=upgrade');
  const checks = (await http(agent.base, 'GET', '/v1/agent/checks')).json();
  const m = checks['_service_maintenance:maint-1'];
  assert.equal(m.Status, 'critical');
  assert.equal(m.Notes, 'upgrade');
  assert.equal(m.Name, 'Service Maintenance Mode');
  const passing = await waitFor(async () => {
    const r = await http(agent.base, 'GET', '/v1/health/service/maint?passing');
    return r.json().length === 0 ? true : undefined;
  }, { what: 'maintenance to hide the instance' });
  assert.ok(passing);
  await http(agent.base, 'PUT', '/v1/agent/service/maintenance/maint-1?enable=false');
  await waitFor(async () => (await http(agent.base, 'GET', '/v1/health/service/maint?passing')).json().length === 1, { what: 'maintenance off' });
  const noEnable = await http(agent.base, 'PUT', '/v1/agent/maintenance');
  assert.equal(noEnable.status, 400);
  assert.equal(noEnable.text, 'Missing value for enable');
  const badEnable = await http(agent.base, 'PUT', '/v1/agent/maintenance?enable=maybe');
  assert.equal(badEnable.text, 'Invalid value for enable: "maybe"');
});

test('deregistering a service removes it and its checks from the catalog', async () => {
  await consul.agent.service.register({ name: 'gone', id: 'gone-1', check: { ttl: '30s' } as any });
  await waitFor(async () => ((await consul.catalog.service.nodes('gone')) as any[]).length === 1, { what: 'registered' });
  await consul.agent.service.deregister('gone-1');
  await waitFor(async () => ((await consul.catalog.service.nodes('gone')) as any[]).length === 0, { what: 'deregistered' });
  const checks: any = await consul.agent.check.list();
  assert.equal(checks['service:gone-1'], undefined);
});

test('agent self and members describe this agent', async () => {
  const self: any = await consul.agent.self();
  assert.equal(self.Config.NodeName, NODE);
  assert.equal(self.Config.Datacenter, 'dc1');
  assert.equal(self.Config.Server, true);
  assert.equal(typeof self.Stats.raft.state, 'string');
  const members: any = await consul.agent.members();
  assert.equal(members.length, 1);
  assert.equal(members[0].Name, NODE);
  assert.equal(members[0].Status, 1);
  assert.equal(members[0].Tags.role, 'consul');
  const leader = await consul.status.leader();
  assert.equal(leader, `${agent.ip}:8300`);
  assert.deepEqual(await consul.status.peers(), [`${agent.ip}:8300`]);
});

test('an invalid filter answers 500 with bexpr text, as Consul does', async () => {
  const r = await http(agent.base, 'GET', `/v1/catalog/nodes?filter=${encodeURIComponent('Node ==')}`);
  assert.equal(r.status, 500);
  assert.match(r.text, /^Failed to create boolean expression evaluator: /);
  const a = await http(agent.base, 'GET', `/v1/agent/services?filter=${encodeURIComponent('NoSuchField == x')}`);
  assert.equal(a.status, 500);
  assert.match(a.text, /Selector "NoSuchField" is not valid/);
});
