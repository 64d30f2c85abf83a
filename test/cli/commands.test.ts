import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';
import { startFakeAgent, type FakeAgent } from './fake-agent.js';

let agent: FakeAgent;
let dir: string;

before(async () => {
  agent = await startFakeAgent();
  dir = mkdtempSync(join(tmpdir(), 'conclave-cli-'));
});
after(async () => {
  await agent.close();
  rmSync(dir, { recursive: true, force: true });
});

async function run(args: string[], stdin = '', env: NodeJS.ProcessEnv = {}) {
  const io = memoryIo({ CONSUL_HTTP_ADDR: `http://${agent.address}`, ...env }, stdin);
  const code = await main(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

test('kv put / get / delete print what Consul prints', async () => {
  assert.deepEqual(await run(['kv', 'put', 'app/name', 'web']), { code: 0, out: 'Success! Data written to: app/name\n', err: '' });
  assert.deepEqual(await run(['kv', 'get', 'app/name']), { code: 0, out: 'web\n', err: '' });
  assert.deepEqual(await run(['kv', 'get', '/app/name']), { code: 0, out: 'web\n', err: '' });
  assert.deepEqual(await run(['kv', 'delete', 'app/name']), { code: 0, out: 'Success! Deleted key: app/name\n', err: '' });
  assert.deepEqual(await run(['kv', 'get', 'app/name']), { code: 1, out: '', err: 'Error! No key exists at: app/name\n' });
});

test('kv put takes data from @file and from stdin, and -base64', async () => {
  const f = join(dir, 'value.txt');
  writeFileSync(f, 'from-file');
  await run(['kv', 'put', 'f', `@${f}`]);
  assert.equal(agent.kv.get('f')!.value.toString(), 'from-file');
  await run(['kv', 'put', 's', '-'], 'from-stdin');
  assert.equal(agent.kv.get('s')!.value.toString(), 'from-stdin');
  await run(['kv', 'put', '-base64', 'b', Buffer.from('decoded').toString('base64')]);
  assert.equal(agent.kv.get('b')!.value.toString(), 'decoded');
  await run(['kv', 'put', 'empty']);
  assert.equal(agent.kv.get('empty')!.value.length, 0);
  const missing = await run(['kv', 'put', 'x', `@${join(dir, 'nope')}`]);
  assert.equal(missing.code, 1);
  assert.equal(missing.err, `Error! Failed to read file: open ${join(dir, 'nope')}: no such file or directory\n`);
});

test('kv put -cas reports CAS failures; -flags travel exactly', async () => {
  await run(['kv', 'put', '-flags', '18446744073709551615', 'c', 'v1']);
  const idx = agent.kv.get('c')!.modifyIndex;
  assert.ok(agent.requests.at(-1)!.url.includes('flags=18446744073709551615'));
  assert.deepEqual(await run(['kv', 'put', '-cas', '-modify-index', String(idx + 100), 'c', 'v2']), {
    code: 1, out: '', err: 'Error! Did not write to c: CAS failed\n',
  });
  assert.deepEqual(await run(['kv', 'put', '-cas', '-flags', '18446744073709551615', '-modify-index', String(idx), 'c', 'v2']), {
    code: 0, out: 'Success! Data written to: c\n', err: '',
  });
  assert.deepEqual(await run(['kv', 'put', '-cas', 'c', 'v3']), { code: 1, out: '', err: 'Must specify -modify-index with -cas!\n' });
  const detailed = await run(['kv', 'get', '-detailed', 'c']);
  assert.equal(
    detailed.out,
    [
      `CreateIndex      ${agent.kv.get('c')!.createIndex}`,
      'Flags            18446744073709551615',
      'Key              c',
      'LockIndex        0',
      `ModifyIndex      ${agent.kv.get('c')!.modifyIndex}`,
      'Session          -',
      'Value            v2',
      '',
    ].join('\n'),
  );
});

test('kv put -acquire / -release need a session and report lock results', async () => {
  assert.deepEqual(await run(['kv', 'put', '-acquire', 'lock', 'x']), {
    code: 1, out: '', err: 'Error! Missing -session (required with -acquire and -release)\n',
  });
  assert.equal((await run(['kv', 'put', '-acquire', '-session', 's1', 'lock', 'x'])).out, 'Success! Lock acquired on: lock\n');
  assert.deepEqual(await run(['kv', 'put', '-acquire', '-session', 's2', 'lock', 'x']), { code: 1, out: '', err: 'Error! Did not acquire lock\n' });
  assert.deepEqual(await run(['kv', 'put', '-release', '-session', 's2', 'lock']), { code: 1, out: '', err: 'Error! Did not release lock\n' });
  assert.equal((await run(['kv', 'put', '-release', '-session', 's1', 'lock'])).out, 'Success! Lock released on: lock\n');
});

test('binary and UTF-8 values come back byte for byte', async () => {
  const bytes = Buffer.from([0xff, 0x00, 0xc3, 0xa9, 0x0a, 0x80]);
  agent.kv.set('bin', { value: bytes, flags: '0', session: '', lockIndex: 0, createIndex: 1, modifyIndex: 1 });
  const raw: Buffer[] = [];
  const capture = { ...memoryIo({ CONSUL_HTTP_ADDR: agent.address }), out: (t: string | Uint8Array) => void raw.push(Buffer.from(t)) };
  assert.equal(await main(['kv', 'get', 'bin'], capture), 0);
  assert.deepEqual(Buffer.concat(raw), Buffer.concat([bytes, Buffer.from('\n')]));
  raw.length = 0;
  await main(['kv', 'get', '-detailed', 'bin'], capture);
  assert.ok(Buffer.concat(raw).subarray(-7).equals(Buffer.concat([bytes, Buffer.from('\n')])));
  await run(['kv', 'put', 'utf', 'héllo ✓']);
  assert.equal((await run(['kv', 'get', 'utf'])).out, 'héllo ✓\n');
  assert.match((await run(['kv', 'get', '-detailed', 'utf'])).out, /Value {12}héllo ✓\n$/);
});

test('kv get -recurse, -keys, -separator and -base64', async () => {
  await run(['kv', 'put', 'tree/a', '1']);
  await run(['kv', 'put', 'tree/b/c', '2']);
  assert.equal((await run(['kv', 'get', '-recurse', 'tree'])).out, 'tree/a:1\ntree/b/c:2\n');
  assert.equal((await run(['kv', 'get', '-recurse', '-base64', 'tree/a'])).out, `tree/a:${Buffer.from('1').toString('base64')}\n`);
  assert.equal((await run(['kv', 'get', '-keys', 'tree/'])).out, 'tree/a\ntree/b/\n');
  assert.equal((await run(['kv', 'get', '-keys', '-separator=', 'tree/'])).out, 'tree/a\ntree/b/c\n');
  assert.deepEqual(await run(['kv', 'get']), { code: 1, out: '', err: 'Error! Missing KEY argument\n' });
  assert.deepEqual(await run(['kv', 'get', 'a', 'b']), { code: 1, out: '', err: 'Too many arguments (expected 1, got 2)\n' });
});

test('kv delete -recurse and -cas', async () => {
  await run(['kv', 'put', 'del/a', '1']);
  await run(['kv', 'put', 'del/b', '1']);
  const idx = agent.kv.get('del/a')!.modifyIndex;
  assert.deepEqual(await run(['kv', 'delete', '-cas', '-modify-index', String(idx + 50), 'del/a']), {
    code: 1, out: '', err: 'Error! Did not delete key del/a: CAS failed\n',
  });
  assert.equal((await run(['kv', 'delete', '-cas', '-modify-index', String(idx), 'del/a'])).out, 'Success! Deleted key: del/a\n');
  assert.equal((await run(['kv', 'delete', '-recurse', 'del/'])).out, 'Success! Deleted keys with prefix: del/\n');
  assert.equal(agent.kv.has('del/b'), false);
  assert.equal((await run(['kv', 'delete', '-modify-index', '3', 'x'])).err, 'Cannot specify -modify-index without -cas!\n');
  assert.equal((await run(['kv', 'delete', '-recurse', '-cas', '-modify-index', '3', 'x'])).err, 'Cannot specify both -cas and -recurse!\n');
});

test('kv export and import round-trip the JSON tree', async () => {
  await run(['kv', 'put', '-flags', '42', 'exp/one', 'hello']);
  const exported = await run(['kv', 'export', 'exp/']);
  assert.equal(exported.out, `[\n\t{\n\t\t"key": "exp/one",\n\t\t"flags": 42,\n\t\t"value": "${Buffer.from('hello').toString('base64')}"\n\t}\n]\n`);
  assert.equal((await run(['kv', 'export', 'nothing-here/'])).out, '[]\n');
  const imported = await run(['kv', 'import', '-prefix', 'copy/', '-'], exported.out);
  assert.deepEqual(imported, { code: 0, out: 'Imported: copy/exp/one\n', err: '' });
  assert.equal(agent.kv.get('copy/exp/one')!.value.toString(), 'hello');
  assert.equal(agent.kv.get('copy/exp/one')!.flags, '42');
  assert.equal((await run(['kv', 'import'])).err, 'Error! Missing DATA argument\n');
  assert.match((await run(['kv', 'import', 'not json'])).err, /^Cannot unmarshal data: /);
});

test('token and address come from flags or the environment', async () => {
  await run(['kv', 'get', '-token', 'flag-token', 'x']);
  assert.equal(agent.requests.at(-1)!.token, 'flag-token');
  await run(['kv', 'get', 'x'], '', { CONSUL_HTTP_TOKEN: 'env-token' });
  assert.equal(agent.requests.at(-1)!.token, 'env-token');
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, 'file-token\n');
  await run(['kv', 'get', '-token', 'flag-token', '-token-file', tokenFile, 'x']);
  assert.equal(agent.requests.at(-1)!.token, 'file-token');
  const noFile = await run(['kv', 'get', '-token-file', join(dir, 'missing-token'), 'x']);
  assert.equal(noFile.err, `Error connecting to Consul agent: Error loading token file: open ${join(dir, 'missing-token')}: no such file or directory\n`);
  const io = memoryIo({});
  assert.equal(await main(['kv', 'get', '-http-addr', agent.address, '-datacenter', 'dc9', '-stale', 'x'], io), 1);
  assert.match(agent.requests.at(-1)!.url, /^\/v1\/kv\/x\?dc=dc9&stale$/);
});

test('unix:// addresses reach an agent on a socket', async () => {
  const sock = await startFakeAgent(join(dir, 'agent.sock'));
  try {
    const io = memoryIo({ CONSUL_HTTP_ADDR: sock.address });
    assert.equal(await main(['kv', 'put', 'over-socket', 'v'], io), 0);
    assert.equal(io.stdout(), 'Success! Data written to: over-socket\n');
    assert.equal(sock.kv.get('over-socket')!.value.toString(), 'v');
  } finally {
    await sock.close();
  }
});

test('connection errors read like the Go client', async () => {
  const r = await run(['kv', 'get', 'x'], '', { CONSUL_HTTP_ADDR: '127.0.0.1:1' });
  assert.equal(r.code, 1);
  assert.equal(r.err, 'Error querying Consul agent: Get "http://127.0.0.1:1/v1/kv/x": dial tcp 127.0.0.1:1: connect: connection refused\n');
});

test('members: columns, sorting, -detailed, -status and exit 2', async () => {
  agent.canned.set('/v1/agent/members', {
    status: 200,
    body: JSON.stringify([
      { Name: 'c1', Addr: '10.0.0.3', Port: 8301, Status: 1, Tags: { role: 'node', dc: 'dc1', vsn: '2', build: '1.18.0:abc' } },
      { Name: 's2', Addr: '10.0.0.2', Port: 8301, Status: 4, Tags: { role: 'consul', dc: 'dc1', vsn: '2', build: '1.18.0:abc' } },
      { Name: 's1', Addr: '10.0.0.1', Port: 8301, Status: 1, Tags: { role: 'consul', dc: 'dc1', vsn: '2', build: '1.18.0:abc' } },
    ]),
  });
  assert.equal(
    (await run(['members'])).out,
    [
      'Node  Address        Status  Type    Build   Protocol  DC   Partition  Segment',
      's1    10.0.0.1:8301  alive   server  1.18.0  2         dc1  default    <all>',
      's2    10.0.0.2:8301  failed  server  1.18.0  2         dc1  default    <all>',
      'c1    10.0.0.3:8301  alive   client  1.18.0  2         dc1  default    <default>',
      '',
    ].join('\n'),
  );
  assert.equal(
    (await run(['members', '-status', 'failed', '-detailed'])).out,
    'Node  Address        Status  Tags\ns2    10.0.0.2:8301  failed  ap=default,build=1.18.0:abc,dc=dc1,role=consul,segment=<all>,vsn=2\n',
  );
  assert.deepEqual(await run(['members', '-status', 'left']), { code: 2, out: '', err: '' });
  agent.canned.delete('/v1/agent/members');
});

test('catalog services, nodes and datacenters', async () => {
  agent.canned.set('/v1/catalog/services', { status: 200, body: JSON.stringify({ web: ['v2', 'v1'], consul: [], db: [] }) });
  assert.equal((await run(['catalog', 'services'])).out, 'consul\ndb\nweb\n');
  // text/tabwriter pads every tab-terminated cell, even when the last column is empty
  assert.equal((await run(['catalog', 'services', '-tags'])).out, 'consul      \ndb          \nweb         v1,v2\n');
  agent.canned.set('/v1/catalog/nodes', {
    status: 200,
    body: JSON.stringify([
      { ID: '5f7a2b3c-0000-1111-2222-333344445555', Node: 'node-a', Address: '10.0.0.1', Datacenter: 'dc1', TaggedAddresses: { wan: '1.2.3.4', lan: '10.0.0.1' }, Meta: { rack: 'r1' } },
    ]),
  });
  assert.equal((await run(['catalog', 'nodes'])).out, 'Node    ID        Address   DC\nnode-a  5f7a2b3c  10.0.0.1  dc1\n');
  assert.equal(
    (await run(['catalog', 'nodes', '-detailed'])).out,
    'Node    ID                                    Address   DC   TaggedAddresses            Meta\n' +
      'node-a  5f7a2b3c-0000-1111-2222-333344445555  10.0.0.1  dc1  lan=10.0.0.1, wan=1.2.3.4  rack=r1\n',
  );
  agent.canned.set('/v1/catalog/nodes', { status: 200, body: '[]' });
  assert.deepEqual(await run(['catalog', 'nodes']), { code: 0, out: '', err: 'No nodes match the given query - try expanding your search.\n' });
  agent.canned.set('/v1/catalog/datacenters', { status: 200, body: '["dc1","dc2"]' });
  assert.equal((await run(['catalog', 'datacenters'])).out, 'dc1\ndc2\n');
  for (const p of ['/v1/catalog/services', '/v1/catalog/nodes', '/v1/catalog/datacenters']) agent.canned.delete(p);
});

test('services register from flags and files, deregister by id', async () => {
  assert.deepEqual(await run(['services', 'register', '-name', 'web', '-id', 'web-1', '-port', '80', '-tag', 'a', '-tag', 'b', '-meta', 'v=1']), {
    code: 0, out: 'Registered service: web\n', err: '',
  });
  assert.deepEqual(agent.services.get('web-1'), { Name: 'web', ID: 'web-1', Port: 80, Tags: ['a', 'b'], Meta: { v: '1' } });
  const f = join(dir, 'svc.hcl');
  writeFileSync(f, 'service { name = "api" port = 9000 check { ttl = "10s" } }');
  assert.equal((await run(['services', 'register', f])).out, 'Registered service: api\n');
  assert.deepEqual(agent.services.get('api'), { Name: 'api', Port: 9000, Check: { TTL: '10s' } });
  assert.equal((await run(['services', 'deregister', '-id', 'web-1'])).out, 'Deregistered service: web-1\n');
  assert.equal((await run(['services', 'deregister', f])).out, 'Deregistered service: api\n');
  const gone = await run(['services', 'deregister', '-id', 'web-1']);
  assert.equal(gone.code, 1);
  assert.match(gone.err, /^Error deregistering service "web-1": Unexpected response code: 404 \(Unknown service ID/);
  assert.equal((await run(['services', 'register'])).err, 'Service registration requires at least one argument or flags.\n');
});

test('operator raft list-peers table', async () => {
  agent.canned.set('/v1/operator/raft/configuration', {
    status: 200,
    body: JSON.stringify({
      Servers: [
        { ID: 'id-1', Node: 's1', Address: '10.0.0.1:8300', Leader: true, Voter: true, ProtocolVersion: '3', LastIndex: 120 },
        { ID: 'id-2', Node: 's2', Address: '10.0.0.2:8300', Leader: false, Voter: true, ProtocolVersion: '3', LastIndex: 119 },
        { ID: 'id-3', Node: 's3', Address: '10.0.0.3:8300', Leader: false, Voter: false, ProtocolVersion: '3', LastIndex: 100 },
      ],
      Index: 120,
    }),
  });
  assert.equal(
    (await run(['operator', 'raft', 'list-peers'])).out,
    [
      'Node  ID    Address        State     Voter  RaftProtocol  Commit Index  Trails Leader By',
      's1    id-1  10.0.0.1:8300  leader    true   3             120           -',
      's2    id-2  10.0.0.2:8300  follower  true   3             119           1 commit',
      's3    id-3  10.0.0.3:8300  follower  false  3             100           20 commits',
      '',
    ].join('\n'),
  );
  agent.canned.delete('/v1/operator/raft/configuration');
});

test('info, join, leave and reload', async () => {
  agent.canned.set('/v1/agent/self', { status: 200, body: JSON.stringify({ Stats: { raft: { term: '2', state: 'Leader' }, agent: { checks: '0' } } }) });
  assert.equal((await run(['info'])).out, 'agent:\n\tchecks = 0\nraft:\n\tstate = Leader\n\tterm = 2\n');
  agent.canned.delete('/v1/agent/self');
  assert.equal((await run(['join', '10.0.0.9', '10.0.0.8'])).out, 'Successfully joined cluster by contacting 2 nodes.\n');
  const bad = await run(['join', 'bad-host']);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /^Error joining address 'bad-host': Unexpected response code: 500 /);
  assert.match(bad.err, /Failed to join any nodes.\n$/);
  assert.equal((await run(['leave'])).out, 'Graceful leave complete\n');
  assert.equal((await run(['reload'])).out, 'Configuration reload triggered\n');
});

test('dispatch: command list, help, version and unknown flags', async () => {
  const none = await run([]);
  assert.equal(none.code, 127);
  assert.match(none.err, /^Usage: consul \[--version\] \[--help\] <command> \[<args>\]\n\nAvailable commands are:\n/);
  assert.match(none.err, /\n {4}kv +Interact with the key-value store\n/);
  assert.equal((await run(['nonsense'])).code, 127);
  const help = await run(['kv', 'get', '-h']);
  assert.equal(help.code, 0);
  assert.match(help.out, /^Usage: consul kv get \[options\] \[KEY_OR_PREFIX\]/);
  const parent = await run(['kv']);
  assert.equal(parent.code, 1);
  assert.match(parent.err, /Subcommands:\n {4}delete {4}Removes data from the KV store/);
  const v = await run(['-v']);
  assert.equal(v.code, 0);
  assert.match(v.out, /^Consul v\d+\.\d+\.\d+\nRevision \S+\nBuild Date \S+\nProtocol 2 spoken by default/);
  assert.deepEqual(await run(['--version']), v);
  assert.equal(JSON.parse((await run(['version', '-format=json'])).out).RPC.Default, 2);
  const bad = await run(['kv', 'get', '-nope', 'x']);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /^flag provided but not defined: -nope\n/);
});

