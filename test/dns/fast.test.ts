// The UDP fast path answers exactly like the general path (same shuffle, counts, truncation, extras).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket from 'dns-packet';
import { resolve } from '../../src/dns/resolver.js';
import { answerFast, parseFast } from '../../src/dns/fast.js';
import { ServiceMemo } from '../../src/dns/service.js';
import { seededRng } from '../../src/lib/rng.js';
import { baseConfig, fakeCatalog, instance, node } from './helpers.js';

const nodes = Array.from({ length: 30 }, (_, i) => node(`n-${i}`, `10.4.0.${i + 1}`, i % 2 ? { zone: `z${i}` } : {}));
const insts = nodes.map((n, i) => instance(n, 'svc', 5000 + i, { checks: [i % 7 === 0 ? 'critical' : i % 5 === 0 ? 'warning' : 'passing'] }));
// Two instances on one node: two SRV answers sharing one target.
insts.push(instance(nodes[1]!, 'svc', 6001));
const catalog = fakeCatalog(insts, nodes);

function wire(name: string, type: string, edns: number | null): Buffer {
  return dnsPacket.encode({
    id: 4242, type: 'query', flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as any }],
    additionals: edns === null ? [] : [{ name: '.', type: 'OPT', udpPayloadSize: edns } as any],
  });
}

const view = (buf: Buffer) => {
  const p = dnsPacket.decode(buf) as any;
  const rr = (list: any[]) => list.map((a) => [a.name.toLowerCase(), a.type, a.type === 'OPT' ? a.udpPayloadSize : JSON.stringify(a.data), a.ttl ?? 0]);
  return { flags: p.flags, rcode: p.rcode, q: p.questions, an: rr(p.answers), ns: rr(p.authorities), ar: rr(p.additionals) };
};

test('fast and general paths give the same answer for every budget and setting', async () => {
  let compared = 0;
  for (const name of ['svc.service.consul', 'SVC.Service.dc1.consul']) {
    for (const type of ['SRV', 'A']) {
      for (const [edns, transport] of [[null, 'udp'], [512, 'udp'], [700, 'udp'], [1232, 'udp'], [4096, 'udp'], [null, 'tcp'], [1232, 'tcp']] as const) {
        for (const udpAnswerLimit of [1, 3, 8]) {
          for (const enableTruncate of [false, true]) {
            for (const onlyPassing of [false, true]) {
              const config = { ...baseConfig, udpAnswerLimit, enableTruncate, onlyPassing };
              const memo = new ServiceMemo();
              const msg = wire(name, type, edns);
              const seed = compared + 11;
              const slow = await resolve(dnsPacket.decode(msg), { catalog, config, rng: seededRng(seed), nowMs: 0, transport, memo });
              assert.equal(slow.kind, 'reply');
              const q = parseFast(msg, config);
              assert.ok(q, `${name} ${type} parses`);
              const p = memo.peek(`dc1|svc||consul.`, 1);
              assert.ok(p);
              const fast = answerFast(msg, q, p, config, seededRng(seed), transport);
              assert.ok(fast);
              const label = `${name} ${type} ${transport} edns=${edns} limit=${udpAnswerLimit} tc=${enableTruncate} op=${onlyPassing}`;
              assert.deepEqual(view(fast), view(dnsPacket.encode((slow as any).packet)), label);
              compared++;
            }
          }
        }
      }
    }
  }
  assert.equal(compared, 336);
});

test('the fast path declines what it does not serve', () => {
  for (const [name, type] of [['web.service.other.consul', 'SRV'], ['x.web.service.consul', 'A'], ['web.node.consul', 'A'], ['web.service.consul', 'AAAA'], ['_web._tcp.consul', 'SRV'], ['example.com', 'A']]) {
    assert.equal(parseFast(wire(name!, type!, null), baseConfig), null, `${name} ${type}`);
  }
  const withOption = dnsPacket.encode({
    id: 1, type: 'query', questions: [{ name: 'web.service.consul', type: 'SRV' }],
    additionals: [{ name: '.', type: 'OPT', udpPayloadSize: 1232, options: [{ code: 'CLIENT_SUBNET', ip: '10.0.0.0', sourcePrefixLength: 8 }] } as any],
  });
  assert.equal(parseFast(withOption, baseConfig), null);
  const response = wire('web.service.consul', 'SRV', null);
  response[2] = response[2]! | 0x80;
  assert.equal(parseFast(response, baseConfig), null);
  assert.equal(parseFast(Buffer.alloc(5), baseConfig), null);
});
