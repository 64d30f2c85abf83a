// JSON text as Go's encoding/json writes it, which is what Consul's HTTP API answers with:
//   - strings escape <, > and & as \u003c \u003e \u0026 (Go's HTML-safe default), U+2028 and
//     U+2029 as \u2028 \u2029, control characters as \n \r \t \b \f or \u00XX (lower-case hex),
//     and invalid UTF-16 (a lone surrogate, Go's invalid UTF-8) as \ufffd;
//   - bigint values print as exact integers (uint64 KV Flags and indexes above 2^53);
//   - Uint8Array values are []byte: standard base64 strings (KV Value);
//   - Map values are Go maps: keys sorted in byte order. Plain objects are Go structs and keep
//     their key order, unless tagged with goMap() (a map built as a plain object);
//   - pretty: json.MarshalIndent(v, "", "    ") plus the trailing newline Consul appends.
// NaN and ±Infinity are refused as Go refuses them ("json: unsupported value: NaN").
// Like JSON.stringify, undefined / function / symbol properties are omitted and toJSON() is used.

export class JsonEncodeError extends Error {
  override name = 'JsonEncodeError';
}

const mapTags = new WeakSet<object>();

/** Marks a plain object as a Go map: its keys are written in sorted order. Returns the object. */
export function goMap<T extends object>(obj: T): T {
  mapTags.add(obj);
  return obj;
}

/** Serialises `value` like Go's json.Marshal (pretty: MarshalIndent with 4 spaces + "\n"). */
export function encodeJson(value: unknown, pretty: boolean): string {
  const out: string[] = [];
  const encoder = new Encoder(out, pretty);
  if (!encoder.write(value, '')) out.push('null');
  if (pretty) out.push('\n');
  return out.join('');
}

const HEX = '0123456789abcdef';
// Characters that need more than copying: controls, quote, backslash, HTML-unsafe, line
// separators and surrogates (to find lone ones).
const NEEDS_ESCAPE = /[\u0000-\u001f"\\<>&\u2028\u2029\ud800-\udfff]/;

/** A Go-escaped JSON string literal. */
export function quoteJsonString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  let out = '"';
  let run = 0; // start of the pending run of plain characters
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | null = null;
    if (c < 0x20) {
      switch (c) {
        case 0x0a: esc = '\\n'; break;
        case 0x0d: esc = '\\r'; break;
        case 0x09: esc = '\\t'; break;
        case 0x08: esc = '\\b'; break;
        case 0x0c: esc = '\\f'; break;
        default: esc = '\\u00' + HEX[c >> 4]! + HEX[c & 0xf]!;
      }
    } else if (c === 0x22) esc = '\\"';
    else if (c === 0x5c) esc = '\\\\';
    else if (c === 0x3c) esc = '\\u003c';
    else if (c === 0x3e) esc = '\\u003e';
    else if (c === 0x26) esc = '\\u0026';
    else if (c === 0x2028) esc = '\\u2028';
    else if (c === 0x2029) esc = '\\u2029';
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++; // a proper pair: copied as is
        continue;
      }
      esc = '\\ufffd';
    } else if (c >= 0xdc00 && c <= 0xdfff) esc = '\\ufffd';
    if (esc !== null) {
      out += s.slice(run, i) + esc;
      run = i + 1;
    }
  }
  return out + s.slice(run) + '"';
}

function compareKeys(a: string, b: string): number {
  // Go sorts map keys as UTF-8 bytes, i.e. by code point (not by UTF-16 unit).
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

class Encoder {
  private readonly seen = new Set<object>();

  constructor(
    private readonly out: string[],
    private readonly pretty: boolean,
  ) {}

  /** Writes `value`; returns false (writing nothing) for values JSON omits. */
  write(value: unknown, indent: string): boolean {
    switch (typeof value) {
      case 'string':
        this.out.push(quoteJsonString(value));
        return true;
      case 'number':
        if (!Number.isFinite(value)) {
          throw new JsonEncodeError(`json: unsupported value: ${goFloatName(value)}`);
        }
        this.out.push(String(value));
        return true;
      case 'bigint':
        this.out.push(value.toString());
        return true;
      case 'boolean':
        this.out.push(value ? 'true' : 'false');
        return true;
      case 'undefined':
      case 'function':
      case 'symbol':
        return false;
    }
    if (value === null) {
      this.out.push('null');
      return true;
    }
    const obj = value as object;
    if (obj instanceof Uint8Array) {
      // Checked before toJSON: a Buffer's toJSON would give {"type":"Buffer",...}.
      this.out.push(`"${base64(obj)}"`);
      return true;
    }
    if (typeof (obj as { toJSON?: unknown }).toJSON === 'function' && !(obj instanceof Map)) {
      return this.write((obj as { toJSON(): unknown }).toJSON(), indent);
    }
    if (this.seen.has(obj)) throw new JsonEncodeError('json: unsupported value: encountered a cycle');
    this.seen.add(obj);
    try {
      if (Array.isArray(obj)) this.writeArray(obj, indent);
      else if (obj instanceof Map) this.writeEntries(sortedMapEntries(obj), indent);
      else {
        const entries = Object.entries(obj);
        if (mapTags.has(obj)) entries.sort((a, b) => compareKeys(a[0], b[0]));
        this.writeEntries(entries, indent);
      }
    } finally {
      this.seen.delete(obj);
    }
    return true;
  }

  private writeArray(items: unknown[], indent: string): void {
    if (items.length === 0) {
      this.out.push('[]');
      return;
    }
    const inner = indent + '    ';
    this.out.push('[');
    items.forEach((item, i) => {
      if (i > 0) this.out.push(',');
      if (this.pretty) this.out.push('\n', inner);
      if (!this.write(item, inner)) this.out.push('null');
    });
    if (this.pretty) this.out.push('\n', indent);
    this.out.push(']');
  }

  private writeEntries(entries: Array<[string, unknown]>, indent: string): void {
    const inner = indent + '    ';
    let first = true;
    this.out.push('{');
    for (const [key, v] of entries) {
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      if (!first) this.out.push(',');
      first = false;
      if (this.pretty) this.out.push('\n', inner);
      this.out.push(quoteJsonString(key), this.pretty ? ': ' : ':');
      this.write(v, inner);
    }
    if (this.pretty && !first) this.out.push('\n', indent);
    this.out.push('}');
  }
}

function sortedMapEntries(map: Map<unknown, unknown>): Array<[string, unknown]> {
  const entries = [...map].map(([k, v]): [string, unknown] => [String(k), v]);
  return entries.sort((a, b) => compareKeys(a[0], b[0]));
}

function goFloatName(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  return n > 0 ? '+Inf' : '-Inf';
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function base64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + '=';
  }
  return out;
}
