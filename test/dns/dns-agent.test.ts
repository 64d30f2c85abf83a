// The DNS interface of a real agent process, queried with dig: every query form and record type,
// health filtering, tags, truncation over UDP and full answers over TCP, recursor forwarding.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAgent, http, type AgentProcess } from '../support/agent-process.js';
import { waitFor } from '../support/wait.js';
import { dig } from './dig.js';
import { startUpstream, type Upstream } from './upstream.js';

const IP = '127.0.0.40';
const IP_STRICT = '127.0.0.43';
const STRICT_PORT = 8653;
let agent: AgentProcess;
let strict: AgentProcess;
let bad: Upstream;
let good: Upstream;

async function register(a: AgentProcess, body: unknown): Promise<void> {
  const r = await http(a.base, 'PUT', '/v1/catalog/register', JSON.stringify(body));
  assert.equal(r.status, 200, r.text);
}

/** Registers web (3 healthy, 1 warning, 1 critical), db with its own address, a v6 node, 12 "many". */
async function seed(a: AgentProcess): Promise<void> {
  const web: [string, string, string, string[]][] = [
    ['web-1', '10.1.0.1', 'passing', ['primary', 'v1']],
    ['web-2', '10.1.0.2', 'passing', ['v1']],
    ['web-3', '10.1.0.3', 'passing', ['v2']],
    ['web-4', '10.1.0.4', 'warning', ['v1']],
    ['web-5', '10.1.0.5', 'critical', ['primary']],
  ];
  for (const [n, addr, status, tags] of web) {
    await register(a, {
      Node: n, Address: addr, NodeMeta: { rack: 'r1', 'rfc1035-note': 'free text' },
      Service: { Service: 'web', Port: 8080, Tags: tags, Weights: { Passing: 10, Warning: 2 } },
      Check: { CheckID: `web-check-${n}`, Name: 'web check', Status: status, ServiceID: 'web' },
    });
  }
  await register(a, { Node: 'db-node', Address: '10.2.0.1', Service: { Service: 'db', Port: 5432, Address: '192.168.7.9' } });
  await register(a, { Node: 'six', Address: '2001:db8::10', Service: { Service: 'sixsvc', Port: 99 } });
  for (let i = 1; i <= 12; i++) {
    await register(a, { Node: `many-node-with-a-long-name-${i}`, Address: `10.3.0.${i}`, Service: { Service: 'many', Port: 1000 + i } });
  }
}

before(async () => {
  bad = await startUpstream('127.0.0.45', 5399, { rcode: 2, address: '0.0.0.0' });
  good = await startUpstream('127.0.0.46', 5399, { address: '192.0.2.10' });
  agent = await startAgent({
    ip: IP,
    nodeName: 'dns-agent',
    args: [
      '-node-meta', 'zone:blue',
      // A dead recursor (nothing listens), one that answers SERVFAIL, then a good one.
      '-recursor', '127.0.0.47:5399', '-recursor', '127.0.0.45:5399', '-recursor', '127.0.0.46:5399',
      '-hcl', 'dns_config { recursor_timeout = "300ms" }',
    ],
  });
  strict = await startAgent({
    ip: IP_STRICT,
    nodeName: 'dns-strict',
    args: [
      '-dns-port', String(STRICT_PORT),
      '-hcl', 'dns_config {\nenable_truncate = true\nonly_passing = true\nnode_ttl = "20s"\na_record_limit = 2\nservice_ttl { "*" = "10s"\n"we*" = "15s" }\n}',
    ],
  });
  await Promise.all([seed(agent), seed(strict)]);
});

after(async () => {
  await agent?.stop();
  await strict?.stop();
  await bad?.close();
  await good?.close();
});

const q = (name: string, type: string, ...opts: string[]) => dig(IP, 8600, [name, type, ...opts]);
const qs = (name: string, type: string, ...opts: string[]) => dig(IP_STRICT, STRICT_PORT, [name, type, ...opts]);

test('node lookup: A with node meta TXT in additional, TXT and ANY, case-insensitive', async () => {
  const r = await q('DNS-Agent.node.consul', 'A');
  assert.equal(r.status, 'NOERROR', r.text);
  assert.ok(r.flags.includes('aa'));
  assert.deepEqual(r.answer.map((x) => [x.type, x.data, x.ttl]), [['A', IP, 0]]);
  assert.ok(r.additional.some((x) => x.type === 'TXT' && x.data === '"zone=blue"'), r.text);
  const txt = await q('dns-agent.node.dc1.consul', 'TXT');
  assert.ok(txt.answer.some((x) => x.data === '"zone=blue"'), txt.text);
  const any = await q('dns-agent.node.consul', 'ANY');
  assert.deepEqual([...new Set(any.answer.map((x) => x.type))].sort(), ['A', 'TXT']);
  const rfc1035 = await q('web-1.node.consul', 'TXT');
  assert.ok(rfc1035.answer.some((x) => x.data === '"free text"'), rfc1035.text);
  const six = await q('six.node.consul', 'AAAA');
  assert.deepEqual(six.answer.map((x) => x.data), ['2001:db8::10']);
  const strictTtl = await qs('web-1.node.consul', 'A');
  assert.equal(strictTtl.answer[0]!.ttl, 20);
});

