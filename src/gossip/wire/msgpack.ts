// MessagePack as hashicorp/go-msgpack's MsgpackHandle{} writes it (the handle memberlist and serf use).
//
// Go's handle runs in the "old spec" mode (WriteExt false): strings AND []byte are both written as raw
// (fixstr 0xa0-0xbf, raw16 0xda, raw32 0xdb; never str8 0xd9 nor bin 0xc4-0xc6), []uint8 is []byte, structs are
// maps keyed by the Go field name, unsigned ints use the smallest of fixint/uint8/16/32/64, signed ints the
// smallest of fixint/int8/16/32/64. We write exactly that, and read every msgpack form (a newer peer may send bin).
//
// Decoding is defensive: every read is bounds-checked, a container may not claim more elements than there are
// bytes left, nesting is capped, and any fault is a WireError (never a crash, never an unbounded allocation).
import { WireError } from './errors.js';

/** A decoded msgpack value. Raw (str/bin) stays bytes: the old spec cannot tell a string from []byte. */
export type MpValue = null | boolean | number | Uint8Array | MpValue[] | MpMap;
export type MpMap = Map<string, MpValue>;

const DEPTH_MAX = 32;
const utf8 = new TextDecoder('utf-8', { fatal: false });
const utf8Encoder = new TextEncoder();

export class MpWriter {
  private buf: Buffer;
  private len = 0;

  constructor(capacity = 256) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  byte(b: number): this {
    this.room(1);
    this.buf[this.len++] = b & 0xff;
    return this;
  }

  raw(bytes: Uint8Array): this {
    this.room(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
    return this;
  }

  nil(): this {
    return this.byte(0xc0);
  }

  bool(v: boolean): this {
    return this.byte(v ? 0xc3 : 0xc2);
  }

  /** Go EncodeUint: fixint, 0xcc, 0xcd, 0xce, 0xcf. */
  uint(v: number): this {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`uint out of range: ${v}`);
    this.room(9);
    if (v <= 0x7f) this.buf[this.len++] = v;
    else if (v <= 0xff) {
      this.buf[this.len++] = 0xcc;
      this.buf[this.len++] = v;
    } else if (v <= 0xffff) {
      this.buf[this.len++] = 0xcd;
      this.buf.writeUInt16BE(v, this.len);
      this.len += 2;
    } else if (v <= 0xffffffff) {
      this.buf[this.len++] = 0xce;
      this.buf.writeUInt32BE(v, this.len);
      this.len += 4;
    } else {
      this.buf[this.len++] = 0xcf;
      this.buf.writeBigUInt64BE(BigInt(v), this.len);
      this.len += 8;
    }
    return this;
  }

  /** Go EncodeInt (Go `int` fields such as pushPullHeader.Nodes). */
  int(v: number): this {
    if (!Number.isInteger(v)) throw new RangeError(`int out of range: ${v}`);
    this.room(9);
    if (v > 0x7f) {
      if (v <= 0x7fff) {
        this.buf[this.len++] = 0xd1;
        this.buf.writeInt16BE(v, this.len);
        this.len += 2;
      } else if (v <= 0x7fffffff) {
        this.buf[this.len++] = 0xd2;
        this.buf.writeInt32BE(v, this.len);
        this.len += 4;
      } else {
        this.buf[this.len++] = 0xd3;
        this.buf.writeBigInt64BE(BigInt(v), this.len);
        this.len += 8;
      }
    } else if (v >= -32) {
      this.buf[this.len++] = v & 0xff;
    } else if (v >= -128) {
      this.buf[this.len++] = 0xd0;
      this.buf.writeInt8(v, this.len);
      this.len += 1;
    } else if (v >= -32768) {
      this.buf[this.len++] = 0xd1;
      this.buf.writeInt16BE(v, this.len);
      this.len += 2;
    } else {
      this.buf[this.len++] = 0xd2;
      this.buf.writeInt32BE(v, this.len);
      this.len += 4;
    }
    return this;
  }

  private rawHeader(n: number): void {
    this.room(5);
    if (n < 32) this.buf[this.len++] = 0xa0 | n;
    else if (n <= 0xffff) {
      this.buf[this.len++] = 0xda;
      this.buf.writeUInt16BE(n, this.len);
      this.len += 2;
    } else {
      this.buf[this.len++] = 0xdb;
      this.buf.writeUInt32BE(n, this.len);
      this.len += 4;
    }
  }

