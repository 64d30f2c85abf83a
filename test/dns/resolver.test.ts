// The pure resolver: every query form against a fake catalog, without sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket from 'dns-packet';
import { resolve } from '../../src/dns/resolver.js';
import { seededRng } from '../../src/lib/rng.js';
import { ask, baseConfig, fakeCatalog, instance, node, query } from './helpers.js';

const n1 = node('alpha', '10.0.0.1', { rack: 'r1', 'rfc1035-raw': 'plain text' });
const n2 = node('beta', '10.0.0.2');
const n3 = node('gamma', '10.0.0.3');
const n6 = node('delta', '2001:db8::7');
const web = [
  instance(n1, 'web', 8080, { tags: ['primary', 'v1'] }),
  instance(n2, 'web', 8081, { tags: ['v1'], checks: ['warning'], weights: { Passing: 10, Warning: 3 } }),
  instance(n3, 'web', 8082, { checks: ['critical'] }),
];
const catalog = fakeCatalog(
  [
    ...web,
    instance(n1, 'api', 9000, { address: '192.168.5.5' }),
    instance(n6, 'v6svc', 7000),
    instance(n1, 'ext', 443, { address: 'example.org' }),
    instance(n1, 'consul', 8300),
  ],
  [n1, n2, n3, n6],
);

test('service A lookup answers healthy instances only (critical filtered, warning kept)', async () => {
  const r = await ask(catalog, 'web.service.consul', 'A');
  assert.equal(r.rcode, 'NOERROR');
  assert.deepEqual(r.answers!.map((a) => a.data).sort(), ['10.0.0.1', '10.0.0.2']);
  assert.ok(r.answers!.every((a) => a.ttl === 0 && a.name === 'web.service.consul'));
  assert.ok(r.flags! & dnsPacket.AUTHORITATIVE_ANSWER);
  assert.equal(r.flags! & dnsPacket.RECURSION_AVAILABLE, 0);
});

test('only_passing drops warning instances too', async () => {
  const r = await ask(catalog, 'web.service.consul', 'A', { config: { onlyPassing: true } });
  assert.deepEqual(r.answers!.map((a) => a.data), ['10.0.0.1']);
});

test('SRV answers point at node names with A and node-meta TXT in additional; weights follow health', async () => {
  const r = await ask(catalog, 'web.service.consul', 'SRV');
  const srv = r.answers!.sort((a, b) => a.data.port - b.data.port);
  assert.deepEqual(srv.map((a) => a.data), [
    { priority: 1, weight: 1, port: 8080, target: 'alpha.node.dc1.consul' },
    { priority: 1, weight: 3, port: 8081, target: 'beta.node.dc1.consul' },
  ]);
  const extra = r.additionals!.map((a) => `${a.name} ${a.type} ${Array.isArray(a.data) ? a.data.map(String).join('|') : a.data}`).sort();
  assert.deepEqual(extra, [
    'alpha.node.dc1.consul A 10.0.0.1',
    'alpha.node.dc1.consul TXT plain text',
    'alpha.node.dc1.consul TXT rack=r1',
    'beta.node.dc1.consul A 10.0.0.2',
  ]);
});

test('RFC 2782 names: _svc._tcp means no tag; _svc._tag filters; .service is optional for SRV', async () => {
  const all = await ask(catalog, '_web._tcp.service.consul', 'SRV');
  assert.equal(all.answers!.length, 2);
  const tagged = await ask(catalog, '_web._primary.service.consul', 'SRV');
  assert.deepEqual(tagged.answers!.map((a) => a.data.port), [8080]);
  const short = await ask(catalog, '_web._tcp.consul', 'SRV');
  assert.equal(short.answers!.length, 2);
  const withDc = await ask(catalog, '_web._tcp.dc1.consul', 'SRV');
  assert.equal(withDc.answers!.length, 2);
});

test('tag lookups are case-insensitive; unknown tag is NXDOMAIN with SOA', async () => {
  const r = await ask(catalog, 'PRIMARY.web.service.consul', 'A');
  assert.deepEqual(r.answers!.map((a) => a.data), ['10.0.0.1']);
  const none = await ask(catalog, 'nosuch.web.service.consul', 'A');
  assert.equal(none.rcode, 'NXDOMAIN');
  assert.equal(none.authorities![0].type, 'SOA');
});

