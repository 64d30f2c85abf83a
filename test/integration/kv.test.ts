// KV API against a real dev agent: the npm `consul` client and raw HTTP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Consul from 'consul';
import { startAgent, http, type AgentProcess } from '../support/agent-process.js';

let agent: AgentProcess;
let consul: Consul;

before(async () => {
  agent = await startAgent({ ip: '127.0.0.11' });
  consul = new Consul({ host: agent.ip, port: 8500 });
});
after(async () => {
  await agent?.stop();
});

test('set, get, delete through the npm consul client', async () => {
  assert.equal(await consul.kv.set('app/config', 'hello'), true);
  const got: any = await consul.kv.get('app/config');
  assert.equal(got.Key, 'app/config');
  assert.equal(got.Value, 'hello');
  assert.equal(got.Flags, 0);
  assert.ok(got.ModifyIndex >= got.CreateIndex);
  assert.equal(await consul.kv.del('app/config'), true);
  assert.equal(await consul.kv.get('app/config'), undefined);
});

test('GET returns a one-element array with base64 value and headers', async () => {
  await http(agent.base, 'PUT', '/v1/kv/hdr/key', 'value-1');
  const r = await http(agent.base, 'GET', '/v1/kv/hdr/key');
  assert.equal(r.status, 200);
  const body = r.json();
  assert.equal(body.length, 1);
  assert.equal(Buffer.from(body[0].Value, 'base64').toString(), 'value-1');
  assert.equal(body[0].LockIndex, 0);
  assert.ok(!('Session' in body[0]), 'Session omitted when unlocked');
  assert.equal(r.headers.get('content-type'), 'application/json');
  assert.equal(r.headers.get('x-consul-index'), String(body[0].ModifyIndex));
  assert.equal(r.headers.get('x-consul-knownleader'), 'true');
  assert.equal(r.headers.get('x-consul-lastcontact'), '0');
  assert.equal(r.headers.get('x-consul-effective-consistency'), 'leader');
  assert.equal(r.headers.get('x-consul-default-acl-policy'), 'allow');
});

test('missing key: 404 with empty body and an index that is never 0', async () => {
  const r = await http(agent.base, 'GET', '/v1/kv/does/not/exist');
  assert.equal(r.status, 404);
  assert.equal(r.text, '');
  assert.ok(Number(r.headers.get('x-consul-index')) >= 1);
});

test('empty value reads back as null; raw returns the bytes', async () => {
  await http(agent.base, 'PUT', '/v1/kv/empty', '');
  const r = await http(agent.base, 'GET', '/v1/kv/empty');
  assert.equal(r.json()[0].Value, null);
  const bin = Buffer.from([0, 1, 2, 255, 254]);
  await http(agent.base, 'PUT', '/v1/kv/binary', bin);
  const raw = await fetch(`${agent.base}/v1/kv/binary?raw`);
  assert.equal(raw.status, 200);
  assert.deepEqual(Buffer.from(await raw.arrayBuffer()), bin);
  assert.equal(raw.headers.get('x-content-type-options'), 'nosniff');
});

test('uint64 flags above 2^53 round-trip exactly', async () => {
  const flags = '18446744073709551615';
  const put = await http(agent.base, 'PUT', `/v1/kv/flags?flags=${flags}`, 'x');
  assert.equal(put.text.trim(), 'true');
  const r = await http(agent.base, 'GET', '/v1/kv/flags');
  assert.match(r.text, /"Flags": ?18446744073709551615\b/);
  const lock = '3304740253564472344';
  await http(agent.base, 'PUT', `/v1/kv/flags2?flags=${lock}`, 'y');
  assert.match((await http(agent.base, 'GET', '/v1/kv/flags2')).text, new RegExp(`"Flags": ?${lock}\\b`));
  const bad = await http(agent.base, 'PUT', '/v1/kv/flags3?flags=abc', 'z');
  assert.equal(bad.status, 500);
  assert.match(bad.text, /invalid syntax/);
});

