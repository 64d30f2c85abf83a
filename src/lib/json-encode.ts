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

// A non-enumerable symbol property (not a WeakSet: thousands of weak entries slow the GC down).
const GO_MAP = Symbol('goMap');

/** Marks a plain object as a Go map: its keys are written in sorted order. Returns the object. */
export function goMap<T extends object>(obj: T): T {
  Object.defineProperty(obj, GO_MAP, { value: true, enumerable: false });
  return obj;
}

function isGoMap(obj: object): boolean {
  return (obj as { [GO_MAP]?: boolean })[GO_MAP] === true;
}

/** Serialises `value` like Go's json.Marshal (pretty: MarshalIndent with 4 spaces + "\n"). */
export function encodeJson(value: unknown, pretty: boolean): string {
  const text = (plainJson(value) ? nativeJson(value, pretty) : null) ?? new Encoder(pretty).encode(value);
  return pretty ? text + '\n' : text;
}

/** Nesting beyond this is refused (Go stops at 1000 pointer levels to report cycles). */
export const JSON_DEPTH_MAX = 1000;

// ---- fast path: JSON.stringify when the value holds nothing Go would write differently ----

/**
 * True when JSON.stringify's text differs from Go's only in escaping <, >, &, U+2028, U+2029
 * and lone surrogates: no bigint, bytes, Map, goMap object, toJSON or non-finite number.
 */
function plainJson(value: unknown, depth = 0): boolean {
  switch (typeof value) {
    case 'string': return true;
    case 'number': return Number.isFinite(value);
    case 'boolean': case 'undefined': return true;
    case 'object': break;
    default: return false;
  }
  if (value === null) return true;
  if (depth > JSON_DEPTH_MAX) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (!plainJson(item, depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(value);
  if ((proto !== Object.prototype && proto !== null) || isGoMap(value)) return false;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  for (const key in value) {
    if (!plainJson((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

const HTML_UNSAFE = /[<>&\u2028\u2029]/g;
const HTML_ESCAPES: Record<string, string> = {
  '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029',
};

// JSON.stringify writes a lone surrogate as \udXXX where Go writes \ufffd; any such text
// (or a literal backslash-u-d8.. a user wrote) sends the value down the general path.
const SURROGATE_ESCAPE = /\\ud[89a-f]/i;

/** JSON.stringify with Go's extra escapes, or null when the general path must decide. */
function nativeJson(value: unknown, pretty: boolean): string | null {
  const text = JSON.stringify(value, null, pretty ? 4 : undefined) ?? 'null';
  if (SURROGATE_ESCAPE.test(text)) return null;
  // These characters can only occur inside string literals of JSON text.
  return text.replace(HTML_UNSAFE, (c) => HTML_ESCAPES[c]!);
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

/** The general path: every value kind Go knows, written piece by piece. */
class Encoder {
  private depth = 0;

  constructor(private readonly pretty: boolean) {}

  encode(value: unknown): string {
    return this.write(value, '') ?? 'null';
  }

  /** The JSON text of `value`, or undefined for values JSON omits. */
  private write(value: unknown, indent: string): string | undefined {
    switch (typeof value) {
      case 'string': return quoteJsonString(value);
      case 'number':
        if (!Number.isFinite(value)) {
          throw new JsonEncodeError(`json: unsupported value: ${goFloatName(value)}`);
        }
        return String(value);
      case 'bigint': return value.toString();
      case 'boolean': return value ? 'true' : 'false';
      case 'undefined': case 'function': case 'symbol': return undefined;
    }
    if (value === null) return 'null';
    const obj = value as object;
    if (obj instanceof Uint8Array) return `"${base64(obj)}"`; // before toJSON: Buffer has one
    if (typeof (obj as { toJSON?: unknown }).toJSON === 'function' && !(obj instanceof Map)) {
      return this.write((obj as { toJSON(): unknown }).toJSON(), indent);
    }
    if (++this.depth > JSON_DEPTH_MAX) {
      throw new JsonEncodeError('json: unsupported value: encountered a cycle or nesting too deep');
    }
    try {
      if (Array.isArray(obj)) return this.writeArray(obj, indent);
      if (obj instanceof Map) return this.writeEntries(sortedMapEntries(obj), indent);
      const entries = Object.entries(obj);
      if (isGoMap(obj)) entries.sort((a, b) => compareKeys(a[0], b[0]));
      return this.writeEntries(entries, indent);
    } finally {
      this.depth--;
    }
  }

  // Pieces are joined per container: join() yields flat strings, where += would build long-lived
  // rope trees that the garbage collector then has to trace again and again.
  private writeArray(items: unknown[], indent: string): string {
    if (items.length === 0) return '[]';
    const inner = indent + '    ';
    const parts: string[] = [];
    for (const item of items) parts.push(this.write(item, inner) ?? 'null');
    if (!this.pretty) return '[' + parts.join(',') + ']';
    return '[\n' + inner + parts.join(',\n' + inner) + '\n' + indent + ']';
  }

  private writeEntries(entries: Array<[string, unknown]>, indent: string): string {
    const inner = indent + '    ';
    const parts: string[] = [];
    const colon = this.pretty ? ': ' : ':';
    for (const [key, v] of entries) {
      const text = this.write(v, inner);
      if (text !== undefined) parts.push(quoteJsonString(key) + colon + text);
    }
    if (parts.length === 0) return '{}';
    if (!this.pretty) return '{' + parts.join(',') + '}';
    return '{\n' + inner + parts.join(',\n' + inner) + '\n' + indent + '}';
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
