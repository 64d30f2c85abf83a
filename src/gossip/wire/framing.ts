// Packet framing around memberlist messages: label header, CRC32 wrapper, compression and compound messages.
//
// Outbound packet, outermost first:  [hasLabel len label]? [hasCrc crc32(be)]? message
// where message is one typed message, a compound (7, count, count x u16 lengths, parts) or compress (9, msgpack
// {Algo, Buf}) that holds a message. Inbound we peel the same layers; a packet may nest compress/compound.
import { crc32 } from './crc32.js';
import { WireError } from './errors.js';
import { lzwCompress, lzwDecompress } from './lzw.js';
import { MessageType, readCompress, writeCompress } from './messages.js';
import { MpWriter, asMap, mpDecode } from './msgpack.js';

/** Largest payload a decompression may produce (a bomb is an error, not an allocation). */
export const DECOMPRESSED_BYTES_MAX = 8 * 1024 * 1024;
/** Compound nesting / compress nesting we follow before calling the packet malformed. */
const NESTING_MAX = 4;
export const LZW_ALGO = 0;

/** One typed message found in a packet: its type byte and body (the bytes after the type byte). */
export interface RawMessage {
  type: number;
  body: Uint8Array;
}

export function addLabelHeader(buf: Uint8Array, label: string): Buffer {
  if (!label) return Buffer.from(buf);
  const l = Buffer.from(label, 'utf8');
  if (l.length > 255) throw new RangeError('label is longer than 255 bytes');
  return Buffer.concat([Buffer.from([MessageType.hasLabel, l.length]), l, buf]);
}

/** Strips a label header if present; returns the label ('' when none). */
export function removeLabelHeader(buf: Uint8Array): { label: string; rest: Uint8Array } {
  if (buf.length === 0 || buf[0] !== MessageType.hasLabel) return { label: '', rest: buf };
  if (buf.length < 2) throw new WireError('truncated', 'label header is truncated');
  const n = buf[1]!;
  if (n === 0) throw new WireError('malformed', 'label header has an empty label');
  if (buf.length < 2 + n) throw new WireError('truncated', 'label header is truncated');
  return { label: Buffer.from(buf.subarray(2, 2 + n)).toString('utf8'), rest: buf.subarray(2 + n) };
}

export function addCrc(msg: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + msg.length);
  out[0] = MessageType.hasCrc;
  out.writeUInt32BE(crc32(msg), 1);
  out.set(msg, 5);
  return out;
}

export function makeCompound(msgs: Uint8Array[]): Buffer {
  if (msgs.length > 255) throw new RangeError('a compound message holds at most 255 parts');
  const head = Buffer.allocUnsafe(2 + 2 * msgs.length);
  head[0] = MessageType.compound;
  head[1] = msgs.length;
  msgs.forEach((m, i) => {
    if (m.length > 0xffff) throw new RangeError('a compound part is longer than 65535 bytes');
    head.writeUInt16BE(m.length, 2 + 2 * i);
  });
  return Buffer.concat([head, ...msgs]);
}

/** Splits messages into compounds of at most 255 parts (memberlist's makeCompoundMessages). */
export function makeCompounds(msgs: Uint8Array[]): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < msgs.length; i += 255) out.push(makeCompound(msgs.slice(i, i + 255)));
  return out;
}

/** Parses a compound body (after the type byte). A truncated tail yields the parts that fit plus `truncated`. */
export function splitCompound(body: Uint8Array): { parts: Uint8Array[]; truncated: number } {
  if (body.length < 1) throw new WireError('truncated', 'compound message is missing its part count');
  const n = body[0]!;
  if (body.length < 1 + 2 * n) throw new WireError('truncated', 'compound message is missing part lengths');
  const parts: Uint8Array[] = [];
  let off = 1 + 2 * n;
  for (let i = 0; i < n; i++) {
    const len = (body[1 + 2 * i]! << 8) | body[2 + 2 * i]!;
    if (off + len > body.length) return { parts, truncated: n - i };
    parts.push(body.subarray(off, off + len));
    off += len;
  }
  return { parts, truncated: 0 };
}

/** compressMsg wrapping `msg` (whole message including its type byte). */
export function compressMessage(msg: Uint8Array): Buffer {
  const w = new MpWriter(msg.length + 16);
  w.byte(MessageType.compress);
  writeCompress(w, { Algo: LZW_ALGO, Buf: lzwCompress(msg) });
  return w.finish();
}

/** Decompresses a compress body (after the type byte) into the inner message (type byte first). */
export function decompressBody(body: Uint8Array): Buffer {
  const c = readCompress(asMap(mpDecode(body, 0).value, 'compress'));
  if (c.Algo !== LZW_ALGO) throw new WireError('unsupported', `compression algorithm ${c.Algo}`);
  const out = lzwDecompress(c.Buf, DECOMPRESSED_BYTES_MAX);
  if (out.length === 0) throw new WireError('malformed', 'compressed message is empty');
  return out;
}

/**
 * Peels CRC, compression and compound layers off one packet (after label removal and decryption) and
 * returns the typed messages inside, in order. Faults in one compound part drop only that part; they are
 * reported in `errors`.
 */
export function unpackPacket(buf: Uint8Array): { messages: RawMessage[]; errors: WireError[] } {
  const messages: RawMessage[] = [];
  const errors: WireError[] = [];
  if (buf.length === 0) throw new WireError('truncated', 'empty packet');
  let msg = buf;
  if (msg[0] === MessageType.hasCrc) {
    if (msg.length < 5) throw new WireError('truncated', 'CRC header is truncated');
    const want = ((msg[1]! << 24) | (msg[2]! << 16) | (msg[3]! << 8) | msg[4]!) >>> 0;
    msg = msg.subarray(5);
    if (crc32(msg) !== want) throw new WireError('checksum', 'packet CRC32 mismatch');
  }
  walk(msg, 0, messages, errors);
  return { messages, errors };
}

function walk(msg: Uint8Array, depth: number, out: RawMessage[], errors: WireError[]): void {
  if (depth > NESTING_MAX) throw new WireError('malformed', 'messages nested too deeply');
  if (msg.length === 0) throw new WireError('truncated', 'empty message');
  const type = msg[0]!;
  const body = msg.subarray(1);
  if (type === MessageType.compound) {
    const { parts, truncated } = splitCompound(body);
    if (truncated > 0) errors.push(new WireError('truncated', `compound message lost ${truncated} parts`));
    for (const p of parts) {
      try {
        walk(p, depth + 1, out, errors);
      } catch (e) {
        if (e instanceof WireError) errors.push(e);
        else throw e;
      }
    }
    return;
  }
  if (type === MessageType.compress) {
    walk(decompressBody(body), depth + 1, out, errors);
    return;
  }
  out.push({ type, body });
}