test('recurse, keys and separator', async () => {
  for (const k of ['tree/a', 'tree/b/c', 'tree/b/d', 'tree/e/']) await http(agent.base, 'PUT', `/v1/kv/${k}`, k);
  const rec = await http(agent.base, 'GET', '/v1/kv/tree/?recurse');
  assert.deepEqual(rec.json().map((e: any) => e.Key), ['tree/a', 'tree/b/c', 'tree/b/d', 'tree/e/']);
  const keys = await http(agent.base, 'GET', '/v1/kv/tree/?keys');
  assert.deepEqual(keys.json(), ['tree/a', 'tree/b/c', 'tree/b/d', 'tree/e/']);
  const sep = await http(agent.base, 'GET', '/v1/kv/tree/?keys&separator=/');
  assert.deepEqual(sep.json(), ['tree/a', 'tree/b/', 'tree/e/']);
  const none = await http(agent.base, 'GET', '/v1/kv/nothing-here/?keys');
  assert.equal(none.status, 404);
  const root = await http(agent.base, 'GET', '/v1/kv/?keys&separator=/');
  assert.equal(root.status, 200);
  assert.ok(root.json().includes('tree/'));
  const viaClient: any = await consul.kv.keys('tree/');
  assert.equal(viaClient.length, 4);
});

test('cas: create-only with cas=0 and compare-and-set on ModifyIndex', async () => {
  assert.equal((await http(agent.base, 'PUT', '/v1/kv/cas/key?cas=0', 'one')).text.trim(), 'true');
  assert.equal((await http(agent.base, 'PUT', '/v1/kv/cas/key?cas=0', 'two')).text.trim(), 'false');
  const idx = (await http(agent.base, 'GET', '/v1/kv/cas/key')).json()[0].ModifyIndex;
  assert.equal((await http(agent.base, 'PUT', `/v1/kv/cas/key?cas=${idx + 1000}`, 'three')).text.trim(), 'false');
  assert.equal((await http(agent.base, 'PUT', `/v1/kv/cas/key?cas=${idx}`, 'four')).text.trim(), 'true');
  const now = (await http(agent.base, 'GET', '/v1/kv/cas/key')).json()[0];
  assert.equal(Buffer.from(now.Value, 'base64').toString(), 'four');
  assert.equal((await http(agent.base, 'DELETE', `/v1/kv/cas/key?cas=${idx}`)).text.trim(), 'false');
  assert.equal((await http(agent.base, 'DELETE', `/v1/kv/cas/key?cas=${now.ModifyIndex}`)).text.trim(), 'true');
  assert.equal((await http(agent.base, 'GET', '/v1/kv/cas/key')).status, 404);
});

test('delete recurse removes a whole prefix', async () => {
  for (const k of ['del/a', 'del/b', 'delx']) await http(agent.base, 'PUT', `/v1/kv/${k}`, 'v');
  assert.equal((await http(agent.base, 'DELETE', '/v1/kv/del/?recurse')).text.trim(), 'true');
  assert.equal((await http(agent.base, 'GET', '/v1/kv/del/?recurse')).status, 404);
  assert.equal((await http(agent.base, 'GET', '/v1/kv/delx')).status, 200);
});

test('bad input is answered with Consul status codes and texts', async () => {
  const tooBig = Buffer.alloc(512 * 1024 + 1, 0x61);
  const r413 = await http(agent.base, 'PUT', '/v1/kv/big', tooBig);
  assert.equal(r413.status, 413);
  assert.equal(
    r413.text,
    'Request body(524289 bytes) too large, max size: 524288 bytes. See https://www.consul.io/docs/agent/config/config-files#kv_max_value_size.',
  );
  const exact = await http(agent.base, 'PUT', '/v1/kv/big', Buffer.alloc(512 * 1024, 0x61));
  assert.equal(exact.text.trim(), 'true');
  const missing = await http(agent.base, 'PUT', '/v1/kv/', 'x');
  assert.equal(missing.status, 400);
  assert.equal(missing.text, 'Missing key name');
  assert.equal((await http(agent.base, 'GET', '/v1/kv/')).text, 'Missing key name');
  const conflict = await http(agent.base, 'PUT', '/v1/kv/k?cas=1&acquire=abc', 'x');
  assert.equal(conflict.status, 400);
  assert.equal(conflict.text, 'Conflicting flags: acquire=abc&cas=1');
  const delConflict = await http(agent.base, 'DELETE', '/v1/kv/k?recurse&cas=1');
  assert.equal(delConflict.status, 400);
  assert.match(delConflict.text, /^Conflicting flags: /);
  assert.equal((await http(agent.base, 'GET', '/v1/kv/k?index=abc')).text, 'Invalid index');
  assert.equal((await http(agent.base, 'GET', '/v1/kv/k?index=1&wait=forever')).text, 'Invalid wait time');
  const both = await http(agent.base, 'GET', '/v1/kv/k?stale&consistent');
  assert.equal(both.status, 400);
  assert.equal(both.text, 'Cannot specify ?stale with ?consistent, conflicting semantics.');
});

