// Record helpers and name parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyAddress, decodeHexAddr, metaTxt, parseIPv6, reverseName, wireSafeName } from '../../src/dns/records.js';
import { parseName } from '../../src/dns/names.js';
import { parseRecursor } from '../../src/dns/recursor.js';

test('RFC 1464 escaping of node meta, raw values for rfc1035- keys', () => {
  assert.equal(metaTxt('key', 'value'), 'key=value');
  assert.equal(metaTxt('a=b', 'c`d'), 'a`=b=c``d');
  assert.equal(metaTxt('  sp ', 'x'), '` ` sp` =x');
  assert.equal(metaTxt('rfc1035-raw', 'v=1'), 'v=1');
});

test('IPv6 parsing, IPv4-mapped addresses and reverse names', () => {
  assert.deepEqual(parseIPv6('::1'), [...new Array(15).fill(0), 1]);
  assert.equal(parseIPv6('1::2::3'), null);
  assert.equal(parseIPv6('12345::'), null);
  assert.deepEqual(classifyAddress('::ffff:10.0.0.1'), { kind: 'v4', bytes: [10, 0, 0, 1], text: '10.0.0.1' });
  assert.equal(classifyAddress('host.example').kind, 'host');
  assert.equal(classifyAddress('256.1.1.1').kind, 'host');
  assert.equal(reverseName('10.0.0.2'), '2.0.0.10.in-addr.arpa.');
  assert.equal(reverseName('::1'), `1.${'0.'.repeat(31)}ip6.arpa.`);
  assert.equal(reverseName('not-an-ip'), null);
  assert.equal(decodeHexAddr('7f000001')?.text, '127.0.0.1');
});

test('wire-safe names', () => {
  assert.ok(wireSafeName('a.b.c.'));
  assert.ok(!wireSafeName(`${'x'.repeat(64)}.consul.`));
  assert.ok(!wireSafeName('a..b'));
  assert.ok(!wireSafeName(`${'abcdefghi.'.repeat(26)}`));
});

test('parseName: every form', () => {
  assert.deepEqual(parseName('web.service.consul.', 'consul.', false), { kind: 'service', service: 'web', tag: '', dc: null });
  assert.deepEqual(parseName('v1.2.web.service.dc9.consul.', 'consul.', false), { kind: 'service', service: 'web', tag: 'v1.2', dc: 'dc9' });
  assert.deepEqual(parseName('_web._tcp.consul.', 'consul.', true), { kind: 'service', service: 'web', tag: '', dc: null });
  assert.deepEqual(parseName('_web._tcp.consul.', 'consul.', false), { kind: 'invalid' });
  assert.deepEqual(parseName('my.dotted.node.node.consul.', 'consul.', false), { kind: 'node', node: 'my.dotted.node', dc: null });
  assert.deepEqual(parseName('7f000001.addr.dc1.consul.', 'consul.', false), { kind: 'addr', hex: '7f000001', dc: 'dc1' });
  assert.deepEqual(parseName('web.connect.consul.', 'consul.', false), { kind: 'unsupported', what: 'connect' });
  assert.deepEqual(parseName('service.consul.', 'consul.', false), { kind: 'invalid' });
  assert.deepEqual(parseName('consul.', 'consul.', false), { kind: 'invalid' });
});

test('recursor addresses', () => {
  assert.deepEqual(parseRecursor('1.2.3.4'), { host: '1.2.3.4', port: 53 });
  assert.deepEqual(parseRecursor('1.2.3.4:5353'), { host: '1.2.3.4', port: 5353 });
  assert.deepEqual(parseRecursor('::1'), { host: '::1', port: 53 });
  assert.deepEqual(parseRecursor('[::1]:54'), { host: '::1', port: 54 });
});
