// Bad gossip input on UDP and TCP 8301 (random bytes, truncated msgpack, huge length prefixes, bombs) must
// never crash the agent: afterwards it still answers pings and accepts a join.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { Gossip, resolveJoinAddr } from '../../src/gossip/index.js';
import { createLogger } from '../../src/lib/logger.js';
import { seededRng } from '../../src/lib/rng.js';
import {
  MessageType, MpWriter, addCrc, compressMessage, decodeAck, encodePing, encodePushPull, makeCompound,
  unpackPacket,
} from '../../src/gossip/wire/index.js';
import { waitFor } from '../support/wait.js';

const HOST = '127.0.0.78';
const quiet = createLogger({ level: 'ERROR', out: { write: () => true } });

function corpus(seed: number): Buffer[] {
  const rng = seededRng(seed);
  const rnd = (n: number) => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = rng.nextU32() & 0xff;
    return b;
  };
  const ping = encodePing({ SeqNo: 1, Node: 'target', SourceAddr: Buffer.from([127, 0, 0, 1]), SourcePort: 1, SourceNode: 'x' });
  const pushPull = encodePushPull(false, [], Buffer.alloc(0));
  const header = (nodes: number, user: number) =>
    Buffer.concat([Buffer.from([6]), new MpWriter().mapHeader(3).str('Nodes').int(nodes).str('UserStateLen').int(user).str('Join').bool(true).finish()]);
  const out: Buffer[] = [
    Buffer.alloc(0),
    Buffer.from([0]),
    Buffer.from([MessageType.compound, 255]),
    Buffer.from([MessageType.compound, 2, 0xff, 0xff, 0xff, 0xff]),
    Buffer.from([MessageType.hasCrc, 1, 2]),
    Buffer.from([MessageType.hasLabel, 200, 1]),
    Buffer.from([MessageType.alive, 0xdf, 0xff, 0xff, 0xff, 0xff]),
    Buffer.from([MessageType.ping, 0xdd, 0x7f, 0xff, 0xff, 0xff]),
    Buffer.from([MessageType.compress, 0x82, 0xa4, 0x41, 0x6c, 0x67, 0x6f, 0x00, 0xa3, 0x42, 0x75, 0x66, 0xdb, 0xff, 0xff, 0xff, 0xff]),
    compressMessage(Buffer.alloc(2_000_000, 0)), // decompresses far past one packet
    header(2 ** 31 - 1, 0),
    header(0, 2 ** 31 - 1),
    header(-1, 5),
    Buffer.from([MessageType.encrypt, 0xff, 0xff, 0xff, 0xff]),
    makeCompound(Array.from({ length: 5 }, () => makeCompound([makeCompound([makeCompound([makeCompound([makeCompound([ping])])])])]))),
    addCrc(Buffer.from([MessageType.suspect, 0x93, 1, 2, 3])),
    Buffer.alloc(300, 0x91),
  ];
  for (let cut = 1; cut < ping.length; cut += 3) out.push(ping.subarray(0, cut));
  for (let cut = 1; cut < pushPull.length; cut += 2) out.push(pushPull.subarray(0, cut));
  for (let i = 0; i < 300; i++) {
    const b = rnd(1 + (rng.nextU32() % 200));
    b[0] = rng.nextU32() % 3 === 0 ? rng.nextU32() % 14 : b[0]!;
    out.push(b);
  }
  return out;
}

async function udpPing(port: number): Promise<number> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  try {
    return await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no ack')), 3000);
      sock.on('message', (msg) => {
        for (const m of unpackPacket(msg).messages) {
          if (m.type === MessageType.ack) {
            clearTimeout(timer);
            resolve(decodeAck(m.body).SeqNo);
          }
        }
      });
      sock.send(encodePing({ SeqNo: 4242, Node: 'fuzz-target', SourceAddr: new Uint8Array(0), SourcePort: 0, SourceNode: '' }), port, HOST);
    });
  } finally {
    sock.close();
  }
}

function tcpSend(port: number, bytes: Buffer, end: boolean): Promise<void> {
  return new Promise((resolve) => {
    const s = connect({ host: HOST, port });
    const done = () => {
      s.destroy();
      resolve();
    };
    s.setTimeout(500, done);
    s.on('error', done);
    s.on('close', done);
    s.on('connect', () => {
      s.write(bytes);
      if (end) s.end();
    });
  });
}

test('garbage on UDP and TCP 8301 never crashes the agent; it keeps serving', async (t) => {
  const errors: string[] = [];
  const logger = createLogger({ level: 'ERROR', out: { write: (l: string) => errors.push(l) } });
  const target = await Gossip.start({ nodeName: 'fuzz-target', bindAddr: HOST, bindPort: 8301, tags: { role: 'node' }, logger });
  const peer = await Gossip.start({ nodeName: 'fuzz-peer', bindAddr: '127.0.0.79', bindPort: 8301, tags: {}, logger: quiet });
  t.after(() => Promise.all([target.shutdown(), peer.shutdown()]));

  const udp = createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  const inputs = corpus(Number(process.env.SEED ?? 1));
  for (const b of inputs) {
    if (b.length > 65_000) continue;
    await new Promise<void>((r) => udp.send(b, 8301, HOST, () => r()));
  }
  udp.close();
  // TCP: a batch of bad streams, some half-open (the agent must time them out, not hang on them).
  for (let i = 0; i < inputs.length; i += 64) {
    await Promise.all(inputs.slice(i, i + 64).map((b, j) => tcpSend(8301, b, j % 2 === 0)));
  }

  assert.equal(await udpPing(8301), 4242);
  assert.equal(await peer.join([HOST]), 1);
  await waitFor(() => target.members().find((m) => m.name === 'fuzz-peer' && m.status === 'alive'), { what: 'join after fuzz' });
  // Bad input is a typed WireError (logged as a warning), never an unexpected exception.
  assert.deepEqual(errors, []);
});

test('join addresses: host, host:port, [v6]:port, bare v6, name/addr and DNS names', async () => {
  assert.deepEqual(await resolveJoinAddr('10.0.0.1', 8301), [{ host: '10.0.0.1', port: 8301 }]);
  assert.deepEqual(await resolveJoinAddr('10.0.0.1:9000', 8301), [{ host: '10.0.0.1', port: 9000 }]);
  assert.deepEqual(await resolveJoinAddr('[::1]:9000', 8301), [{ host: '::1', port: 9000 }]);
  assert.deepEqual(await resolveJoinAddr('[fe80::1]', 8301), [{ host: 'fe80::1', port: 8301 }]);
  assert.deepEqual(await resolveJoinAddr('fe80::2', 8301), [{ host: 'fe80::2', port: 8301 }]);
  assert.deepEqual(await resolveJoinAddr('node1/10.0.0.2:8301', 1), [{ host: '10.0.0.2', port: 8301 }]);
  const local = await resolveJoinAddr('localhost:8301', 1);
  assert.ok(local.some((a) => a.host === '127.0.0.1' || a.host === '::1'));
  await assert.rejects(resolveJoinAddr('10.0.0.1:99999', 1), /bad address/);
});
