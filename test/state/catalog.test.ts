import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StateStore, WatchSet } from '../../src/state/index.js';
import type { NodeService, RegisterRequest } from '../../src/structs/index.js';
import { check, node, park, settle } from './helpers.js';

const NODE_ID = '40e4a748-2192-161a-0510-9bf59fe950b5';

function svc(name: string, extra: Partial<NodeService> = {}): NodeService {
  return { Service: name, ...extra } as NodeService;
}

function register(s: StateStore, idx: number, req: RegisterRequest): void {
  s.ensureRegistration(idx, req);
}

test('register creates the node, service (ID defaults to name) and checks with defaults', () => {
  const s = new StateStore();
  register(s, 1, {
    ...node('n1', '10.0.0.1', { ID: NODE_ID, NodeMeta: { rack: 'r1' } }),
    Service: svc('web', { Tags: ['v1'], Port: 80 }),
    Check: { Name: 'web-alive', ServiceID: 'web', Definition: { HTTP: 'http://x/', Interval: '10s' } } as never,
    Checks: [check('', 'serfHealth', 'passing')],
  });
  const [, n] = s.getNode(null, 'n1');
  assert.equal(n!.ID, NODE_ID);
  assert.deepEqual(n!.Meta, { rack: 'r1' });
  assert.equal(n!.CreateIndex, 1);
  const [idx, ns] = s.nodeServices(null, 'n1');
  assert.equal(idx, 1);
  assert.equal(ns!.Services[0]!.ID, 'web');
  assert.deepEqual(ns!.Services[0]!.Weights, { Passing: 1, Warning: 1 });
  const checks = s.nodeChecks(null, 'n1')[1];
  assert.deepEqual(checks.map((c) => [c.CheckID, c.Status, c.Type, c.ServiceName, c.Node]), [
    ['serfHealth', 'passing', '', '', 'n1'],
    ['web-alive', 'critical', 'http', 'web', 'n1'],
  ]);
});

test('register validation uses Consul texts', () => {
  const s = new StateStore();
  const cases: Array<[RegisterRequest, string]> = [
    [{ Node: '', Address: 'a' }, 'Must provide node'],
    [{ Node: 'n', Address: '' }, 'Must provide address if SkipNodeUpdate is not set'],
    [{ Node: 'n', Address: 'a', ID: 'nope' }, 'Bad node ID: uuid string is wrong length'],
    [{ Node: 'n', Address: 'a', Service: svc('', { ID: 'x' }) }, 'Must provide service name (Service.Service) when service ID is provided'],
    [{ Node: 'n', Address: 'a', Service: svc('w', { Address: '0.0.0.0' }) }, 'Invalid service address'],
    [{ Node: 'n', Address: 'a', Check: check('other', 'c', 'passing') }, "Node 'other' for check 'c' doesn't match register request node 'n'"],
    [{ Node: 'n', Address: 'a', Check: check('n', 'c', 'passing', { ServiceID: 'ghost' }) }, "Unknown service ID 'ghost' for check ID 'c'"],
  ];
  for (const [req, message] of cases) {
    assert.throws(() => s.ensureRegistration(1, req), (err: Error & { status?: number }) => {
      assert.equal(err.message, message);
      assert.equal(err.status, 500);
      return true;
    });
  }
  assert.equal(s.nodes(null)[1].length, 0);
  assert.equal(s.maxIndex('nodes', 'services', 'checks'), 0);
});

test('a rejected registration leaves the store untouched and wakes no one', async () => {
  const s = new StateStore();
  register(s, 1, { ...node('n1'), Service: svc('web') });
  const ws = new WatchSet();
  s.nodes(ws);
  s.checkServiceNodes(ws, 'web');
  const p = park(ws);
  assert.throws(
    () =>
      register(s, 2, {
        ...node('n1', '10.9.9.9'),
        Service: svc('db'),
        Checks: [check('n1', 'y', 'passing', { ServiceID: 'db' }), check('n1', 'z', 'passing', { ServiceID: 'nope' })],
      }),
    /Unknown service ID 'nope' for check ID 'z'/,
  );
  assert.equal(s.getNode(null, 'n1')[1]!.Address, '10.0.0.1');
  assert.equal(s.nodeService('n1', 'db'), null);
  assert.equal(s.maxIndex('nodes', 'services', 'checks'), 1);
  await settle();
  assert.equal(p.woke(), null);
  await p.stop();
});