test('service lookup: healthy instances only (critical dropped, warning kept), shuffled', async () => {
  const r = await q('web.service.consul', 'A', '+tcp');
  assert.equal(r.status, 'NOERROR', r.text);
  assert.deepEqual(r.answer.map((x) => x.data).sort(), ['10.1.0.1', '10.1.0.2', '10.1.0.3', '10.1.0.4']);
  const orders = new Set<string>();
  for (let i = 0; i < 8; i++) orders.add((await q('web.service.consul', 'A', '+tcp')).answer.map((x) => x.data).join(','));
  assert.ok(orders.size > 1, 'answers are shuffled');
});

test('only_passing drops warning instances; a_record_limit caps A answers; service_ttl prefix', async () => {
  const r = await qs('web.service.consul', 'A', '+tcp');
  assert.equal(r.answer.length, 2, r.text);
  assert.ok(r.answer.every((x) => ['10.1.0.1', '10.1.0.2', '10.1.0.3'].includes(x.data) && x.ttl === 15), r.text);
  const srv = await qs('web.service.consul', 'SRV', '+tcp');
  assert.deepEqual(srv.answer.map((x) => x.data.split(' ')[3]).sort(), [
    'web-1.node.dc1.consul.', 'web-2.node.dc1.consul.', 'web-3.node.dc1.consul.',
  ]);
  assert.equal((await qs('many.service.consul', 'A', '+tcp')).answer[0]!.ttl, 10);
});

test('SRV: node targets with A glue, weights from health, .addr. targets for service addresses', async () => {
  const r = await q('web.service.consul', 'SRV', '+tcp');
  const rows = r.answer.map((x) => x.data.split(' ')).sort((a, b) => a[3]!.localeCompare(b[3]!));
  assert.deepEqual(rows, [
    ['1', '10', '8080', 'web-1.node.dc1.consul.'],
    ['1', '10', '8080', 'web-2.node.dc1.consul.'],
    ['1', '10', '8080', 'web-3.node.dc1.consul.'],
    ['1', '2', '8080', 'web-4.node.dc1.consul.'],
  ]);
  assert.deepEqual(r.additional.filter((x) => x.type === 'A').map((x) => `${x.name} ${x.data}`).sort(), [
    'web-1.node.dc1.consul. 10.1.0.1', 'web-2.node.dc1.consul. 10.1.0.2', 'web-3.node.dc1.consul. 10.1.0.3', 'web-4.node.dc1.consul. 10.1.0.4',
  ]);
  const db = await q('db.service.consul', 'SRV');
  assert.deepEqual(db.answer.map((x) => x.data), ['1 1 5432 c0a80709.addr.dc1.consul.']);
  assert.deepEqual(db.additional.map((x) => [x.name, x.type, x.data]), [['c0a80709.addr.dc1.consul.', 'A', '192.168.7.9']]);
  const dbA = await q('db.service.consul', 'A');
  assert.deepEqual(dbA.answer.map((x) => x.data), ['192.168.7.9']);
});

test('tags and RFC 2782 names', async () => {
  const tagged = await q('primary.web.service.consul', 'A');
  assert.deepEqual(tagged.answer.map((x) => x.data), ['10.1.0.1']);
  const v1 = await q('_web._v1.service.consul', 'SRV', '+tcp');
  assert.deepEqual(v1.answer.map((x) => x.data.split(' ')[3]).sort(), ['web-1.node.dc1.consul.', 'web-2.node.dc1.consul.', 'web-4.node.dc1.consul.']);
  const tcp = await q('_web._tcp.service.dc1.consul', 'SRV', '+tcp');
  assert.equal(tcp.answer.length, 4);
  const short = await q('_db._tcp.consul', 'SRV');
  assert.equal(short.answer.length, 1);
  assert.equal((await q('nope.web.service.consul', 'A')).status, 'NXDOMAIN');
});

test('.addr. names, AAAA, and NODATA with SOA', async () => {
  const v4 = await q('0a010001.addr.dc1.consul', 'A');
  assert.deepEqual(v4.answer.map((x) => x.data), ['10.1.0.1']);
  const v6 = await q('20010db8000000000000000000000010.addr.consul', 'AAAA');
  assert.deepEqual(v6.answer.map((x) => x.data), ['2001:db8::10']);
  const six = await q('sixsvc.service.consul', 'AAAA');
  assert.deepEqual(six.answer.map((x) => x.data), ['2001:db8::10']);
  const nodata = await q('sixsvc.service.consul', 'A');
  assert.equal(nodata.status, 'NOERROR');
  assert.equal(nodata.answer.length, 0);
  assert.equal(nodata.authority[0]!.type, 'SOA');
});

