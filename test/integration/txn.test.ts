// Transactions against a real dev agent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAgent, http, type AgentProcess } from '../support/agent-process.js';

let agent: AgentProcess;
before(async () => {
  agent = await startAgent({ ip: '127.0.0.14' });
});
after(async () => {
  await agent?.stop();
});

const b64 = (s: string) => Buffer.from(s).toString('base64');
const txn = (ops: unknown) => http(agent.base, 'PUT', '/v1/txn', JSON.stringify(ops));

test('a write transaction commits all its ops', async () => {
  const r = await txn([
    { KV: { Verb: 'set', Key: 'txn/a', Value: b64('1') } },
    { KV: { Verb: 'set', Key: 'txn/b', Value: b64('2'), Flags: 7 } },
    { KV: { Verb: 'get', Key: 'txn/a' } },
  ]);
  assert.equal(r.status, 200);
  const body = r.json();
  assert.equal(body.Errors, null);
  assert.equal(body.Results.length, 3);
  assert.equal(body.Results[0].KV.Value, null);
  assert.equal(Buffer.from(body.Results[2].KV.Value, 'base64').toString(), '1');
  const b = (await http(agent.base, 'GET', '/v1/kv/txn/b')).json()[0];
  assert.equal(b.Flags, 7);
});

test('a failing op rolls the whole transaction back with 409', async () => {
  const r = await txn([
    { KV: { Verb: 'set', Key: 'txn/rollback', Value: b64('x') } },
    { KV: { Verb: 'cas', Key: 'txn/a', Value: b64('y'), Index: 999999 } },
  ]);
  assert.equal(r.status, 409);
  const body = r.json();
  assert.equal(body.Results, null);
  assert.equal(body.Errors[0].OpIndex, 1);
  assert.equal(typeof body.Errors[0].What, 'string');
  assert.equal((await http(agent.base, 'GET', '/v1/kv/txn/rollback')).status, 404);
});

test('a read-only transaction answers with leader headers', async () => {
  const r = await txn([{ KV: { Verb: 'get-tree', Key: 'txn/' } }]);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('x-consul-knownleader'), 'true');
  assert.equal(r.json().Results.length, 2);
});

test('node and service verbs work inside a transaction', async () => {
  const r = await txn([
    { Node: { Verb: 'set', Node: { Node: 'txn-node', Address: '10.1.1.1' } } },
    { Service: { Verb: 'set', Node: 'txn-node', Service: { ID: 'svc1', Service: 'svc', Port: 80 } } },
  ]);
  assert.equal(r.status, 200, r.text);
  const svc = await http(agent.base, 'GET', '/v1/catalog/service/svc');
  assert.equal(svc.json()[0].Node, 'txn-node');
  assert.equal(svc.json()[0].ServicePort, 80);
});

test('too many ops and bad bodies are refused', async () => {
  const ops = Array.from({ length: 129 }, (_, i) => ({ KV: { Verb: 'set', Key: `many/${i}`, Value: b64('v') } }));
  const r = await txn(ops);
  assert.equal(r.status, 413);
  assert.equal(r.text, 'Transaction contains too many operations (129 > 128)');
  const bad = await http(agent.base, 'PUT', '/v1/txn', '{not json');
  assert.equal(bad.status, 400);
  const badVal = await txn([{ KV: { Verb: 'set', Key: 'k', Value: '!!!' } }]);
  assert.equal(badVal.status, 400);
});