test('re-registering the same data is a no-op: no index moves', () => {
  const s = new StateStore();
  const req = { ...node('n1'), Service: svc('web', { Tags: ['a'] }), Check: check('n1', 'serfHealth', 'passing') };
  register(s, 1, req);
  register(s, 2, req);
  assert.equal(s.maxIndex('nodes', 'services', 'checks'), 1);
  assert.equal(s.checkServiceNodes(null, 'web')[0], 1);
});

test('SkipNodeUpdate leaves an existing node alone but creates a missing one', () => {
  const s = new StateStore();
  register(s, 1, { ...node('n1', '10.0.0.1'), SkipNodeUpdate: true });
  assert.equal(s.getNode(null, 'n1')[1]!.Address, '10.0.0.1');
  register(s, 2, { Node: 'n1', Address: '', SkipNodeUpdate: true, Service: svc('web') });
  assert.equal(s.getNode(null, 'n1')[1]!.Address, '10.0.0.1');
  assert.equal(s.getNode(null, 'n1')[1]!.ModifyIndex, 1);
});

test('check Type is derived from the definition', () => {
  const s = new StateStore();
  const defs: Array<[string, Record<string, unknown>]> = [
    ['http', { HTTP: 'http://x', Interval: '10s' }],
    ['tcp', { TCP: 'x:1', Interval: '5s' }],
    ['ttl', { TTL: '30s' }],
    ['grpc', { GRPC: 'x:1', Interval: '5s' }],
    ['script', { ScriptArgs: ['true'], Interval: '5s' }],
    ['alias', { AliasService: 'web' }],
    ['', { HTTP: 'http://x' }],
  ];
  register(s, 1, {
    ...node('n1'),
    Checks: defs.map(([want], i) => ({ ...check('n1', `c${i}-${want}`, 'passing'), Definition: defs[i]![1] }) as never),
  });
  for (const c of s.nodeChecks(null, 'n1')[1]) assert.equal(c.Type, c.CheckID.split('-')[1] ?? '');
});

test('services() unions tags per name; serviceNodes filters tags case-insensitively (AND) and node meta', () => {
  const s = new StateStore();
  register(s, 1, { ...node('a', '10.0.0.1', { NodeMeta: { env: 'prod' } }), Service: svc('web', { ID: 'web1', Tags: ['Primary', 'v1'] }) });
  register(s, 2, { ...node('b', '10.0.0.2', { NodeMeta: { env: 'dev' } }), Service: svc('web', { ID: 'web2', Tags: ['v2'] }) });
  register(s, 3, { ...node('b', '10.0.0.2', { NodeMeta: { env: 'dev' } }), Service: svc('db') });
  assert.deepEqual(s.services(null)[1], { db: [], web: ['Primary', 'v1', 'v2'] });
  assert.deepEqual(s.services(null, { nodeMeta: { env: 'prod' } })[1], { web: ['Primary', 'v1'] });
  assert.deepEqual(s.serviceNodes(null, 'web')[1].map((r) => [r.Node, r.ServiceID, r.Address]), [
    ['a', 'web1', '10.0.0.1'],
    ['b', 'web2', '10.0.0.2'],
  ]);
  assert.deepEqual(s.serviceNodes(null, 'web', { tags: ['primary'] })[1].map((r) => r.ServiceID), ['web1']);
  assert.deepEqual(s.serviceNodes(null, 'web', { tags: ['primary', 'v2'] })[1], []);
  assert.deepEqual(s.serviceNodes(null, 'WEB', { nodeMeta: { env: 'dev' } })[1].map((r) => r.ServiceID), ['web2']);
  assert.deepEqual(s.nodes(null, { nodeMeta: { env: 'dev' } })[1].map((n) => n.Node), ['b']);
});

