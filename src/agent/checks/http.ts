// HTTP checks (Consul's CheckHTTP): 2xx passing, 429 warning, anything else or an error critical.
// Output: "HTTP GET <url>: 200 OK Output: <last OutputMaxSize bytes of the body>".
//
// Every run dials a fresh connection and asks the server to close it, as Consul does (its check
// transport sets DisableKeepAlives). That is what a check should observe: whether a *new* client can
// connect and be answered. A reused connection would keep passing through a listener that no longer
// accepts, stay pinned to one backend behind a load balancer, hold an idle socket per check open on
// every target, and race the target's idle timeout (Node's default of 5 s is shorter than the usual
// 10 s interval, so reuse would rarely even happen). The request is written with net/tls sockets and a
// small parser (./http-wire.ts) instead of node:http, whose per-request machinery was most of the cost.
//
// Redirects are followed (at most 10, Go's rule: 301/302/303 turn into GET without a body, 307/308
// keep both) unless DisableRedirects; the output names the configured URL and the final status.
import net from 'node:net';
import tls from 'node:tls';
import type { CheckResult, Probe } from './runner.js';
import { ResponseParser, encodeRequest, type ResponseHead } from './http-wire.js';
import { goNetReason, sniName } from './net-errors.js';

export { ACCEPT, USER_AGENT } from './http-wire.js';
const REDIRECTS_MAX = 10;
/**
 * Plain-HTTP reads land here (net's `onread`) instead of in a fresh Buffer pushed through a readable
 * stream; the parser copies what it keeps. One buffer serves every check: reads are handled synchronously.
 */
const READ_BUFFER = Buffer.allocUnsafe(16 * 1024);
const TIMEOUT_REASON = 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)';

export interface HttpCheckOptions {
  url: string;
  method: string;
  header: Record<string, string[]>;
  body: string;
  timeoutMs: number;
  outputMax: number;
  tlsSkipVerify: boolean;
  tlsServerName: string;
  disableRedirects: boolean;
}

interface Hop {
  url: URL;
  method: string;
  body: string;
}

/** One exchange's outcome: a response (possibly with a body cut short by the deadline) or an error. */
type Exchange = { head: ResponseHead; body: Buffer } | { error: string };

/** Go's url.Error prefix: `Get "http://...": `. */
function goOp(method: string, url: string): string {
  return `${method.charAt(0).toUpperCase()}${method.slice(1).toLowerCase()} "${url}"`;
}

export function statusFor(code: number): CheckResult['status'] {
  if (code >= 200 && code <= 299) return 'passing';
  if (code === 429) return 'warning';
  return 'critical';
}

export class HttpProbe implements Probe {
  private readonly method: string;
  private first: { hop: Hop; bytes: Buffer } | null = null;
  /** The last passing/warning/critical output and what it was built from, reused when nothing changed. */
  private last: { status: string; body: Buffer; output: string } | null = null;

  constructor(private readonly o: HttpCheckOptions) {
    this.method = (o.method || 'GET').toUpperCase();
  }

  async run(): Promise<CheckResult> {
    const o = this.o;
    if (!this.first) {
      let url: URL;
      try {
        url = new URL(o.url);
      } catch {
        return { status: 'critical', output: `parse "${o.url}": invalid URL` };
      }
      const hop = { url, method: this.method, body: o.body ?? '' };
      try {
        this.first = { hop, bytes: encodeRequest(hop.method, url, o.header ?? {}, hop.body) };
      } catch (err) {
        return { status: 'critical', output: `${goOp(this.method, o.url)}: ${(err as Error).message}` };
      }
    }
    const deadline = Date.now() + o.timeoutMs;
    let hop = this.first.hop;
    let bytes: Buffer | null = this.first.bytes;
    for (let redirects = 0; ; redirects++) {
      const x = await this.exchange(hop, bytes ?? encodeRequest(hop.method, hop.url, withoutHost(o.header ?? {}), hop.body), deadline);
      if ('error' in x) return { status: 'critical', output: `${goOp(this.method, o.url)}: ${x.error}` };
      const next = o.disableRedirects ? null : redirectTarget(hop, x.head);
      if (!next) return this.result(x.head, x.body);
      if (redirects + 1 >= REDIRECTS_MAX) {
        return { status: 'critical', output: `${goOp(this.method, o.url)}: stopped after ${REDIRECTS_MAX} redirects` };
      }
      hop = next;
      bytes = null;
    }
  }

