// Sessions and locks against a real dev agent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Consul from 'consul';
import { startAgent, http, type AgentProcess } from '../support/agent-process.js';
import { waitFor } from '../support/wait.js';

let agent: AgentProcess;
let consul: Consul;
const NODE = 'session-node';

before(async () => {
  agent = await startAgent({ ip: '127.0.0.13', nodeName: NODE });
  consul = new Consul({ host: agent.ip, port: 8500 });
  // Sessions need the node (with serfHealth) in the catalog.
  await waitFor(async () => (await http(agent.base, 'GET', `/v1/health/node/${NODE}`)).json().length > 0, { what: 'node registered' });
});
after(async () => {
  await agent?.stop();
});

const put = (path: string, body?: unknown) =>
  http(agent.base, 'PUT', path, body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body));

test('create, info, list, node, renew, destroy', async () => {
  const created: any = await consul.session.create({ name: 'worker', ttl: '15s' });
  assert.match(created.ID, /^[0-9a-f-]{36}$/);
  const info: any = await consul.session.info(created.ID);
  assert.equal(info.Name, 'worker');
  assert.equal(info.Node, NODE);
  assert.equal(info.TTL, '15s');
  assert.equal(info.Behavior, 'release');
  assert.equal(info.LockDelay, 15e9);
  assert.deepEqual(info.NodeChecks, ['serfHealth']);
  const list: any = await consul.session.list();
  assert.ok(list.some((s: any) => s.ID === created.ID));
  const byNode: any = await consul.session.node(NODE);
  assert.ok(byNode.some((s: any) => s.ID === created.ID));
  const renewed = await put(`/v1/session/renew/${created.ID}`);
  assert.equal(renewed.status, 200);
  assert.equal(renewed.json()[0].ID, created.ID);
  assert.equal((await put(`/v1/session/destroy/${created.ID}`)).text.trim(), 'true');
  const gone = await http(agent.base, 'GET', `/v1/session/info/${created.ID}`);
  assert.deepEqual(gone.json(), []);
  const renewGone = await put(`/v1/session/renew/${created.ID}`);
  assert.equal(renewGone.status, 404);
  assert.equal(renewGone.text, `Session id '${created.ID}' not found`);
});

test('Go durations and case-insensitive fields in the create body', async () => {
  const r = await put('/v1/session/create', { name: 'ci', lockdelay: '0.001s', ttl: '10.0s', behavior: 'delete' });
  assert.equal(r.status, 200);
  const info = (await http(agent.base, 'GET', `/v1/session/info/${r.json().ID}`)).json()[0];
  assert.equal(info.LockDelay, 1e6);
  assert.equal(info.Behavior, 'delete');
  assert.equal(info.TTL, '10.0s');
});

test('bad session input answers with Consul texts', async () => {
  const short = await put('/v1/session/create', { TTL: '5s' });
  assert.equal(short.status, 500);
  assert.match(short.text, /^Invalid Session TTL '5000000000', must be between \[10s=24h0m0s\]/);
  const long = await put('/v1/session/create', { TTL: '86401s' });
  assert.match(long.text, /^Invalid Session TTL/);
  const unparsable = await put('/v1/session/create', { TTL: 'soon' });
  assert.equal(unparsable.status, 500);
  assert.match(unparsable.text, /^Session TTL 'soon' invalid: /);
  const behavior = await put('/v1/session/create', { Behavior: 'explode' });
  assert.equal(behavior.text, "Invalid Behavior setting 'explode'");
  const noNode = await put('/v1/session/create', { Node: 'ghost-node' });
  assert.equal(noNode.status, 500);
  assert.match(noNode.text, /Missing node registration|node.*not/i);
  const badJson = await put('/v1/session/create', '{');
  assert.equal(badJson.status, 400);
  assert.match(badJson.text, /^Request decode failed/);
});