test('checkServiceNodes returns node checks then the instance checks, and per-service indexes', () => {
  const s = new StateStore();
  register(s, 1, { ...node('a'), Service: svc('web'), Checks: [check('a', 'serfHealth', 'passing'), check('a', 'web-http', 'warning', { ServiceID: 'web' })] });
  register(s, 2, { ...node('a'), Service: svc('db'), Checks: [check('a', 'db-tcp', 'passing', { ServiceID: 'db' })] });
  const [idx, rows] = s.checkServiceNodes(null, 'web');
  assert.equal(idx, 1, 'writes to db do not move the web index');
  assert.deepEqual(rows[0]!.Checks.map((c) => c.CheckID), ['serfHealth', 'web-http']);
  assert.equal(s.checkServiceNodes(null, 'db')[0], 2);
  register(s, 3, { ...node('a'), Checks: [check('a', 'serfHealth', 'critical')] });
  assert.equal(s.checkServiceNodes(null, 'web')[0], 3, 'a node check change moves every service on the node');
  assert.equal(s.checkServiceNodes(null, 'db')[0], 3);
  assert.deepEqual(s.checksInState(null, 'critical')[1].map((c) => c.CheckID), ['serfHealth']);
  assert.deepEqual(s.checksInState(null, 'any')[1].length, 3);
  assert.deepEqual(s.serviceChecks(null, 'web')[1].map((c) => c.CheckID), ['web-http']);
});

test('a write to one service does not wake a watcher of another', async () => {
  const s = new StateStore();
  register(s, 1, { ...node('a'), Service: svc('web') });
  register(s, 2, { ...node('b', '10.0.0.2'), Service: svc('db') });
  const ws = new WatchSet();
  s.checkServiceNodes(ws, 'web');
  const p = park(ws);
  register(s, 3, { ...node('b', '10.0.0.2'), Service: svc('db', { Port: 5432 }) });
  register(s, 4, { ...node('b', '10.0.0.2'), Checks: [check('b', 'serfHealth', 'passing')] });
  await settle();
  assert.equal(p.woke(), null);
  register(s, 5, { ...node('a'), Checks: [check('a', 'web-c', 'passing', { ServiceID: 'web' })] });
  await settle();
  assert.equal(p.woke(), 'changed');
});

test('a missing service reports the last extinction index and wakes when an instance appears', async () => {
  const s = new StateStore();
  register(s, 1, { ...node('a'), Service: svc('web') });
  register(s, 2, { ...node('a'), Service: svc('tmp') });
  s.deleteService(3, 'a', 'tmp');
  const [idx, rows] = s.serviceNodes(null, 'tmp');
  assert.deepEqual(rows, []);
  assert.equal(idx, 3);
  assert.equal(s.checkServiceNodes(null, 'never-seen')[0], 3);
  const ws = new WatchSet();
  s.checkServiceNodes(ws, 'tmp');
  const p = park(ws);
  register(s, 4, { ...node('a'), Service: svc('tmp') });
  await settle();
  assert.equal(p.woke(), 'changed');
  assert.equal(s.checkServiceNodes(null, 'tmp')[0], 4);
});

test('indexes are monotonic across register/deregister for the same query', () => {
  const s = new StateStore();
  const seen: number[] = [];
  const q = () => seen.push(s.checkServiceNodes(null, 'web')[0]);
  q();
  register(s, 1, { ...node('a'), Service: svc('web') });
  q();
  register(s, 2, { ...node('b', '10.0.0.2'), Service: svc('web') });
  q();
  s.deleteService(3, 'a', 'web');
  q();
  s.deleteNode(4, 'b');
  q();
  register(s, 5, { ...node('c'), Service: svc('other') });
  q();
  register(s, 6, { ...node('c'), Service: svc('web') });
  q();
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! >= seen[i - 1]!, `index went backwards: ${seen}`);
});

test('deleteNode cascades to services and checks; deleteService removes its checks', () => {
  const s = new StateStore();
  register(s, 1, { ...node('a'), Service: svc('web'), Checks: [check('a', 'serfHealth', 'passing'), check('a', 'w', 'passing', { ServiceID: 'web' })] });
  register(s, 2, { ...node('a'), Service: svc('db'), Checks: [check('a', 'd', 'passing', { ServiceID: 'db' })] });
  s.deleteService(3, 'a', 'web');
  assert.deepEqual(s.nodeChecks(null, 'a')[1].map((c) => c.CheckID), ['d', 'serfHealth']);
  s.deleteCheck(4, 'a', 'd');
  assert.deepEqual(s.nodeChecks(null, 'a')[1].map((c) => c.CheckID), ['serfHealth']);
  s.deleteNode(5, 'a');
  assert.deepEqual(s.nodes(null), [5, []]);
  assert.deepEqual(s.nodeServices(null, 'a'), [5, null]);
  assert.deepEqual(s.nodeChecks(null, 'a'), [5, []]);
  assert.deepEqual(s.services(null), [5, {}]);
  s.deleteNode(6, 'a');
  s.deleteService(6, 'a', 'web');
  s.deleteCheck(6, 'a', 'x');
  assert.equal(s.maxIndex('nodes', 'services', 'checks'), 5, 'deleting what is not there changes nothing');
});