test('datacenter label: ours, <dc>.dc form, known-but-empty, unknown', async () => {
  assert.equal((await ask(catalog, 'web.service.dc1.consul', 'A')).answers!.length, 2);
  assert.equal((await ask(catalog, 'web.service.dc1.dc.consul', 'A')).answers!.length, 2);
  assert.equal((await ask(catalog, 'web.service.dc2.consul', 'A')).rcode, 'NXDOMAIN');
  assert.equal((await ask(catalog, 'web.service.nodc.consul', 'A')).rcode, 'NXDOMAIN');
});

test('service with its own IP: SRV target is <hex>.addr.<dc>.<domain> with the A record in additional', async () => {
  const r = await ask(catalog, 'api.service.consul', 'SRV');
  assert.equal(r.answers![0].data.target, 'c0a80505.addr.dc1.consul');
  assert.deepEqual(r.additionals!.map((a) => [a.name, a.type, a.data]), [['c0a80505.addr.dc1.consul', 'A', '192.168.5.5']]);
  const a = await ask(catalog, 'api.service.consul', 'A');
  assert.deepEqual(a.answers!.map((x) => x.data), ['192.168.5.5']);
});

test('AAAA for IPv6 instances; A for them is NODATA with SOA', async () => {
  const r = await ask(catalog, 'v6svc.service.consul', 'AAAA');
  assert.deepEqual(r.answers!.map((a) => [a.type, a.data]), [['AAAA', '2001:db8::7']]);
  const a = await ask(catalog, 'v6svc.service.consul', 'A');
  assert.equal(a.rcode, 'NOERROR');
  assert.equal(a.answers!.length, 0);
  assert.equal(a.authorities![0].type, 'SOA');
});

test('a service on a hostname answers CNAME', async () => {
  const r = await ask(catalog, 'ext.service.consul', 'A');
  assert.deepEqual(r.answers!.map((a) => [a.type, a.data]), [['CNAME', 'example.org']]);
  const srv = await ask(catalog, 'ext.service.consul', 'SRV');
  assert.equal(srv.answers![0].data.target, 'example.org');
});

test('node lookups: A, TXT meta (RFC 1464 / rfc1035- raw), ANY, dotted and mixed-case names', async () => {
  const a = await ask(catalog, 'Alpha.node.consul', 'A');
  assert.deepEqual(a.answers!.map((x) => [x.name, x.type, x.data]), [['Alpha.node.consul', 'A', '10.0.0.1']]);
  assert.equal(a.additionals!.length, 2);
  const noMeta = await ask(catalog, 'alpha.node.consul', 'A', { config: { nodeMetaTxt: false } });
  assert.equal(noMeta.additionals!.length, 0);
  const txt = await ask(catalog, 'alpha.node.dc1.consul', 'TXT');
  assert.deepEqual(txt.answers!.map((x) => x.data.map(String)[0]).sort(), ['plain text', 'rack=r1']);
  const any = await ask(catalog, 'alpha.node.consul', 'ANY');
  assert.deepEqual(any.answers!.map((x) => x.type).sort(), ['A', 'TXT', 'TXT']);
  const six = await ask(catalog, 'delta.node.consul', 'AAAA');
  assert.deepEqual(six.answers!.map((x) => x.data), ['2001:db8::7']);
  const missing = await ask(catalog, 'nobody.node.consul', 'A');
  assert.equal(missing.rcode, 'NXDOMAIN');
  assert.equal(missing.authorities![0].type, 'SOA');
});

test('.addr. names decode hex IPv4 and IPv6; bad hex is NXDOMAIN', async () => {
  const v4 = await ask(catalog, '0a000001.addr.dc1.consul', 'A');
  assert.deepEqual(v4.answers!.map((a) => a.data), ['10.0.0.1']);
  const v6 = await ask(catalog, '20010db8000000000000000000000007.addr.consul', 'AAAA');
  assert.deepEqual(v6.answers!.map((a) => a.data), ['2001:db8::7']);
  assert.equal((await ask(catalog, 'zz000001.addr.consul', 'A')).rcode, 'NXDOMAIN');
  assert.equal((await ask(catalog, '0a00.addr.consul', 'A')).rcode, 'NXDOMAIN');
});

