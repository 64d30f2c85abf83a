// The HTTP/1.1 a health check needs, and no more: one request on a fresh connection that the server is
// asked to close ("Connection: close"), and an incremental parser for the one response (status line,
// the three headers a check reads, and a Content-Length, chunked or read-to-EOF body).
//
// Why not node:http: a check is one request per connection, and http.ClientRequest/IncomingMessage
// build an Agent, a parser from a pool, two streams and a dozen listeners for it. At 1,000 checks that
// bookkeeping was most of the agent's CPU. Bodies only feed the check's output, so they go straight into
// a TailBuffer without being kept.
import { TailBuffer } from './output.js';

export const USER_AGENT = 'Consul Health Check';
export const ACCEPT = 'text/plain, text/*, */*';
/** Larger response heads are refused: a health endpoint has no business sending them. */
const MAX_HEAD_BYTES = 64 * 1024;

/** Methods for which Go's client sends "Content-Length: 0" with an empty body. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** The request head and body for one hop, as bytes ready to write. */
export function encodeRequest(method: string, url: URL, header: Record<string, string[]>, body: string): Buffer {
  const path = (url.pathname || '/') + url.search;
  let host = url.host;
  let ua = USER_AGENT;
  let accept = ACCEPT;
  let extra = '';
  for (const [name, values] of Object.entries(header)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new Error(`net/http: invalid header field name ${JSON.stringify(name)}`);
    if (values.some((v) => /[\r\n\0]/.test(v))) throw new Error(`net/http: invalid header field value for ${JSON.stringify(name)}`);
    const lower = name.toLowerCase();
    // Consul: a Host header sets the request's Host; User-Agent and Accept replace the defaults.
    if (lower === 'host') host = values[0] ?? host;
    else if (lower === 'user-agent') ua = values[0] ?? ua;
    else if (lower === 'accept') accept = values[0] ?? accept;
    else if (lower !== 'connection' && lower !== 'content-length') for (const v of values) extra += `${name}: ${v}\r\n`;
  }
  const len = Buffer.byteLength(body);
  const cl = len > 0 || BODY_METHODS.has(method) ? `Content-Length: ${len}\r\n` : '';
  const head = `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ${ua}\r\nAccept: ${accept}\r\n${extra}${cl}Connection: close\r\n\r\n`;
  return len > 0 ? Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body)]) : Buffer.from(head, 'latin1');
}

export interface ResponseHead {
  code: number;
  /** "200 OK" as the server sent it (Go's resp.Status). */
  status: string;
  location: string;
}

type BodyMode = 'none' | 'length' | 'chunked' | 'eof';

/**
 * Feeds on socket chunks; `head` is set once the status line and headers are in, `done` once the body
 * is complete. Interim 1xx responses are skipped. Throws on a malformed response. Chunks may be views
 * of a read buffer that is reused (net's `onread`): whatever is kept is copied.
 */
export class ResponseParser {
  head: ResponseHead | null = null;
  done = false;
  readonly body: TailBuffer;
  private pending: Buffer | null = null;
  private mode: BodyMode = 'eof';
  private remaining = 0;
  /** Chunked decoding: reading a size line (-1), chunk data (>0 left), or the CRLF after data (-2). */
  private chunkLeft = -1;

  constructor(
    outputMax: number,
    private readonly headOnly: boolean,
  ) {
    this.body = new TailBuffer(outputMax);
  }

  push(chunk: Buffer): void {
    if (this.done) return;
    let buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    while (!this.head) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > MAX_HEAD_BYTES) throw new Error('net/http: server response headers exceeded 65536 bytes; aborted');
        this.pending = Buffer.from(buf);
        return;
      }
      const parsed = this.parseHead(buf.toString('latin1', 0, end));
      buf = buf.subarray(end + 4);
      if (parsed) this.head = parsed;
      if (this.done) return;
    }
    if (buf.length > 0) this.pushBody(buf);
  }

  /** The connection ended: a read-to-EOF body is complete; anything else cut short is still accepted. */
  end(): void {
    this.done = true;
  }

  private parseHead(text: string): ResponseHead | null {
    const lines = text.split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(lines[0] ?? '');
    if (!m) throw new Error(`net/http: malformed HTTP response ${JSON.stringify(lines[0] ?? '')}`);
    const code = Number(m[1]);
    if (code >= 100 && code < 200 && code !== 101) return null; // interim response: the real one follows
    let length = -1;
    let chunked = false;
    let location = '';
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') length = Number(value);
      else if (name === 'transfer-encoding') chunked = /chunked/i.test(value);
      else if (name === 'location') location = value;
    }
    if (this.headOnly || code === 204 || code === 304) this.mode = 'none';
    else if (chunked) this.mode = 'chunked';
    else if (length >= 0 && Number.isFinite(length)) this.mode = 'length';
    this.remaining = length;
    if (this.mode === 'none' || (this.mode === 'length' && length === 0)) this.done = true;
    return { code, status: `${m[1]} ${m[2] ?? ''}`.trimEnd(), location };
  }

  private pushBody(buf: Buffer): void {
    if (this.mode === 'eof') return this.body.push(Buffer.from(buf));
    if (this.mode === 'length') {
      const take = buf.length > this.remaining ? buf.subarray(0, this.remaining) : buf;
      this.body.push(Buffer.from(take));
      this.remaining -= take.length;
      if (this.remaining <= 0) this.done = true;
      return;
    }
    if (this.mode === 'chunked') this.pushChunked(buf);
  }

  private pushChunked(buf: Buffer): void {
    let at = 0;
    while (at < buf.length && !this.done) {
      if (this.chunkLeft > 0) {
        const n = Math.min(this.chunkLeft, buf.length - at);
        this.body.push(Buffer.from(buf.subarray(at, at + n)));
        this.chunkLeft -= n;
        at += n;
        if (this.chunkLeft === 0) this.chunkLeft = -2;
        continue;
      }
      const eol = buf.indexOf('\r\n', at);
      if (eol < 0) {
        this.pending = Buffer.from(buf.subarray(at));
        return;
      }
      if (this.chunkLeft === -2) {
        this.chunkLeft = -1; // the CRLF that closes a chunk's data
      } else {
        const size = parseInt(buf.toString('latin1', at, eol).split(';')[0]!.trim(), 16);
        if (!Number.isFinite(size) || size < 0) throw new Error('net/http: invalid chunk length');
        if (size === 0) this.done = true; // trailers are not read: nothing more is needed
        else this.chunkLeft = size;
      }
      at = eol + 2;
    }
  }
}