test('node names and service IDs match case-insensitively; a node ID under a new name renames the node', () => {
  const s = new StateStore();
  register(s, 1, { ...node('Alpha', '10.0.0.1', { ID: NODE_ID }), Service: svc('web') });
  assert.equal(s.getNode(null, 'alpha')[1]!.Node, 'Alpha');
  assert.ok(s.nodeService('ALPHA', 'WEB'));
  register(s, 2, node('beta', '10.0.0.1', { ID: NODE_ID }));
  assert.equal(s.getNode(null, 'alpha')[1], null);
  assert.equal(s.getNode(null, 'beta')[1]!.ID, NODE_ID);
  assert.equal(s.nodeService('beta', 'web'), null, 'the old name took its services with it');
});

test('a healthy node with the same name and another ID reserves the name', () => {
  const s = new StateStore();
  register(s, 1, { ...node('n1', '10.0.0.1', { ID: NODE_ID }), Checks: [check('n1', 'serfHealth', 'passing')] });
  const other = '11111111-2222-3333-4444-555555555555';
  assert.throws(() => register(s, 2, node('n1', '10.0.0.2', { ID: other })), {
    message: `Error while renaming Node ID: "${other}": Node name n1 is reserved by node ${NODE_ID} with name n1 (10.0.0.1)`,
  });
  register(s, 3, { ...node('n1', '10.0.0.1', { ID: NODE_ID }), Checks: [check('n1', 'serfHealth', 'critical')] });
  register(s, 4, node('n1', '10.0.0.2', { ID: other }));
  assert.equal(s.getNode(null, 'n1')[1]!.ID, other, 'a failed node gives its name up');
});

test('nodeServices reports the per-node index, and the node extinction index once the node is gone', () => {
  const s = new StateStore();
  register(s, 1, { ...node('a'), Service: svc('web') });
  register(s, 2, { ...node('b', '10.0.0.2'), Service: svc('db') });
  assert.equal(s.nodeServices(null, 'a')[0], 1, 'writes to node b do not move node a');
  register(s, 3, { ...node('a'), Checks: [check('a', 'serfHealth', 'passing')] });
  assert.equal(s.nodeServices(null, 'a')[0], 1, 'checks are not part of catalog/node');
  register(s, 4, { ...node('a'), Service: svc('api') });
  assert.equal(s.nodeServices(null, 'a')[0], 4);
  s.deleteNode(5, 'a');
  assert.deepEqual(s.nodeServices(null, 'a'), [5, null]);
});

test('checksInState wakes only on changes to checks in that state', async () => {
  const s = new StateStore();
  register(s, 1, { ...node('a'), Checks: [check('a', 'c1', 'passing'), check('a', 'c2', 'passing')] });
  const ws = new WatchSet();
  s.checksInState(ws, 'critical');
  const p = park(ws);
  register(s, 2, { ...node('a'), Checks: [check('a', 'c1', 'passing', { Output: 'still fine' })] });
  await settle();
  assert.equal(p.woke(), null);
  register(s, 3, { ...node('a'), Checks: [check('a', 'c2', 'critical')] });
  await settle();
  assert.equal(p.woke(), 'changed');
});

test('a woken query sees the whole write (a node delete with its services, checks and sessions)', async () => {
  const s = new StateStore();
  register(s, 1, { ...node('a'), Service: svc('web'), Checks: [check('a', 'serfHealth', 'passing')] });
  const ws = new WatchSet();
  s.checkServiceNodes(ws, 'web');
  const seen = ws.wait(60_000).then(() => ({
    web: s.checkServiceNodes(null, 'web'),
    node: s.getNode(null, 'a')[1],
    checks: s.nodeChecks(null, 'a')[1],
  }));
  s.deleteNode(2, 'a');
  const after = await seen;
  assert.deepEqual(after.web, [2, []]);
  assert.equal(after.node, null);
  assert.deepEqual(after.checks, []);
});

test('rows handed to readers are frozen', () => {
  const s = new StateStore();
  register(s, 1, { ...node('a'), Service: svc('web') });
  const n = s.getNode(null, 'a')[1]!;
  assert.throws(() => {
    (n as { Address: string }).Address = 'x';
  }, TypeError);
});