test('agent: config errors are printed and exit 1; -h prints the flags', async () => {
  const r = await run(['agent', '-dev', '-hcl', 'bogus = 1']);
  assert.equal(r.code, 1);
  assert.equal(r.err, 'failed to parse flags-0.hcl: 1 error occurred:\n\t* invalid config key bogus\n\n\n');
  const f = await run(['agent', '-bogus']);
  assert.equal(f.code, 1);
  assert.match(f.err, /^flag provided but not defined: -bogus\nUsage of agent:\n/);
  const h = await run(['agent', '-h']);
  assert.equal(h.code, 0);
  assert.match(h.out, /-bootstrap-expect=<int>/);
});

test('validate runs the agent loader over files', async () => {
  const good = join(dir, 'good.hcl');
  writeFileSync(good, 'data_dir = "' + join(dir, 'data') + '"\nbind_addr = "127.0.0.1"\nserver = true\nbootstrap_expect = 3\n');
  const ok = await run(['validate', good]);
  assert.equal(ok.code, 0);
  assert.match(ok.out, /Configuration is valid!\n$/);
  assert.deepEqual(await run(['validate', '-quiet', good]), { code: 0, out: '', err: '' });
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{"data_dir":"/tmp","bind_addr":"127.0.0.1","colour":"red"}');
  assert.deepEqual(await run(['validate', bad]), {
    code: 1,
    out: '',
    err: `Config validation failed: failed to parse ${bad}: 1 error occurred:\n\t* invalid config key colour\n\n\n`,
  });
});