test('SOA and NS for the domain; NS names the healthy servers with glue', async () => {
  const soa = await ask(catalog, 'consul', 'SOA');
  assert.deepEqual(soa.answers![0].data, {
    mname: 'ns.consul', rname: 'hostmaster.consul', serial: 1_700_000_000, refresh: 3600, retry: 600, expire: 86400, minimum: 0,
  });
  assert.deepEqual(soa.authorities!.map((a) => [a.type, a.data]), [['NS', 'alpha.node.dc1.consul']]);
  const ns = await ask(catalog, 'consul', 'NS');
  assert.deepEqual(ns.answers!.map((a) => [a.name, a.data]), [['consul', 'alpha.node.dc1.consul']]);
  assert.deepEqual(ns.additionals!.map((a) => [a.name, a.data]), [['alpha.node.dc1.consul', '10.0.0.1']]);
});

test('unknown and malformed names inside the domain: NXDOMAIN with SOA in authority', async () => {
  for (const name of ['nothing.consul', 'consul', 'web.nosuch.consul', 'a.b.c.addr.consul', 'x.service.a.b.c.consul', 'q.query.consul']) {
    const r = await ask(catalog, name, 'A');
    assert.equal(r.rcode, 'NXDOMAIN', name);
    assert.equal(r.authorities![0].type, 'SOA', name);
  }
});

test('names outside the domain: REFUSED without recursors, forwarded with them', async () => {
  const refused = await ask(catalog, 'example.com', 'A');
  assert.equal(refused.rcode, 'REFUSED');
  const fwd = await ask(catalog, 'example.com', 'A', { config: { haveRecursors: true } });
  assert.equal(fwd.kind, 'recurse');
});

test('reverse lookups: node address PTR, service address PTR, unknown to recursors or SERVFAIL', async () => {
  const r = await ask(catalog, '2.0.0.10.in-addr.arpa', 'PTR');
  assert.deepEqual(r.answers!.map((a) => a.data), ['beta.node.dc1.consul']);
  const s = await ask(catalog, '5.5.168.192.in-addr.arpa', 'PTR');
  assert.deepEqual(s.answers!.map((a) => a.data), ['api.service.consul']);
  const v6 = await ask(catalog, '7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa', 'PTR');
  assert.deepEqual(v6.answers!.map((a) => a.data), ['delta.node.dc1.consul']);
  assert.equal((await ask(catalog, '9.9.9.9.in-addr.arpa', 'PTR')).rcode, 'SERVFAIL');
  assert.equal((await ask(catalog, '9.9.9.9.in-addr.arpa', 'PTR', { config: { haveRecursors: true } })).kind, 'recurse');
});

test('catalog failures answer SERVFAIL', async () => {
  const r = await ask(fakeCatalog([], [], { fail: true }), 'web.service.consul', 'A');
  assert.equal(r.rcode, 'SERVFAIL');
});

test('service_ttl: exact name, longest prefix*, then *; node_ttl for nodes', async () => {
  const serviceTtl = { '*': 5000, 'w*': 7000, 'we*': 9000, api: 11000 };
  assert.equal((await ask(catalog, 'web.service.consul', 'A', { config: { serviceTtl } })).answers![0].ttl, 9);
  assert.equal((await ask(catalog, 'api.service.consul', 'A', { config: { serviceTtl } })).answers![0].ttl, 11);
  assert.equal((await ask(catalog, 'v6svc.service.consul', 'AAAA', { config: { serviceTtl } })).answers![0].ttl, 5);
  assert.equal((await ask(catalog, 'alpha.node.consul', 'A', { config: { nodeTtlS: 30 } })).answers![0].ttl, 30);
});

test('answers are shuffled per query', async () => {
  const many = Array.from({ length: 20 }, (_, i) => instance(node(`n${i}`, `10.1.0.${i + 1}`), 'big', 1000 + i));
  const cat = fakeCatalog(many);
  const orders = new Set<string>();
  for (let seed = 1; seed <= 5; seed++) {
    const r = await ask(cat, 'big.service.consul', 'A', { transport: 'tcp', seed });
    assert.equal(r.answers!.length, 20);
    orders.add(r.answers!.map((a) => a.data).join(','));
  }
  assert.ok(orders.size > 1);
});