test('locks: acquire, contend, release, lock index', async () => {
  const a = (await put('/v1/session/create', { Name: 'a', LockDelay: '0s' })).json().ID;
  const b = (await put('/v1/session/create', { Name: 'b', LockDelay: '0s' })).json().ID;
  assert.equal((await put(`/v1/kv/locks/leader?acquire=${a}`, 'a')).text.trim(), 'true');
  assert.equal((await put(`/v1/kv/locks/leader?acquire=${a}`, 'a')).text.trim(), 'true', 're-acquire by holder');
  assert.equal((await put(`/v1/kv/locks/leader?acquire=${b}`, 'b')).text.trim(), 'false');
  let e = (await http(agent.base, 'GET', '/v1/kv/locks/leader')).json()[0];
  assert.equal(e.Session, a);
  assert.equal(e.LockIndex, 1);
  assert.equal((await put(`/v1/kv/locks/leader?release=${b}`)).text.trim(), 'false');
  assert.equal((await put(`/v1/kv/locks/leader?release=${a}`)).text.trim(), 'true');
  e = (await http(agent.base, 'GET', '/v1/kv/locks/leader')).json()[0];
  assert.ok(!('Session' in e));
  assert.equal(e.LockIndex, 1);
  assert.equal((await put(`/v1/kv/locks/leader?acquire=${b}`, 'b')).text.trim(), 'true');
  assert.equal((await http(agent.base, 'GET', '/v1/kv/locks/leader')).json()[0].LockIndex, 2);
  const unknown = await put('/v1/kv/locks/x?acquire=00000000-0000-0000-0000-000000000000', 'x');
  assert.equal(unknown.status, 500);
  assert.equal(unknown.text, `invalid session "00000000-0000-0000-0000-000000000000"`);
});

test('destroying a session releases its locks and starts the lock delay', async () => {
  const s = (await put('/v1/session/create', { Name: 'holder', LockDelay: '15s' })).json().ID;
  const other = (await put('/v1/session/create', { Name: 'other' })).json().ID;
  assert.equal((await put(`/v1/kv/locks/delayed?acquire=${s}`, 'v')).text.trim(), 'true');
  await put(`/v1/session/destroy/${s}`);
  const e = (await http(agent.base, 'GET', '/v1/kv/locks/delayed')).json()[0];
  assert.ok(!('Session' in e), 'lock released');
  assert.equal((await put(`/v1/kv/locks/delayed?acquire=${other}`, 'o')).text.trim(), 'false', 'lock delay holds');
});

test('behavior=delete removes held keys when the session ends', async () => {
  const s = (await put('/v1/session/create', { Behavior: 'delete', LockDelay: '0s' })).json().ID;
  await put(`/v1/kv/ephemeral/key?acquire=${s}`, 'v');
  await put(`/v1/session/destroy/${s}`);
  assert.equal((await http(agent.base, 'GET', '/v1/kv/ephemeral/key')).status, 404);
});

test('a TTL session expires, releases its lock and wakes a blocking query', async () => {
  const s = (await put('/v1/session/create', { TTL: '10s', LockDelay: '0s' })).json().ID;
  assert.equal((await put(`/v1/kv/locks/ttl?acquire=${s}`, 'v')).text.trim(), 'true');
  const first = await http(agent.base, 'GET', '/v1/kv/locks/ttl');
  const index = Number(first.headers.get('x-consul-index'));
  // The leader invalidates after 2 x TTL; a blocking read wakes when the lock is released.
  const r = await http(agent.base, 'GET', `/v1/kv/locks/ttl?index=${index}&wait=60s`);
  assert.equal(r.status, 200);
  assert.ok(!('Session' in r.json()[0]), 'lock released by expiry');
  const info = await http(agent.base, 'GET', `/v1/session/info/${s}`);
  assert.deepEqual(info.json(), []);
});

test('a critical linked check invalidates the session', async () => {
  await put('/v1/agent/check/register', { Name: 'guard', TTL: '60s', Status: 'passing' });
  await waitFor(async () => (await http(agent.base, 'GET', `/v1/health/node/${NODE}`)).json().some((c: any) => c.CheckID === 'guard' && c.Status === 'passing'), { what: 'guard passing in catalog' });
  const s = (await put('/v1/session/create', { NodeChecks: ['serfHealth', 'guard'], LockDelay: '0s' })).json().ID;
  await put(`/v1/kv/locks/guarded?acquire=${s}`, 'v');
  await put('/v1/agent/check/fail/guard');
  await waitFor(async () => (await http(agent.base, 'GET', `/v1/session/info/${s}`)).json().length === 0, { what: 'session invalidated' });
  const e = (await http(agent.base, 'GET', '/v1/kv/locks/guarded')).json()[0];
  assert.ok(!('Session' in e));
  const refused = await put('/v1/session/create', { NodeChecks: ['guard'] });
  assert.equal(refused.status, 500);
  assert.match(refused.text, /Check 'guard' is in critical state/);
});
