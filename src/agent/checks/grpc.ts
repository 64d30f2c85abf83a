// gRPC checks (Consul's CheckGRPC): one grpc.health.v1.Health/Check call over HTTP/2 (h2c, or TLS
// with GRPCUseTLS). SERVING is passing ("gRPC check <target>: success"); any other status, a non-OK
// grpc-status or a transport error is critical. The target is "host:port[/service]".
import http2 from 'node:http2';
import type { CheckResult, Probe } from './runner.js';
import { GRPC_CODES, SERVING_STATUS, decodeHealthResponse, encodeHealthRequest } from './grpc-health.js';
import { goNetReason, sniName, splitHostPort } from './net-errors.js';

export interface GrpcCheckOptions {
  target: string;
  timeoutMs: number;
  useTls: boolean;
  tlsSkipVerify: boolean;
  tlsServerName: string;
}

const rpcError = (code: number, desc: string) => `rpc error: code = ${GRPC_CODES[code] ?? `Code(${code})`} desc = ${desc}`;

export class GrpcProbe implements Probe {
  constructor(private readonly o: GrpcCheckOptions) {}

  run(): Promise<CheckResult> {
    const o = this.o;
    const slash = o.target.indexOf('/');
    const addr = slash < 0 ? o.target : o.target.slice(0, slash);
    const service = slash < 0 ? '' : o.target.slice(slash + 1);
    let hp;
    try {
      hp = splitHostPort(addr);
    } catch (err) {
      return Promise.resolve({ status: 'critical', output: (err as Error).message });
    }
    const host = hp.host.includes(':') ? `[${hp.host}]` : hp.host;
    return new Promise((resolve) => {
      const servername = sniName(o.tlsServerName, hp.host);
      const session = http2.connect(`${o.useTls ? 'https' : 'http'}://${host}:${hp.port}`, {
        ...(o.useTls ? { rejectUnauthorized: !o.tlsSkipVerify, servername, ALPNProtocols: ['h2'] } : {}),
      });
      let settled = false;
      const finish = (r: CheckResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        session.removeAllListeners('error');
        session.on('error', () => {});
        session.destroy();
        resolve(r);
      };
      const timer = setTimeout(() => finish({ status: 'critical', output: rpcError(4, 'context deadline exceeded') }), o.timeoutMs);
      // A failed dial surfaces on the session and, first, on the pending stream (as its cause).
      const transportError = (err: Error & { cause?: NodeJS.ErrnoException }) => {
        const cause = err.cause ?? (err as NodeJS.ErrnoException);
        const desc = cause.code ? `connection error: desc = "transport: Error while dialing: ${goNetReason(cause)}"` : err.message;
        finish({ status: 'critical', output: rpcError(14, desc) });
      };
      session.once('error', transportError);
      const req = session.request({
        ':method': 'POST',
        ':path': '/grpc.health.v1.Health/Check',
        'content-type': 'application/grpc',
        te: 'trailers',
        'grpc-timeout': `${Math.max(1, Math.floor(o.timeoutMs))}m`,
      });
      req.on('error', transportError);
      const chunks: Buffer[] = [];
      let headerStatus: string | undefined;
      let headerMessage: string | undefined;
      req.on('response', (h) => {
        headerStatus = h['grpc-status'] as string | undefined;
        headerMessage = h['grpc-message'] as string | undefined;
        if (h[':status'] !== 200) finish({ status: 'critical', output: rpcError(12, `unexpected HTTP status code received from server: ${h[':status']}`) });
      });
      req.on('data', (c: Buffer) => chunks.push(c));
      let trailers: http2.IncomingHttpHeaders = {};
      req.on('trailers', (t) => (trailers = t));
      req.on('end', () => {
        const code = Number(trailers['grpc-status'] ?? headerStatus ?? 2);
        const message = decodeURIComponent(String(trailers['grpc-message'] ?? headerMessage ?? ''));
        if (code !== 0) return finish({ status: 'critical', output: rpcError(code, message) });
        let status: number;
        try {
          status = decodeHealthResponse(Buffer.concat(chunks));
        } catch (err) {
          return finish({ status: 'critical', output: rpcError(13, (err as Error).message) });
        }
        if (status === 1) return finish({ status: 'passing', output: `gRPC check ${o.target}: success` });
        finish({ status: 'critical', output: `gRPC ${o.target} serving status: ${SERVING_STATUS[status] ?? status}` });
      });
      req.end(encodeHealthRequest(service));
    });
  }
}