  private result(head: ResponseHead, body: Buffer): CheckResult {
    const status = statusFor(head.code);
    const l = this.last;
    // A result like the last one costs a comparison, not a new output string.
    if (l && l.status === head.status && l.body.equals(body)) return { status, output: l.output };
    const output = `HTTP ${this.method} ${this.o.url}: ${head.status} Output: ${body.toString('utf8')}`;
    this.last = { status: head.status, body, output };
    return { status, output };
  }

  /** One request on a fresh connection; settles by the deadline. */
  private exchange(hop: Hop, bytes: Buffer, deadline: number): Promise<Exchange> {
    const o = this.o;
    const u = hop.url;
    const https = u.protocol === 'https:';
    if (!https && u.protocol !== 'http:') return Promise.resolve({ error: `unsupported protocol scheme "${u.protocol.slice(0, -1)}"` });
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const port = Number(u.port) || (https ? 443 : 80);
    const parser = new ResponseParser(o.outputMax, hop.method === 'HEAD');
    return new Promise((resolve) => {
      let sock: net.Socket;
      const finish = (x: Exchange): void => {
        clearTimeout(timer);
        sock.removeAllListeners();
        sock.on('error', () => {});
        sock.destroy();
        resolve(x);
      };
      const settle = (): void => finish(parser.head ? { head: parser.head, body: parser.body.bytes() } : { error: 'EOF' });
      // A body that is cut short or outlives the timeout still yields what arrived, as in Consul.
      const timer = setTimeout(() => (parser.head ? settle() : finish({ error: TIMEOUT_REASON })), Math.max(0, deadline - Date.now()));
      const onData = (chunk: Buffer): void => {
        try {
          parser.push(chunk);
        } catch (err) {
          return finish({ error: (err as Error).message });
        }
        if (parser.done) settle();
      };
      if (https) {
        const servername = sniName(o.tlsServerName, host);
        sock = tls.connect({ host, port, servername, rejectUnauthorized: !o.tlsSkipVerify });
        sock.on('data', onData);
      } else {
        const callback = (n: number, buf: Uint8Array): boolean => {
          onData(Buffer.from(buf.buffer, buf.byteOffset, n));
          return true;
        };
        sock = net.connect({ host, port, onread: { buffer: READ_BUFFER, callback } });
      }
      sock.write(bytes);
      sock.on('end', () => {
        parser.end();
        settle();
      });
      sock.on('error', (err: NodeJS.ErrnoException & { address?: string; port?: number }) => {
        if (parser.head) return settle();
        const reason = err.syscall === 'connect'
          ? `dial tcp ${hostPort(host, port)}: ${goNetReason(err)}`
          : err.syscall === 'getaddrinfo' ? `dial tcp: ${goNetReason(err)}` : goNetReason(err);
        finish({ error: reason });
      });
    });
  }
}

/** A redirected request is addressed to its new URL's host, as Go's client does (headers otherwise follow). */
function withoutHost(header: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(header).filter(([k]) => k.toLowerCase() !== 'host'));
}

const hostPort = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

function redirectTarget(hop: Hop, head: ResponseHead): Hop | null {
  const code = head.code;
  if (![301, 302, 303, 307, 308].includes(code) || !head.location) return null;
  let url: URL;
  try {
    url = new URL(head.location, hop.url);
  } catch {
    return null;
  }
  if (code === 307 || code === 308) return { url, method: hop.method, body: hop.body };
  return { url, method: hop.method === 'HEAD' ? 'HEAD' : 'GET', body: '' };
}