  str(s: string): this {
    const b = utf8Encoder.encode(s);
    this.rawHeader(b.length);
    return this.raw(b);
  }

  /** []byte: raw in the old spec. A nil slice is msgpack nil, as Go writes it. */
  bytes(b: Uint8Array | null): this {
    if (b === null) return this.nil();
    this.rawHeader(b.length);
    return this.raw(b);
  }

  mapHeader(n: number): this {
    this.room(5);
    if (n < 16) this.buf[this.len++] = 0x80 | n;
    else if (n <= 0xffff) {
      this.buf[this.len++] = 0xde;
      this.buf.writeUInt16BE(n, this.len);
      this.len += 2;
    } else {
      this.buf[this.len++] = 0xdf;
      this.buf.writeUInt32BE(n, this.len);
      this.len += 4;
    }
    return this;
  }

  arrayHeader(n: number): this {
    this.room(5);
    if (n < 16) this.buf[this.len++] = 0x90 | n;
    else if (n <= 0xffff) {
      this.buf[this.len++] = 0xdc;
      this.buf.writeUInt16BE(n, this.len);
      this.len += 2;
    } else {
      this.buf[this.len++] = 0xdd;
      this.buf.writeUInt32BE(n, this.len);
      this.len += 4;
    }
    return this;
  }

  /** map[string]string with keys in sorted order (deterministic bytes; Go's order is random). */
  stringMap(m: Record<string, string>): this {
    const keys = Object.keys(m).sort();
    this.mapHeader(keys.length);
    for (const k of keys) this.str(k).str(m[k]!);
    return this;
  }

  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}

/** Decodes one msgpack value at `offset`; throws WireError('truncated'|'malformed'). */
export function mpDecode(buf: Uint8Array, offset = 0): { value: MpValue; offset: number } {
  const r = new Reader(buf, offset);
  const value = r.value(0);
  return { value, offset: r.pos };
}

/** Decodes exactly one value that must fill `buf` up to its end (trailing bytes are tolerated, as Go does). */
export function mpDecodeOne(buf: Uint8Array): MpValue {
  return mpDecode(buf, 0).value;
}

class Reader {
  private readonly view: DataView;
  constructor(
    private readonly buf: Uint8Array,
    public pos: number,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new WireError('truncated', 'msgpack value is truncated');
  }

  private u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  private u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }
  private u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  private bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  private count(n: number, minBytesEach: number): number {
    // A container cannot hold more elements than the bytes left could encode: refuses huge length prefixes.
    if (n * minBytesEach > this.buf.length - this.pos) {
      throw new WireError('truncated', `msgpack container claims ${n} elements, more than the input holds`);
    }
    return n;
  }

  value(depth: number): MpValue {
    if (depth > DEPTH_MAX) throw new WireError('malformed', 'msgpack nesting too deep');
    const b = this.u8();
    if (b <= 0x7f) return b;
    if (b >= 0xe0) return b - 0x100;
    if (b >= 0xa0 && b <= 0xbf) return this.bytes(b & 0x1f);
    if (b >= 0x90 && b <= 0x9f) return this.array(b & 0x0f, depth);
    if (b >= 0x80 && b <= 0x8f) return this.map(b & 0x0f, depth);
    switch (b) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
      case 0xd9:
        return this.bytes(this.u8());
      case 0xc5:
      case 0xda:
        return this.bytes(this.u16());
      case 0xc6:
      case 0xdb:
        return this.bytes(this.u32());
      case 0xc7:
        return this.ext(this.u8());
      case 0xc8:
        return this.ext(this.u16());
      case 0xc9:
        return this.ext(this.u32());
      case 0xca: {
        this.need(4);
        const v = this.view.getFloat32(this.pos);
        this.pos += 4;
        return v;
      }
      case 0xcb: {
        this.need(8);
        const v = this.view.getFloat64(this.pos);
        this.pos += 8;
        return v;
      }
      case 0xcc:
        return this.u8();
      case 0xcd:
        return this.u16();
      case 0xce:
        return this.u32();
      case 0xcf: {
        this.need(8);
        const v = this.view.getBigUint64(this.pos);
        this.pos += 8;
        return Number(v);
      }
      case 0xd0: {
        this.need(1);
        return this.view.getInt8(this.pos++);
      }
      case 0xd1: {
        this.need(2);
        const v = this.view.getInt16(this.pos);
        this.pos += 2;
        return v;
      }
      case 0xd2: {
        this.need(4);
        const v = this.view.getInt32(this.pos);
        this.pos += 4;
        return v;
      }
      case 0xd3: {
        this.need(8);
        const v = this.view.getBigInt64(this.pos);
        this.pos += 8;
        return Number(v);
      }
      case 0xd4:
        return this.ext(1);
      case 0xd5:
        return this.ext(2);
      case 0xd6:
        return this.ext(4);
      case 0xd7:
        return this.ext(8);
      case 0xd8:
        return this.ext(16);
      case 0xdc:
        return this.array(this.u16(), depth);
      case 0xdd:
        return this.array(this.u32(), depth);
      case 0xde:
        return this.map(this.u16(), depth);
      case 0xdf:
        return this.map(this.u32(), depth);
      default:
        throw new WireError('malformed', `msgpack: reserved byte 0x${b.toString(16)}`);
    }
  }

  private ext(n: number): Uint8Array {
    this.u8(); // ext type: we carry none, so the payload is kept as bytes
    return this.bytes(n);
  }

  private array(n: number, depth: number): MpValue[] {
    const len = this.count(n, 1);
    const out: MpValue[] = [];
    for (let i = 0; i < len; i++) out.push(this.value(depth + 1));
    return out;
  }

  private map(n: number, depth: number): MpMap {
    const len = this.count(n, 2);
    const out: MpMap = new Map();
    for (let i = 0; i < len; i++) {
      const k = this.value(depth + 1);
      const v = this.value(depth + 1);
      out.set(keyString(k), v);
    }
    return out;
  }
}

