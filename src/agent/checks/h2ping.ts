// H2PING checks (Consul's CheckH2PING): dial (TLS with ALPN h2 by default, or cleartext h2c with
// H2PingUseTLS=false), open an HTTP/2 session and send one PING. Outputs: "HTTP2 ping was successful",
// "HTTP2 ping failed: <err>", "Failed to dial to <addr>: <err>".
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import type { CheckResult, Probe } from './runner.js';
import { dialError, sniName, splitHostPort } from './net-errors.js';

export interface H2PingCheckOptions {
  addr: string;
  timeoutMs: number;
  useTls: boolean;
  tlsSkipVerify: boolean;
  tlsServerName: string;
}

export class H2PingProbe implements Probe {
  constructor(private readonly o: H2PingCheckOptions) {}

  run(): Promise<CheckResult> {
    const o = this.o;
    let hp;
    try {
      hp = splitHostPort(o.addr);
    } catch (err) {
      return Promise.resolve({ status: 'critical', output: `Failed to dial to ${o.addr}: ${(err as Error).message}` });
    }
    return new Promise((resolve) => {
      let session: http2.ClientHttp2Session | null = null;
      const servername = sniName(o.tlsServerName, hp.host);
      const sock = o.useTls
        ? tls.connect({ host: hp.host, port: hp.port, ALPNProtocols: ['h2'], rejectUnauthorized: !o.tlsSkipVerify, servername })
        : net.connect({ host: hp.host, port: hp.port });
      let settled = false;
      const finish = (r: CheckResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        sock.removeAllListeners('error');
        sock.on('error', () => {});
        session?.removeAllListeners('error');
        session?.on('error', () => {});
        session?.destroy();
        sock.destroy();
        resolve(r);
      };
      const timer = setTimeout(() => {
        const phase = session ? 'HTTP2 ping failed: context deadline exceeded' : `Failed to dial to ${o.addr}: i/o timeout`;
        finish({ status: 'critical', output: phase });
      }, o.timeoutMs);
      sock.once('error', (err: NodeJS.ErrnoException) => {
        if (session) return finish({ status: 'critical', output: `HTTP2 ping failed: ${err.message}` });
        const why = err.syscall ? dialError('tcp', o.addr, err) : err.message;
        finish({ status: 'critical', output: `Failed to dial to ${o.addr}: ${why}` });
      });
      sock.once(o.useTls ? 'secureConnect' : 'connect', () => {
        const proto = o.useTls ? 'https' : 'http';
        session = http2.connect(`${proto}://${o.addr}`, { createConnection: () => sock });
        session.once('error', (err) => finish({ status: 'critical', output: `HTTP2 ping failed: ${err.message}` }));
        session.once('close', () => finish({ status: 'critical', output: 'HTTP2 ping failed: connection closed' }));
        session.ping((err) => {
          if (err) finish({ status: 'critical', output: `HTTP2 ping failed: ${err.message}` });
          else finish({ status: 'passing', output: 'HTTP2 ping was successful' });
        });
      });
    });
  }
}
