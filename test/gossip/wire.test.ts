// memberlist/serf wire codec: byte-level fixtures written from the Go struct layouts, round trips, and
// defensive decoding (garbage, truncation, huge length prefixes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MessageType, MpWriter, WireError, addCrc, addLabelHeader, crc32, decodeAlive, decodePing, decodeSerfMessage,
  decodeTags, encodeAck, encodeAlive, encodePing, encodePushPull, encodeSerfJoin, encodeSerfLeave,
  encodeSerfPushPull, encodeSerfUserEvent, encodeStreamUser, encodeSuspect, encodeTags, ipFromBytes, ipToBytes,
  makeCompound, mpDecode, parseStream, removeLabelHeader, splitCompound, unpackPacket, compressMessage,
} from '../../src/gossip/wire/index.js';
import { lzwCompress, lzwDecompress } from '../../src/gossip/wire/lzw.js';
import { seededRng } from '../../src/lib/rng.js';

const s = (x: string) => Buffer.from(x, 'utf8').toString('hex');
const raw = (x: string) => (0xa0 | x.length).toString(16) + s(x);

test('ping: type byte 0, a map keyed by Go field names, omitempty source fields left out', () => {
  const b = encodePing({ SeqNo: 1, Node: 'a', SourceAddr: new Uint8Array(0), SourcePort: 0, SourceNode: '' });
  assert.equal(b.toString('hex'), '00' + '82' + raw('SeqNo') + '01' + raw('Node') + raw('a'));
  const full = encodePing({ SeqNo: 300, Node: 'b', SourceAddr: ipToBytes('10.0.0.1'), SourcePort: 8301, SourceNode: 'me' });
  assert.equal(
    full.toString('hex'),
    '00' + '85' + raw('SeqNo') + 'cd012c' + raw('Node') + raw('b') + raw('SourceAddr') + 'a40a000001' +
      raw('SourcePort') + 'cd206d' + raw('SourceNode') + raw('me'),
  );
  assert.deepEqual([...decodePing(full.subarray(1)).SourceAddr], [10, 0, 0, 1]);
});

test('alive: []byte and []uint8 (Vsn) are msgpack raw, a nil Meta is nil, uint16 port uses 0xcd', () => {
  const a = { Incarnation: 1, Node: 'n', Addr: ipToBytes('127.0.0.1'), Port: 8077, Meta: new Uint8Array(0), Vsn: Uint8Array.of(1, 5, 2, 2, 5, 4) };
  const b = encodeAlive(a);
  assert.equal(
    b.toString('hex'),
    '04' + '86' + raw('Incarnation') + '01' + raw('Node') + raw('n') + raw('Addr') + 'a47f000001' + raw('Port') +
      'cd1f8d' + raw('Meta') + 'c0' + raw('Vsn') + 'a6010502020504',
  );
  const back = decodeAlive(b.subarray(1));
  assert.equal(back.Node, 'n');
  assert.equal(back.Port, 8077);
  assert.deepEqual([...back.Vsn], [1, 5, 2, 2, 5, 4]);
});

test('decoders accept the bin and str8 forms newer encoders use', () => {
  // {"SeqNo": 7, "Node": bin8 "x"}
  const body = Buffer.from('82' + raw('SeqNo') + '07' + raw('Node') + 'c40178', 'hex');
  assert.deepEqual(decodePing(body), { SeqNo: 7, Node: 'x', SourceAddr: new Uint8Array(0), SourcePort: 0, SourceNode: '' });
  const str8 = Buffer.from('81' + 'd904' + s('Node') + 'a179', 'hex');
  assert.equal(decodePing(str8).Node, 'y');
});

test('strings of 32..65535 bytes use raw16 (0xda), never str8', () => {
  const w = new MpWriter().str('x'.repeat(40)).finish();
  assert.equal(w.subarray(0, 3).toString('hex'), 'da0028');
});

test('Go int fields: positive above 127 as int16/int32, negatives as fixint/int8', () => {
  assert.equal(new MpWriter().int(200).finish().toString('hex'), 'd100c8');
  assert.equal(new MpWriter().int(70000).finish().toString('hex'), 'd200011170');
  assert.equal(new MpWriter().int(-5).finish().toString('hex'), 'fb');
  assert.equal(new MpWriter().uint(200).finish().toString('hex'), 'cc c8'.replace(' ', ''));
});