function keyString(k: MpValue): string {
  if (k instanceof Uint8Array) return utf8.decode(k);
  if (typeof k === 'number' || typeof k === 'boolean') return String(k);
  if (k === null) return '';
  throw new WireError('malformed', 'msgpack map key is not a scalar');
}

// ---- typed field readers with Go's zero-value semantics (a missing field is its zero value) ----

export function asMap(v: MpValue, what: string): MpMap {
  if (v instanceof Map) return v;
  throw new WireError('malformed', `${what}: expected a msgpack map`);
}

export function fUint(m: MpMap, key: string, max = 0xffffffff): number {
  const v = m.get(key);
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
    throw new WireError('malformed', `field ${key}: expected an unsigned integer <= ${max}`);
  }
  return v;
}

export function fInt(m: MpMap, key: string): number {
  const v = m.get(key);
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new WireError('malformed', `field ${key}: expected an integer`);
  return v;
}

export function fBool(m: MpMap, key: string): boolean {
  const v = m.get(key);
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new WireError('malformed', `field ${key}: expected a bool`);
  return v;
}

export function fBytes(m: MpMap, key: string): Uint8Array {
  return asBytes(m.get(key), key);
}

export function asBytes(v: MpValue | undefined, key: string): Uint8Array {
  if (v === undefined || v === null) return new Uint8Array(0);
  if (v instanceof Uint8Array) return v;
  // Go accepts an array of small ints for []byte as well.
  if (Array.isArray(v) && v.every((x) => typeof x === 'number' && x >= 0 && x <= 255)) {
    return Uint8Array.from(v as number[]);
  }
  throw new WireError('malformed', `field ${key}: expected bytes`);
}

export function fStr(m: MpMap, key: string): string {
  const v = m.get(key);
  return asStr(v, key);
}

export function asStr(v: MpValue | undefined, key: string): string {
  if (v === undefined || v === null) return '';
  if (v instanceof Uint8Array) return utf8.decode(v);
  throw new WireError('malformed', `field ${key}: expected a string`);
}

export function fArray(m: MpMap, key: string): MpValue[] {
  const v = m.get(key);
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v;
  throw new WireError('malformed', `field ${key}: expected an array`);
}

export function fMap(m: MpMap, key: string): MpMap {
  const v = m.get(key);
  if (v === undefined || v === null) return new Map();
  if (v instanceof Map) return v;
  throw new WireError('malformed', `field ${key}: expected a map`);
}
