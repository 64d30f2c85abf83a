// A tiny upstream DNS server for recursor tests: answers A for `*.example.test` (or a fixed rcode).
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';

export interface Upstream {
  queries: number;
  close(): Promise<void>;
}

export async function startUpstream(ip: string, port: number, mode: { rcode?: number; address: string }): Promise<Upstream> {
  const state = { queries: 0 };
  const answer = (msg: Buffer): Buffer => {
    state.queries++;
    const req = dnsPacket.decode(msg);
    const q = req.questions![0]!;
    const ok = mode.rcode === undefined && q.name.endsWith('example.test');
    return dnsPacket.encode({
      id: req.id,
      type: 'response',
      flags: dnsPacket.RECURSION_AVAILABLE | (mode.rcode ?? (ok ? 0 : 3)),
      questions: [q],
      answers: ok && q.type === 'A' ? [{ name: q.name, type: 'A', ttl: 42, data: mode.address }] : [],
    });
  };
  const udp = dgram.createSocket('udp4');
  udp.on('message', (msg, r) => udp.send(answer(msg), r.port, r.address));
  await new Promise<void>((res) => udp.bind(port, ip, () => res()));
  const tcp = net.createServer((sock) => {
    let buf = Buffer.alloc(0);
    sock.on('error', () => sock.destroy());
    sock.on('data', (c) => {
      buf = Buffer.concat([buf, c]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const out = answer(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
        const len = Buffer.alloc(2);
        len.writeUInt16BE(out.length);
        sock.write(Buffer.concat([len, out]));
      }
    });
  });
  await new Promise<void>((res) => tcp.listen(port, ip, () => res()));
  return {
    get queries() {
      return state.queries;
    },
    set queries(v) {
      state.queries = v;
    },
    async close() {
      udp.close();
      await new Promise<void>((res) => tcp.close(() => res()));
    },
  };
}
