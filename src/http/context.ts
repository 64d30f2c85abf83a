// One HTTP exchange: decoded path and query, bounded body reading, and Consul-shaped replies.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { encodeJson } from '../lib/json-encode.js';
import { HttpError } from './errors.js';
import type { QueryMeta } from '../structs/rpc.js';

const gzipAsync = promisify(gzip);
/** Go's gziphandler default: smaller bodies are not worth compressing. */
const GZIP_MIN_SIZE = 1400;
/** Bodies of requests we never expect to be large (JSON definitions): 8 MiB ceiling, like Consul's decoders in practice. */
export const DEFAULT_BODY_LIMIT = 8 * 1024 * 1024;

export interface ResponseDefaults {
  /** http_config.response_headers plus X-Consul-Default-ACL-Policy, as name, value, name, value, ... */
  headers: readonly string[];
  /** -dev pretty-prints every JSON answer. */
  alwaysPretty: boolean;
}

export class Ctx {
  readonly method: string;
  readonly path: string;
  readonly rawPath: string;
  readonly pretty: boolean;
  /** Params captured by the route (the part after a prefix pattern). */
  rest = '';
  private sent = false;
  /** Headers of the answer, as name, value, ...: handed to writeHead in one go, which skips the
   *  per-header bookkeeping of setHeader (a measurable share of a small read's cost). */
  private readonly headers: string[] = [];
  private metaAt = -1;
  /** Built on first use: most reads carry no query string, and URLSearchParams is not free. */
  private params: URLSearchParams | null = null;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    rawPath: string,
    path: string,
    readonly rawQuery: string,
    private readonly defaults: ResponseDefaults,
  ) {
    this.method = req.method ?? 'GET';
    this.rawPath = rawPath;
    this.path = path;
    this.pretty = defaults.alwaysPretty || this.has('pretty');
  }

  get query(): URLSearchParams {
    return (this.params ??= new URLSearchParams(this.rawQuery));
  }

  /** Presence flag (?stale, ?recurse, ...): the value does not matter. */
  has(name: string): boolean {
    return this.rawQuery !== '' && this.query.has(name);
  }

  get(name: string): string | null {
    return this.rawQuery === '' ? null : this.query.get(name);
  }

  /**
   * One request header by its lower-case name, read from rawHeaders: req.headers builds an object
   * of every header on first use, which the read path has no other reason to pay for.
   */
  requestHeader(name: string): string | undefined {
    const raw = this.req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const k = raw[i]!;
      if (k.length === name.length && k.toLowerCase() === name) return raw[i + 1];
    }
    return undefined;
  }

  get isSent(): boolean {
    return this.sent;
  }

  /** Reads the whole body; past `limit` bytes answers 413 through `tooLarge`. */
  body(limit: number, tooLarge?: (size: number) => HttpError): Promise<Buffer> {
    const declared = Number(this.requestHeader('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > limit) {
      this.req.resume();
      return Promise.reject(tooLarge ? tooLarge(declared) : new HttpError(413, 'Request body too large'));
    }
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let failed = false;
      this.req.on('data', (c: Buffer) => {
        if (failed) return;
        size += c.length;
        if (size > limit) {
          failed = true;
          reject(tooLarge ? tooLarge(size) : new HttpError(413, 'Request body too large'));
          return;
        }
        chunks.push(c);
      });
      this.req.on('end', () => {
        if (!failed) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
      });
      this.req.on('error', (e) => {
        if (!failed) reject(e);
      });
    });
  }

  /** Decodes a JSON body; an empty body yields undefined. Errors read as Consul's `Request decode failed: ...`. */
  async json(limit = DEFAULT_BODY_LIMIT): Promise<unknown> {
    const buf = await this.body(limit);
    if (buf.length === 0) return undefined;
    try {
      return JSON.parse(buf.toString('utf8'));
    } catch (err) {
      throw new HttpError(400, `Request decode failed: ${goJsonError(err as Error, buf)}`);
    }
  }

  /** Sets the X-Consul-* read headers; a second call replaces the first's values. */
  setMeta(meta: QueryMeta): void {
    if (this.metaAt < 0) {
      this.metaAt = this.headers.length;
      this.headers.push('X-Consul-Index', '', 'X-Consul-KnownLeader', '', 'X-Consul-LastContact', '', 'X-Consul-Effective-Consistency', '');
    }
    const h = this.headers;
    const at = this.metaAt;
    h[at + 1] = String(Math.max(1, meta.Index));
    h[at + 3] = meta.KnownLeader ? 'true' : 'false';
    h[at + 5] = String(Math.max(0, Math.round(meta.LastContactMs)));
    h[at + 7] = meta.ConsistencyLevel;
  }

  sendJson(value: unknown, status = 200): Sent {
    return this.sendJsonText(encodeJson(value, this.pretty), status);
  }

  /** JSON text the caller encoded already (a hot path's own encoder). */
  sendJsonText(text: string, status = 200): Sent {
    return this.send(status, text, 'application/json');
  }

  sendText(status: number, text: string): Sent {
    return this.send(status, text, 'text/plain; charset=utf-8');
  }

  sendEmpty(status = 200): Sent {
    return this.send(status, '', null);
  }

  /**
   * Writes the answer. Synchronous (no promise) unless the body is gzipped, so that a read answered
   * at once goes out within the request's own event-loop turn.
   */
  send(status: number, body: string | Buffer, contentType: string | null): Sent {
    if (this.sent) return;
    this.sent = true;
    const h = this.headers;
    const defaults = this.defaults.headers;
    for (let i = 0; i < defaults.length; i++) h.push(defaults[i]!);
    if (contentType && body.length > 0) h.push('Content-Type', contentType);
    if (body.length >= GZIP_MIN_SIZE && acceptsGzip(this.req)) {
      return gzipAsync(typeof body === 'string' ? Buffer.from(body) : body).then((zipped) => {
        h.push('Content-Encoding', 'gzip', 'Vary', 'Accept-Encoding');
        this.finish(status, zipped);
      });
    }
    this.finish(status, body);
  }

  private finish(status: number, payload: string | Buffer): void {
    this.headers.push('Content-Length', String(typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length));
    this.res.writeHead(status, this.headers);
    this.res.end(payload);
  }
}

/** What a send returns: nothing once written, or a promise while the body is being compressed. */
export type Sent = void | Promise<void>;

function acceptsGzip(req: IncomingMessage): boolean {
  const ae = req.headers['accept-encoding'];
  return typeof ae === 'string' && ae.includes('gzip');
}

/** Approximates Go's json decoder messages for the common failures. */
function goJsonError(err: Error, buf: Buffer): string {
  const text = buf.toString('utf8').trim();
  if (text.length === 0) return 'EOF';
  const m = /position (\d+)/.exec(err.message);
  if (m) {
    const pos = Number(m[1]);
    if (pos >= text.length) return 'unexpected EOF';
    return `invalid character '${text[pos]}' looking for beginning of value`;
  }
  if (/Unexpected end/.test(err.message)) return 'unexpected EOF';
  return err.message;
}