test('CRC32 is IEEE and the hasCrc wrapper is type 12 + big-endian CRC', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  const msg = encodeAck({ SeqNo: 9, Payload: new Uint8Array(0) });
  const wrapped = addCrc(msg);
  assert.equal(wrapped[0], MessageType.hasCrc);
  assert.equal(wrapped.readUInt32BE(1), crc32(msg));
  assert.deepEqual(unpackPacket(wrapped).messages.map((m) => m.type), [MessageType.ack]);
  wrapped[wrapped.length - 1] ^= 1;
  assert.throws(() => unpackPacket(wrapped), (e: unknown) => e instanceof WireError && e.fault === 'checksum');
});

test('compound: type 7, part count, u16 big-endian lengths, then the parts; a truncated tail keeps the rest', () => {
  const a = encodeSuspect({ Incarnation: 1, Node: 'x', From: 'y' });
  const b = encodeAck({ SeqNo: 1, Payload: new Uint8Array(0) });
  const c = makeCompound([a, b]);
  assert.equal(c[0], 7);
  assert.equal(c[1], 2);
  assert.equal(c.readUInt16BE(2), a.length);
  assert.equal(c.readUInt16BE(4), b.length);
  assert.deepEqual(unpackPacket(c).messages.map((m) => m.type), [MessageType.suspect, MessageType.ack]);
  const cut = splitCompound(c.subarray(1, c.length - 2));
  assert.equal(cut.parts.length, 1);
  assert.equal(cut.truncated, 1);
});

test('label header: 244, length, label; stripped on the way in', () => {
  const p = addLabelHeader(Buffer.from([1, 2]), 'dc1');
  assert.equal(p.toString('hex'), 'f403' + s('dc1') + '0102');
  const r = removeLabelHeader(p);
  assert.equal(r.label, 'dc1');
  assert.deepEqual([...r.rest], [1, 2]);
  assert.throws(() => removeLabelHeader(Buffer.from([244, 9, 1])), WireError);
});

test('LZW (Go compress/lzw, LSB, 8-bit literals) round-trips small, repetitive and random data', () => {
  const rng = seededRng(3);
  const random = Buffer.alloc(50_000);
  for (let i = 0; i < random.length; i++) random[i] = rng.nextU32() & 0xff;
  for (const input of [Buffer.alloc(0), Buffer.from('a'), Buffer.from('TOBEORNOTTOBEORTOBEORNOT'), Buffer.alloc(100_000, 7), random]) {
    assert.deepEqual(lzwDecompress(lzwCompress(input), 1 << 20), input);
  }
  // The first code is a clear code (256) in 9 bits, as Go's writer emits it.
  assert.equal(lzwCompress(Buffer.from('A'))[0], 0x00);
  assert.throws(() => lzwDecompress(lzwCompress(Buffer.alloc(100_000, 1)), 1000), (e: unknown) => e instanceof WireError && e.fault === 'too-large');
});

test('a compressed packet (compressMsg {Algo, Buf}) unpacks to its inner messages', () => {
  const inner = makeCompound([encodeSuspect({ Incarnation: 3, Node: 'a', From: 'b' }), encodeSuspect({ Incarnation: 4, Node: 'c', From: 'd' })]);
  const packet = compressMessage(inner);
  assert.equal(packet[0], MessageType.compress);
  assert.deepEqual(unpackPacket(packet).messages.map((m) => m.type), [MessageType.suspect, MessageType.suspect]);
});

test('push/pull stream: header {Nodes, UserStateLen, Join}, node states, user state; incremental parse', () => {
  const nodes = [
    { Name: 'a', Addr: ipToBytes('10.0.0.1'), Port: 8301, Meta: encodeTags({ role: 'node' }), Incarnation: 3, State: 0 as const, Vsn: Uint8Array.of(1, 5, 2, 2, 5, 4) },
    { Name: 'b', Addr: ipToBytes('::1'), Port: 8301, Meta: new Uint8Array(0), Incarnation: 1, State: 2 as const, Vsn: Uint8Array.of(1, 5, 2, 2, 5, 4) },
  ];
  const user = Buffer.from('serf-state');
  const b = encodePushPull(true, nodes, user);
  assert.equal(b[0], MessageType.pushPull);
  assert.equal(b.subarray(1, 2).toString('hex'), '83');
  for (let cut = 0; cut < b.length; cut++) assert.equal(parseStream(b.subarray(0, cut)), null, `prefix ${cut}`);
  const p = parseStream(Buffer.concat([b, Buffer.from([0xff])]))!;
  assert.equal(p.used, b.length);
  assert.equal(p.message.type, 'pushPull');
  if (p.message.type !== 'pushPull') return;
  assert.equal(p.message.header.Join, true);
  assert.deepEqual(p.message.nodes.map((n) => [n.Name, ipFromBytes(n.Addr), n.State]), [['a', '10.0.0.1', 0], ['b', '0:0:0:0:0:0:0:1'.replace(/^(0:)+0/, ':'), 2]]);
  assert.equal(Buffer.from(p.message.userState).toString(), 'serf-state');
});

