// HTTP checks (Consul's CheckHTTP): 2xx passing, 429 warning, anything else or an error critical.
// Output: "HTTP GET <url>: 200 OK Output: <last OutputMaxSize bytes of the body>".
//
// Connections are reused through keep-alive pools the registry owns (HttpPools), unlike Consul, which
// dials afresh every run: at 1,000 checks the connect/close syscalls were most of the agent's CPU.
// The hazard Consul avoids that way (a target closing an idle connection just as a check sends on it)
// is handled by retrying once on a fresh connection when a reused one fails before any answer. A
// target that dies or stops listening is still seen at once: its connections close with it. Redirects are followed (at most 10, Go's rule: 301/302/303 turn into
// GET without a body, 307/308 keep both) unless DisableRedirects; the output names the configured URL
// and the final status.
import http from 'node:http';
import https from 'node:https';
import type { CheckResult, Probe } from './runner.js';
import { TailBuffer } from './output.js';
import { goNetReason, isIpLiteral } from './net-errors.js';

export const USER_AGENT = 'Consul Health Check';
export const ACCEPT = 'text/plain, text/*, */*';
const REDIRECTS_MAX = 10;

/** Keep-alive connection pools shared by every HTTP check of one registry. */
export class HttpPools {
  readonly http = new http.Agent({ keepAlive: true, maxFreeSockets: 64, scheduling: 'lifo' });
  readonly https = new https.Agent({ keepAlive: true, maxFreeSockets: 64, scheduling: 'lifo' });

  destroy(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

/** Errors that mean a reused keep-alive connection was closed under us, not that the target is down. */
const STALE_SOCKET = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

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
  /** Keep-alive pools; without them every run dials a fresh connection, as Consul does. */
  pools?: HttpPools;
}

interface Hop {
  url: URL;
  method: string;
  body: string;
}

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
  private readonly headers: Record<string, string | string[]>;
  private url: URL | null = null;

  constructor(private readonly o: HttpCheckOptions) {
    const h: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(o.header ?? {})) h[k.toLowerCase()] = v.length === 1 ? v[0]! : v;
    if (!h['user-agent']) h['user-agent'] = USER_AGENT;
    if (!h['accept']) h['accept'] = ACCEPT;
    if (!o.pools) h['connection'] = 'close';
    this.headers = h;
  }

  async run(): Promise<CheckResult> {
    const o = this.o;
    const method = (o.method || 'GET').toUpperCase();
    let hop: Hop;
    try {
      hop = { url: (this.url ??= new URL(o.url)), method, body: o.body ?? '' };
    } catch {
      return { status: 'critical', output: `parse "${o.url}": invalid URL` };
    }
    // A cleared timer rather than AbortSignal.timeout(), whose timer cannot be cancelled: at 1,000
    // checks that left 1,000 pending timers each firing an abort event long after its run was over.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), o.timeoutMs);
    const deadline = controller.signal;
    try {
      for (let redirects = 0; ; redirects++) {
        const res = await this.request(hop, deadline);
        const next = o.disableRedirects ? null : redirectTarget(hop, res);
        if (!next) return await this.result(method, res, deadline);
        res.resume();
        if (redirects + 1 >= REDIRECTS_MAX) {
          return { status: 'critical', output: `${goOp(method, o.url)}: stopped after ${REDIRECTS_MAX} redirects` };
        }
        hop = next;
      }
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
      const reason = deadline.aborted
        ? 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)'
        : e.code === 'ECONNREFUSED' ? `dial tcp ${e.address ?? ''}:${e.port ?? ''}: ${goNetReason(e)}` : goNetReason(e);
      return { status: 'critical', output: `${goOp(method, o.url)}: ${reason}` };
    } finally {
      clearTimeout(timer);
    }
  }

  private async request(hop: Hop, signal: AbortSignal): Promise<http.IncomingMessage> {
    try {
      return await this.send(hop, signal, true);
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { reusedSocket?: boolean };
      if (!e.reusedSocket || !STALE_SOCKET.has(e.code ?? '') || signal.aborted) throw err;
      return this.send(hop, signal, false);
    }
  }

  private send(hop: Hop, signal: AbortSignal, pooled: boolean): Promise<http.IncomingMessage> {
    const o = this.o;
    const tls = hop.url.protocol === 'https:';
    const servername = o.tlsServerName || (isIpLiteral(hop.url.hostname.replace(/^\[|\]$/g, '')) ? undefined : hop.url.hostname);
    const headers = { ...this.headers };
    if (hop.body) headers['content-length'] = String(Buffer.byteLength(hop.body));
    return new Promise((resolve, reject) => {
      const req = (tls ? https : http).request(hop.url, {
        method: hop.method,
        headers,
        agent: pooled && o.pools ? (tls ? o.pools.https : o.pools.http) : false,
        signal,
        ...(tls ? { rejectUnauthorized: !o.tlsSkipVerify, servername } : {}),
      });
      req.once('response', resolve);
      req.once('error', (err: Error & { reusedSocket?: boolean }) => {
        err.reusedSocket = req.reusedSocket;
        reject(err);
      });
      req.end(hop.body || undefined);
    });
  }

  private result(method: string, res: http.IncomingMessage, signal: AbortSignal): Promise<CheckResult> {
    const buf = new TailBuffer(this.o.outputMax);
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        const line = `${res.statusCode} ${res.statusMessage ?? ''}`.trimEnd();
        resolve({ status: statusFor(res.statusCode ?? 0), output: `HTTP ${method} ${this.o.url}: ${line} Output: ${buf.text()}` });
      };
      // A body that is cut short or outlives the timeout still yields what arrived, as in Consul.
      signal.addEventListener('abort', done, { once: true });
      res.on('data', (c: Buffer) => buf.push(c));
      res.once('end', done);
      res.once('error', done);
    });
  }
}

function redirectTarget(hop: Hop, res: http.IncomingMessage): Hop | null {
  const code = res.statusCode ?? 0;
  const location = res.headers.location;
  if (![301, 302, 303, 307, 308].includes(code) || !location) return null;
  const url = new URL(location, hop.url);
  if (code === 307 || code === 308) return { url, method: hop.method, body: hop.body };
  return { url, method: hop.method === 'HEAD' ? 'HEAD' : 'GET', body: '' };
}
