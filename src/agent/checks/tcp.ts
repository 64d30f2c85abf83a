// TCP checks (Consul's CheckTCP): passing when a connection (and, with TCPUseTLS, a TLS handshake)
// completes within the timeout; "TCP connect <addr>: Success" / "TCP+TLS connect <addr>: Success".
import net from 'node:net';
import tls from 'node:tls';
import type { CheckResult, Probe } from './runner.js';
import { dialError, sniName, splitHostPort } from './net-errors.js';

export interface TcpCheckOptions {
  addr: string;
  timeoutMs: number;
  useTls: boolean;
  tlsSkipVerify: boolean;
  tlsServerName: string;
}

export class TcpProbe implements Probe {
  constructor(private readonly o: TcpCheckOptions) {}

  run(): Promise<CheckResult> {
    const o = this.o;
    const label = o.useTls ? 'TCP+TLS' : 'TCP';
    let hp;
    try {
      hp = splitHostPort(o.addr);
    } catch (err) {
      return Promise.resolve({ status: 'critical', output: `dial tcp ${(err as Error).message}` });
    }
    return new Promise((resolve) => {
      const servername = sniName(o.tlsServerName, hp.host);
      const sock = o.useTls
        ? tls.connect({ host: hp.host, port: hp.port, rejectUnauthorized: !o.tlsSkipVerify, servername })
        : net.connect({ host: hp.host, port: hp.port });
      const finish = (r: CheckResult) => {
        clearTimeout(timer);
        sock.removeAllListeners();
        sock.on('error', () => {});
        sock.destroy();
        resolve(r);
      };
      const timer = setTimeout(
        () => finish({ status: 'critical', output: `dial tcp ${o.addr}: i/o timeout` }),
        o.timeoutMs,
      );
      sock.once(o.useTls ? 'secureConnect' : 'connect', () => finish({ status: 'passing', output: `${label} connect ${o.addr}: Success` }));
      sock.once('error', (err: NodeJS.ErrnoException) => {
        const text = err.code && err.syscall ? dialError('tcp', o.addr, err) : `${label} connect ${o.addr}: ${err.message}`;
        finish({ status: 'critical', output: text });
      });
    });
  }
}