test('a compressed stream is parsed once the whole compress struct has arrived', () => {
  const inner = encodeStreamUser(Buffer.from('hello'));
  const wrapped = compressMessage(inner);
  assert.equal(parseStream(wrapped.subarray(0, wrapped.length - 1)), null);
  const p = parseStream(wrapped)!;
  assert.equal(p.message.type, 'user');
});

test('huge length prefixes are refused without allocating', () => {
  const hugeArray = Buffer.from('ddffffffff', 'hex');
  assert.throws(() => mpDecode(hugeArray), (e: unknown) => e instanceof WireError && e.fault === 'truncated');
  const hugeHeader = Buffer.concat([Buffer.from([6]), new MpWriter().mapHeader(3).str('Nodes').int(2 ** 31 - 1).str('UserStateLen').int(0).str('Join').bool(false).finish()]);
  assert.throws(() => parseStream(hugeHeader), (e: unknown) => e instanceof WireError && e.fault === 'too-large');
  const hugeUser = Buffer.concat([Buffer.from([6]), new MpWriter().mapHeader(3).str('Nodes').int(0).str('UserStateLen').int(2 ** 31 - 1).str('Join').bool(false).finish()]);
  assert.throws(() => parseStream(hugeUser), (e: unknown) => e instanceof WireError && e.fault === 'too-large');
  const deep = Buffer.alloc(100, 0x91);
  assert.throws(() => mpDecode(deep), WireError);
});

test('random bytes never throw anything but WireError', () => {
  const rng = seededRng(11);
  for (let i = 0; i < 5000; i++) {
    const len = rng.nextU32() % 64;
    const b = Buffer.alloc(len);
    for (let j = 0; j < len; j++) b[j] = rng.nextU32() & 0xff;
    if (i % 3 === 0 && len > 0) b[0] = [0, 1, 2, 3, 4, 5, 6, 7, 9, 12][rng.nextU32() % 10]!;
    for (const f of [() => unpackPacket(b), () => parseStream(b), () => decodeSerfMessage(b), () => decodeTags(b)]) {
      try {
        f();
      } catch (e) {
        assert.ok(e instanceof WireError, `unexpected ${(e as Error).name}: ${(e as Error).message} for ${b.toString('hex')}`);
      }
    }
  }
});

test('serf messages: join, leave, user event, push/pull with nil event slots; tags with the 0xff magic byte', () => {
  assert.equal(encodeSerfJoin({ LTime: 5, Node: 'a' }).toString('hex'), '01' + '82' + raw('LTime') + '05' + raw('Node') + raw('a'));
  assert.deepEqual(decodeSerfMessage(encodeSerfLeave({ LTime: 9, Node: 'b', Prune: true })), { type: 'leave', msg: { LTime: 9, Node: 'b', Prune: true } });
  const ev = decodeSerfMessage(encodeSerfUserEvent({ LTime: 2, Name: 'deploy', Payload: Buffer.from('x'), CC: true }));
  assert.equal(ev.type, 'userEvent');
  const pp = encodeSerfPushPull({
    LTime: 4, StatusLTimes: new Map([['a', 1], ['b', 3]]), LeftMembers: ['b'], EventLTime: 2,
    Events: [null, { LTime: 1, Events: [{ Name: 'e', Payload: Buffer.from('p') }] }], QueryLTime: 1,
  });
  const back = decodeSerfMessage(pp);
  assert.equal(back.type, 'pushPull');
  if (back.type === 'pushPull') {
    assert.equal(back.msg.Events[0], null);
    assert.equal(back.msg.Events[1]!.Events[0]!.Name, 'e');
    assert.deepEqual([...back.msg.StatusLTimes], [['a', 1], ['b', 3]]);
  }
  assert.equal(encodeTags({ role: 'consul' }).toString('hex'), 'ff' + '81' + raw('role') + raw('consul'));
  assert.deepEqual(decodeTags(encodeTags({ dc: 'dc1', role: 'consul' })), { dc: 'dc1', role: 'consul' });
  assert.deepEqual(decodeTags(Buffer.from('lb')), { role: 'lb' });
});

test('IP bytes: IPv4 as 4 bytes, IPv4-mapped IPv6 as 4 bytes, IPv6 as 16', () => {
  assert.deepEqual([...ipToBytes('127.0.0.70')], [127, 0, 0, 70]);
  assert.equal(ipToBytes('::ffff:10.1.2.3').length, 4);
  assert.equal(ipToBytes('fe80::1').length, 16);
  assert.equal(ipFromBytes(ipToBytes('fe80::1')), 'fe80::1');
});
