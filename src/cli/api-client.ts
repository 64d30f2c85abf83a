// The CLI's HTTP client for a Consul-compatible agent, with the same address/token rules as Consul's `api`
// package: -http-addr or CONSUL_HTTP_ADDR (default 127.0.0.1:8500, scheme optional, unix:// sockets),
// CONSUL_HTTP_SSL, -token / CONSUL_HTTP_TOKEN / -token-file / CONSUL_HTTP_TOKEN_FILE.
// Errors read like the Go client's so that the CLI prints what Consul prints.
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';

export interface ClientSettings {
  address?: string;
  token?: string;
  tokenFile?: string;
  datacenter?: string;
  stale?: boolean;
  caFile?: string;
  tlsServerName?: string;
  namespace?: string;
  partition?: string;
}

export interface ApiResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

interface Target {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  socketPath?: string;
  display: string; // how Go prints the URL base ("http://127.0.0.1:8500")
}

export class ApiClient {
  private readonly target: Target;
  private readonly token: string;
  private readonly ca: Buffer | undefined;

  constructor(
    private readonly settings: ClientSettings,
    env: NodeJS.ProcessEnv,
  ) {
    this.target = resolveTarget(settings.address || env.CONSUL_HTTP_ADDR || '127.0.0.1:8500', env);
    // As Consul's api.NewClient: a token file (flag or CONSUL_HTTP_TOKEN_FILE) wins over a token (flag or env).
    let token = settings.token || env.CONSUL_HTTP_TOKEN || '';
    const tokenFile = settings.tokenFile || env.CONSUL_HTTP_TOKEN_FILE;
    if (tokenFile) {
      let text: string;
      try {
        text = readFileSync(tokenFile, 'utf8');
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        const why = e.code === 'ENOENT' ? 'no such file or directory' : e.code === 'EACCES' ? 'permission denied' : e.message;
        throw new ApiError(`Error loading token file: open ${tokenFile}: ${why}`);
      }
      if (text.trim() !== '') token = text.trim();
    }
    this.token = token;
    const caFile = settings.caFile || env.CONSUL_CACERT;
    this.ca = caFile ? readFileSync(caFile) : undefined;
  }

  /** Adds dc/stale query options the way the Go client does for reads. */
  queryParams(params: Record<string, string | undefined> = {}, read = true): URLSearchParams {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) q.append(k, v);
    if (this.settings.datacenter) q.set('dc', this.settings.datacenter);
    if (read && this.settings.stale) q.set('stale', '');
    if (this.settings.namespace) q.set('ns', this.settings.namespace);
    if (this.settings.partition) q.set('partition', this.settings.partition);
    return q;
  }

  async request(method: string, path: string, query?: URLSearchParams, body?: string | Buffer): Promise<ApiResponse> {
    const qs = query && [...query].length > 0 ? `?${query.toString().replace(/=(&|$)/g, '$1')}` : '';
    const fullPath = `${path}${qs}`;
    const headers: Record<string, string> = {};
    if (this.token) headers['X-Consul-Token'] = this.token;
    if (body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body));
    const t = this.target;
    const options: https.RequestOptions = {
      method,
      path: fullPath,
      headers,
      ...(t.socketPath ? { socketPath: t.socketPath } : { host: t.host, port: t.port }),
      ...(t.scheme === 'https' ? { ca: this.ca, servername: this.settings.tlsServerName } : {}),
    };
    const verb = method[0] + method.slice(1).toLowerCase();
    const url = `${t.display}${fullPath}`;
    return new Promise<ApiResponse>((resolve, reject) => {
      const req = (t.scheme === 'https' ? https : http).request(options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', (e) => reject(new ApiError(`${verb} ${JSON.stringify(url)}: ${e.message}`)));
      });
      req.on('error', (e: NodeJS.ErrnoException) => reject(new ApiError(`${verb} ${JSON.stringify(url)}: ${dialError(e, t)}`)));
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /** A request that must answer 200; otherwise `Unexpected response code: N (body)` like the Go client. */
  async call(method: string, path: string, query?: URLSearchParams, body?: string | Buffer): Promise<ApiResponse> {
    const res = await this.request(method, path, query, body);
    if (res.status !== 200) throw unexpected(res);
    return res;
  }

  async getJson<T>(path: string, query?: URLSearchParams): Promise<T> {
    const res = await this.call('GET', path, query ?? this.queryParams());
    return JSON.parse(res.body.toString('utf8')) as T;
  }
}

export function unexpected(res: ApiResponse): ApiError {
  const text = res.body.toString('utf8');
  return new ApiError(text ? `Unexpected response code: ${res.status} (${text})` : `Unexpected response code: ${res.status}`, res.status);
}

function resolveTarget(raw: string, env: NodeJS.ProcessEnv): Target {
  let addr = raw.trim();
  if (addr.startsWith('unix://')) {
    const socketPath = addr.slice('unix://'.length);
    return { scheme: 'http', host: 'localhost', port: 80, socketPath, display: 'http://unix' };
  }
  let scheme: 'http' | 'https' = /^(1|t|true)$/i.test(env.CONSUL_HTTP_SSL ?? '') ? 'https' : 'http';
  const m = /^(https?):\/\//i.exec(addr);
  if (m) {
    scheme = m[1]!.toLowerCase() as 'http' | 'https';
    addr = addr.slice(m[0].length);
  }
  addr = addr.replace(/\/+$/, '');
  let host = addr;
  let port = scheme === 'https' ? 443 : 80;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(addr);
  if (v6) {
    host = v6[1]!;
    if (v6[2]) port = Number(v6[2]);
  } else {
    const i = addr.lastIndexOf(':');
    if (i > 0) {
      host = addr.slice(0, i);
      port = Number(addr.slice(i + 1));
    }
  }
  return { scheme, host, port, display: `${scheme}://${addr}` };
}

function dialError(e: NodeJS.ErrnoException, t: Target): string {
  const where = t.socketPath ?? (t.host.includes(':') ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`);
  const net = t.socketPath ? 'unix' : 'tcp';
  switch (e.code) {
    case 'ECONNREFUSED':
      return `dial ${net} ${where}: connect: connection refused`;
    case 'ENOENT':
      return `dial ${net} ${where}: connect: no such file or directory`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `dial ${net}: lookup ${t.host}: no such host`;
    case 'ETIMEDOUT':
      return `dial ${net} ${where}: i/o timeout`;
    case 'ECONNRESET':
      return 'EOF';
    default:
      return e.message;
  }
}