test('UDP without EDNS: 3 answers, no TC by default; TC with enable_truncate; EDNS and TCP give more', async () => {
  const many = Array.from({ length: 40 }, (_, i) => instance(node(`node-${i}`, `10.2.0.${i + 1}`, { k: 'v' }), 'big', 2000 + i));
  const cat = fakeCatalog(many);
  const plain = await ask(cat, 'big.service.consul', 'SRV');
  assert.equal(plain.answers!.length, 3);
  assert.equal(plain.flags! & dnsPacket.TRUNCATED_RESPONSE, 0);
  // Additional records are re-synced to the kept answers (address records only).
  assert.deepEqual(
    plain.additionals!.map((a) => a.name).sort(),
    plain.answers!.map((a) => a.data.target).sort(),
  );
  const tc = await ask(cat, 'big.service.consul', 'SRV', { config: { enableTruncate: true } });
  assert.ok(tc.flags! & dnsPacket.TRUNCATED_RESPONSE);
  const limit1 = await ask(cat, 'big.service.consul', 'A', { config: { udpAnswerLimit: 1 } });
  assert.equal(limit1.answers!.length, 1);
  const edns = await ask(cat, 'big.service.consul', 'SRV', { edns: 2048 });
  assert.ok(edns.answers!.length > 3 && edns.answers!.length < 40, `edns gave ${edns.answers!.length}`);
  assert.ok(dnsPacket.encode(edns.packet).length <= 2048);
  const tcp = await ask(cat, 'big.service.consul', 'SRV', { transport: 'tcp', config: { enableTruncate: true } });
  assert.equal(tcp.answers!.length, 40);
  assert.equal(tcp.flags! & dnsPacket.TRUNCATED_RESPONSE, 0);
  const bigEdns = await ask(cat, 'big.service.consul', 'A', { edns: 65000 });
  assert.equal(bigEdns.answers!.length, 40);
});

test('a_record_limit caps A answers on UDP and TCP', async () => {
  const many = Array.from({ length: 10 }, (_, i) => instance(node(`n${i}`, `10.3.0.${i + 1}`), 'lim', 3000 + i));
  const cat = fakeCatalog(many);
  assert.equal((await ask(cat, 'lim.service.consul', 'A', { transport: 'tcp', config: { aRecordLimit: 2 } })).answers!.length, 2);
  assert.equal((await ask(cat, 'lim.service.consul', 'A', { edns: 4096, config: { aRecordLimit: 4 } })).answers!.length, 4);
});

test('EDNS: the OPT record is echoed with the client size, and a client subnet with scope 0', async () => {
  const req = dnsPacket.decode(
    dnsPacket.encode({
      id: 3, type: 'query', flags: 0, questions: [{ name: 'web.service.consul', type: 'A' }],
      additionals: [{ name: '.', type: 'OPT', udpPayloadSize: 1400, options: [{ code: 'CLIENT_SUBNET', ip: '10.9.8.0', sourcePrefixLength: 24 }] } as any],
    }),
  );
  const out = await resolve(req, { catalog, config: baseConfig, rng: seededRng(1), nowMs: 0, transport: 'udp' });
  assert.equal(out.kind, 'reply');
  const p = dnsPacket.decode(dnsPacket.encode((out as any).packet)) as any;
  const opt = p.additionals.find((a: any) => a.type === 'OPT');
  assert.equal(opt.udpPayloadSize, 1400);
  assert.equal(opt.options[0].code, 8);
  assert.equal(opt.options[0].sourcePrefixLength, 24);
  assert.equal(opt.options[0].scopePrefixLength, 0);
});

test('header handling: responses dropped, non-QUERY opcodes NOTIMP, two questions FORMERR, AXFR NOTIMP', async () => {
  const env = { catalog, config: baseConfig, rng: seededRng(1), nowMs: 0, transport: 'udp' as const };
  const resp = dnsPacket.decode(dnsPacket.encode({ id: 1, type: 'response', questions: [{ name: 'web.service.consul', type: 'A' }] }));
  assert.equal((await resolve(resp, env)).kind, 'drop');
  const notify = query('web.service.consul', 'A', { flags: 4 << 11 });
  const r1 = (await resolve(notify, env)) as any;
  assert.equal(r1.packet.flags & 0xf, 4);
  const two = dnsPacket.decode(dnsPacket.encode({ id: 1, type: 'query', questions: [{ name: 'a.consul', type: 'A' }, { name: 'b.consul', type: 'A' }] }));
  const r2 = (await resolve(two, env)) as any;
  assert.equal(r2.packet.flags & 0xf, 1);
  assert.equal((await ask(catalog, 'consul', 'AXFR')).rcode, 'NOTIMP');
});

test('alt_domain answers like the primary domain, with names in the alt domain', async () => {
  const r = await ask(catalog, 'web.service.example.internal', 'SRV', { config: { altDomain: 'example.internal.' } });
  assert.ok(r.answers!.every((a) => a.data.target.endsWith('.node.dc1.example.internal')));
});
