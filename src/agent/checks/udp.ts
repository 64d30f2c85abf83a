// UDP checks (Consul's CheckUDP): sends one datagram; a reply, or silence until the timeout, is
// passing ("UDP connect <addr>: Success"); an error (an ICMP port-unreachable surfaces as
// ECONNREFUSED on the connected socket, a failed send or lookup) is critical.
import dgram from 'node:dgram';
import { isIP } from 'node:net';
import type { CheckResult, Probe } from './runner.js';
import { goNetReason, splitHostPort } from './net-errors.js';

export interface UdpCheckOptions {
  addr: string;
  timeoutMs: number;
  /** Datagram payload; Consul sends an empty message. */
  message?: Buffer;
}

export class UdpProbe implements Probe {
  constructor(private readonly o: UdpCheckOptions) {}

  run(): Promise<CheckResult> {
    const o = this.o;
    let hp;
    try {
      hp = splitHostPort(o.addr);
    } catch (err) {
      return Promise.resolve({ status: 'critical', output: `dial udp ${(err as Error).message}` });
    }
    const ok: CheckResult = { status: 'passing', output: `UDP connect ${o.addr}: Success` };
    return new Promise((resolve) => {
      const sock = dgram.createSocket(isIP(hp.host) === 6 ? 'udp6' : 'udp4');
      const finish = (r: CheckResult) => {
        clearTimeout(timer);
        sock.removeAllListeners();
        sock.on('error', () => {});
        try {
          sock.close();
        } catch {
          // Already closed.
        }
        resolve(r);
      };
      const timer = setTimeout(() => finish(ok), o.timeoutMs);
      sock.once('message', () => finish(ok));
      sock.once('error', (err: NodeJS.ErrnoException) => {
        finish({ status: 'critical', output: `read udp ${o.addr}: ${goNetReason(err).replace(/^connect: /, 'read: ')}` });
      });
      sock.connect(hp.port, hp.host, () => {
        sock.send(o.message ?? Buffer.alloc(0), (err) => {
          if (err) finish({ status: 'critical', output: `write udp ${o.addr}: ${goNetReason(err as NodeJS.ErrnoException)}` });
        });
      });
    });
  }
}