test('consistency modes answer with the matching header', async () => {
  await http(agent.base, 'PUT', '/v1/kv/modes', 'm');
  const stale = await http(agent.base, 'GET', '/v1/kv/modes?stale');
  assert.equal(stale.headers.get('x-consul-effective-consistency'), 'stale');
  const cons = await http(agent.base, 'GET', '/v1/kv/modes?consistent');
  assert.equal(cons.status, 200);
  assert.equal(cons.headers.get('x-consul-effective-consistency'), 'consistent');
});

test('a blocking query parks until a write to its key wakes it', async () => {
  await http(agent.base, 'PUT', '/v1/kv/block/me', 'v1');
  const first = await http(agent.base, 'GET', '/v1/kv/block/me');
  const index = Number(first.headers.get('x-consul-index'));
  let answered = false;
  const parked = http(agent.base, 'GET', `/v1/kv/block/me?index=${index}&wait=30s`).then((r) => {
    answered = true;
    return r;
  });
  // A write elsewhere must not wake it.
  await http(agent.base, 'PUT', '/v1/kv/block/other', 'x');
  const probe = await http(agent.base, 'GET', '/v1/kv/block/other');
  assert.equal(probe.status, 200);
  assert.equal(answered, false, 'an unrelated write woke the query');
  await http(agent.base, 'PUT', '/v1/kv/block/me', 'v2');
  const r = await parked;
  assert.equal(r.status, 200);
  assert.ok(Number(r.headers.get('x-consul-index')) > index);
  assert.equal(Buffer.from(r.json()[0].Value, 'base64').toString(), 'v2');
});

test('a blocking query returns at its wait time with the same index', async () => {
  await http(agent.base, 'PUT', '/v1/kv/block/quiet', 'q');
  const index = Number((await http(agent.base, 'GET', '/v1/kv/block/quiet')).headers.get('x-consul-index'));
  const r = await http(agent.base, 'GET', `/v1/kv/block/quiet?index=${index}&wait=100ms`);
  assert.equal(r.status, 200);
  assert.equal(Number(r.headers.get('x-consul-index')), index);
});

test('a prefix blocking query wakes on a delete under the prefix', async () => {
  await http(agent.base, 'PUT', '/v1/kv/watchdir/a', '1');
  const first = await http(agent.base, 'GET', '/v1/kv/watchdir/?recurse');
  const index = Number(first.headers.get('x-consul-index'));
  const parked = http(agent.base, 'GET', `/v1/kv/watchdir/?recurse&index=${index}&wait=30s`);
  await http(agent.base, 'DELETE', '/v1/kv/watchdir/a');
  const r = await parked;
  assert.equal(r.status, 404);
  assert.ok(Number(r.headers.get('x-consul-index')) > index);
});

test('gzip is used when asked for and the body is large enough', async () => {
  for (let i = 0; i < 40; i++) await http(agent.base, 'PUT', `/v1/kv/gz/key-${i}`, 'some value '.repeat(5));
  const r = await fetch(`${agent.base}/v1/kv/gz/?recurse`, { headers: { 'Accept-Encoding': 'gzip' } });
  assert.equal(r.headers.get('content-encoding'), 'gzip');
  const body = (await r.json()) as unknown[];
  assert.equal(body.length, 40);
});

test('?pretty indents with four spaces', async () => {
  await http(agent.base, 'PUT', '/v1/kv/pretty', 'p');
  const r = await http(agent.base, 'GET', '/v1/kv/pretty?pretty');
  assert.match(r.text, /^\[\n    \{\n        "LockIndex": 0,/);
  assert.ok(r.text.endsWith('\n'));
});
