// Malformed and random packets never crash the DNS server: in-process over handle() with
// property-based inputs, and against a real agent over UDP and TCP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import fc from 'fast-check';
import dnsPacket from 'dns-packet';
import { DnsServer } from '../../src/dns/server.js';
import { seededRng } from '../../src/lib/rng.js';
import { startAgent, type AgentProcess } from '../support/agent-process.js';
import { waitFor } from '../support/wait.js';
import { dig } from './dig.js';
import { fakeCatalog, instance, node } from './helpers.js';

const IP = '127.0.0.44';
let agent: AgentProcess;

before(async () => {
  agent = await startAgent({ ip: IP, nodeName: 'dns-fuzz' });
});
after(async () => {
  await agent?.stop();
});

const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, named() { return silent; } } as any;

function server(): DnsServer {
  const n = node('alpha', '10.0.0.1', { k: 'v' });
  const base = fakeCatalog([instance(n, 'web', 80), instance(node('b', '10.0.0.2'), 'web', 81)], [n]);
  // A live watch for every service, so the fast path is exercised too.
  const peeked = new Map<string, any>();
  const catalog = {
    ...base,
    async serviceNodes(service: string, dc: string) {
      const r = await base.serviceNodes(service, dc);
      peeked.set(`${dc}|${service}`, r);
      return r;
    },
    peekServiceNodes: (service: string, dc: string) => peeked.get(`${dc}|${service}`) ?? null,
  };
  const config = {
    datacenter: 'dc1', domain: 'consul.', altDomain: '', clientAddrs: [], ports: { dns: 0 },
    dns: {
      allowStale: true, maxStaleMs: 0, nodeTtlMs: 0, serviceTtl: {}, onlyPassing: false, udpAnswerLimit: 3, aRecordLimit: 0,
      enableTruncate: true, recursors: [], recursorTimeoutMs: 100, recursorStrategy: 'sequential', enableAdditionalNodeMetaTxt: true,
      disableCompression: false, soa: { expire: 86400, minTtl: 0, refresh: 3600, retry: 600 },
    },
  };
  return new DnsServer({ backend: { rpc: async () => ({}) }, config, logger: silent, catalog, rng: seededRng(9) });
}

const valid = [
  ['web.service.consul', 'SRV'], ['alpha.node.consul', 'ANY'], ['consul', 'SOA'], ['1.0.0.10.in-addr.arpa', 'PTR'],
  ['0a000001.addr.consul', 'A'], ['x.example.com', 'A'],
].map(([name, type]) =>
  dnsPacket.encode({ id: 1, type: 'query', flags: 256, questions: [{ name: name!, type: type as any }], additionals: [{ name: '.', type: 'OPT', udpPayloadSize: 1232 } as any] }),
);

/** Either nothing, or a well-formed response to the same id. */
function checkReply(input: Uint8Array, out: Buffer | null): void {
  if (out === null) return;
  const p = dnsPacket.decode(out);
  assert.equal(p.type, 'response');
  assert.equal(p.id, Buffer.from(input).readUInt16BE(0));
}

test('handle(): random bytes and mutated queries give a response or nothing, never a throw', async () => {
  const s = server();
  const mutated = fc
    .tuple(fc.constantFrom(...valid), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), fc.nat(80))
    .map(([base, flips, cut]) => {
      const b = Buffer.from(base);
      for (const [at, v] of flips) b[at % b.length] = v;
      return cut > 60 ? b.subarray(0, Math.max(0, b.length - cut + 60)) : b;
    });
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 700 }), mutated), async (bytes) => {
      const out = await s.handle(Buffer.from(bytes), 'udp');
      checkReply(bytes, out);
      const tcpOut = await s.handle(Buffer.from(bytes), 'tcp');
      checkReply(bytes, tcpOut);
      checkReply(bytes, s.fastAnswer(Buffer.from(bytes), 'udp'));
      checkReply(bytes, s.fastAnswer(Buffer.from(bytes), 'tcp'));
    }),
    { numRuns: 3000, seed: 42 },
  );
});

test('a real agent survives random UDP datagrams and answers FORMERR or nothing', async () => {
  const rng = seededRng(1234);
  const sock = dgram.createSocket('udp4');
  const replies: Buffer[] = [];
  sock.on('message', (m) => replies.push(m));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  for (let i = 0; i < 1500; i++) {
    const len = rng.nextU32() % 600;
    const b = Buffer.alloc(len);
    for (let j = 0; j < len; j++) b[j] = rng.nextU32() & 0xff;
    if (i % 3 === 0 && len >= 12) {
      // Make a third of them look like queries (QR clear, one question) so they get past the header.
      b[2] = b[2]! & 0x7f;
      b.writeUInt16BE(1, 4);
    }
    sock.send(b, 8600, IP);
    if (i % 100 === 0) await new Promise((r) => setImmediate(r));
  }
  // The flood may overrun the socket buffer, so a probe can be dropped: ask until answered.
  const ok = await waitFor(async () => {
    const r = await dig(IP, 8600, ['dns-fuzz.node.consul', 'A', '+time=1']);
    return r.answer.length === 1 ? r : undefined;
  }, { what: 'agent answering over UDP after fuzzing' });
  assert.equal(ok.answer[0]!.data, IP);
  sock.close();
  for (const r of replies) assert.equal(dnsPacket.decode(r).type, 'response');
  assert.equal(agent.proc.exitCode, null, agent.output().slice(-3000));
});

test('a real agent survives random TCP streams (bad lengths, garbage, half frames, early close)', async () => {
  const rng = seededRng(99);
  const conns: Promise<void>[] = [];
  for (let c = 0; c < 40; c++) {
    conns.push(
      new Promise<void>((resolve) => {
        const sock = net.connect(8600, IP);
        sock.on('error', () => resolve());
        sock.on('close', () => resolve());
        sock.on('data', () => {});
        sock.on('connect', () => {
          const chunks = 1 + (rng.nextU32() % 5);
          for (let k = 0; k < chunks; k++) {
            const len = rng.nextU32() % 300;
            const b = Buffer.alloc(len);
            for (let j = 0; j < len; j++) b[j] = rng.nextU32() & 0xff;
            if (c % 2 === 0 && len > 2) b.writeUInt16BE(len - 2, 0);
            sock.write(b);
          }
          if (c % 3 === 0) sock.destroy();
          else sock.end();
        });
      }),
    );
  }
  await Promise.all(conns);
  const ok = await waitFor(async () => {
    const r = await dig(IP, 8600, ['dns-fuzz.node.consul', 'A', '+tcp']);
    return r.answer.length === 1 ? r : undefined;
  }, { what: 'agent answering over TCP after fuzzing' });
  assert.equal(ok.answer[0]!.data, IP);
  assert.equal(agent.proc.exitCode, null, agent.output().slice(-3000));
});