test('SOA and NS for the domain', async () => {
  const soa = await q('consul', 'SOA');
  assert.equal(soa.status, 'NOERROR');
  const [mname, rname, serial, refresh, retry, expire, minimum] = soa.answer[0]!.data.split(' ');
  assert.deepEqual([mname, rname, refresh, retry, expire, minimum], ['ns.consul.', 'hostmaster.consul.', '3600', '600', '86400', '0']);
  assert.ok(Math.abs(Number(serial) - Date.now() / 1000) < 3600);
  assert.deepEqual(soa.authority.map((x) => [x.type, x.data]), [['NS', 'dns-agent.node.dc1.consul.']]);
  const ns = await q('consul', 'NS');
  assert.deepEqual(ns.answer.map((x) => x.data), ['dns-agent.node.dc1.consul.']);
  assert.deepEqual(ns.additional.map((x) => [x.name, x.data]), [['dns-agent.node.dc1.consul.', IP]]);
});

test('unknown names: NXDOMAIN with the SOA in authority', async () => {
  for (const name of ['missing.service.consul', 'missing.node.consul', 'garbage.consul', 'web.service.otherdc.consul']) {
    const r = await q(name, 'A');
    assert.equal(r.status, 'NXDOMAIN', `${name}\n${r.text}`);
    assert.equal(r.authority[0]?.type, 'SOA', r.text);
  }
});

test('reverse lookups: PTR for node and service addresses', async () => {
  const r = await q('-x', '10.1.0.2');
  assert.deepEqual(r.answer.map((x) => [x.type, x.data]), [['PTR', 'web-2.node.dc1.consul.']]);
  const s = await q('-x', '192.168.7.9');
  assert.deepEqual(s.answer.map((x) => x.data), ['db.service.consul.']);
});

test('UDP without EDNS: at most 3 answers, silently; with enable_truncate the TC bit; EDNS and TCP carry all', async () => {
  const plain = await q('many.service.consul', 'SRV', '+noedns', '+ignore');
  assert.equal(plain.answer.length, 3, plain.text);
  assert.ok(!plain.flags.includes('tc'));
  assert.equal(plain.additional.filter((x) => x.type === 'A').length, 3);
  const tc = await qs('many.service.consul', 'SRV', '+noedns', '+ignore');
  assert.ok(tc.flags.includes('tc'), tc.text);
  // Without +ignore, dig retries over TCP on TC and gets every instance.
  const retried = await qs('many.service.consul', 'SRV', '+noedns');
  assert.equal(retried.transport, 'TCP', retried.text);
  assert.equal(retried.answer.length, 12);
  const edns = await q('many.service.consul', 'SRV', '+bufsize=4096');
  assert.equal(edns.answer.length, 12, edns.text);
  const small = await q('many.service.consul', 'SRV', '+bufsize=700', '+ignore');
  assert.ok(small.answer.length > 3 && small.answer.length < 12, small.text);
  const tcp = await q('many.service.consul', 'SRV', '+tcp');
  assert.equal(tcp.answer.length, 12);
  assert.equal(tcp.transport, 'TCP');
});

test('recursors: outside names are forwarded past a dead and a failing upstream, over UDP and TCP', async () => {
  const r = await q('www.example.test', 'A');
  assert.equal(r.status, 'NOERROR', r.text);
  assert.deepEqual(r.answer.map((x) => [x.data, x.ttl]), [['192.0.2.10', 42]]);
  assert.ok(bad.queries >= 1, 'the failing upstream was tried first');
  const tcp = await q('tcp.example.test', 'A', '+tcp');
  assert.deepEqual(tcp.answer.map((x) => x.data), ['192.0.2.10']);
  const nx = await q('nothing.invalid', 'A');
  assert.equal(nx.status, 'NXDOMAIN');
  const ptr = await q('-x', '198.51.100.1');
  assert.equal(ptr.status, 'NXDOMAIN', 'unknown reverse names go to the recursors');
  assert.ok(r.flags.includes('ra'));
});

test('without recursors, names outside the domain are REFUSED', async () => {
  const r = await qs('www.example.test', 'A');
  assert.equal(r.status, 'REFUSED');
  const ptr = await qs('-x', '198.51.100.1');
  assert.equal(ptr.status, 'SERVFAIL');
});

test('a registration change shows in the next answer', async () => {
  await register(agent, { Node: 'late', Address: '10.9.9.9', Service: { Service: 'late', Port: 1 } });
  const r = await waitFor(async () => {
    const a = await q('late.service.consul', 'A');
    return a.answer.length === 1 ? a : undefined;
  }, { what: 'late service in DNS' });
  assert.equal(r.answer[0]!.data, '10.9.9.9');
  await http(agent.base, 'PUT', '/v1/catalog/deregister', JSON.stringify({ Node: 'late' }));
  await waitFor(async () => (await q('late.service.consul', 'A')).status === 'NXDOMAIN', { what: 'late service gone' });
});
