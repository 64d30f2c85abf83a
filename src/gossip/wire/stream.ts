// memberlist's TCP stream messages. A stream carries one message (and, for push/pull and ping, one reply):
//
//   [hasLabel len label]? ( [encrypt u32-len ciphertext] | [compress msgpack{Algo,Buf}] | plain )
//   plain = pushPull pushPullHeader pushNodeState*Nodes userState[UserStateLen]
//         | ping ping | ack ackResp | user userMsgHeader bytes[UserMsgLen] | err errResp
//
// Messages are msgpack values back to back with no length framing, so `parseStream` is incremental: given the
// bytes received so far it answers `null` (need more) or the message and how many bytes it used.
import { WireError } from './errors.js';
import { DECOMPRESSED_BYTES_MAX, decompressBody, removeLabelHeader } from './framing.js';
import {
  MessageType,
  readPing,
  readPushNodeState,
  readPushPullHeader,
  writePushNodeState,
  writePushPullHeader,
  type AckResp,
  type Ping,
  type PushNodeState,
  type PushPullHeader,
} from './messages.js';
import { MpWriter, asMap, fInt, fStr, fUint, fBytes, mpDecode } from './msgpack.js';

/** Caps on what a peer may claim in a push/pull (memberlist itself has none; we refuse to allocate blindly). */
export const PUSH_PULL_NODES_MAX = 100_000;
export const USER_STATE_BYTES_MAX = 16 * 1024 * 1024;
export const STREAM_BYTES_MAX = 64 * 1024 * 1024;

export type StreamMessage =
  | { type: 'pushPull'; header: PushPullHeader; nodes: PushNodeState[]; userState: Uint8Array }
  | { type: 'ping'; ping: Ping }
  | { type: 'ack'; ack: AckResp }
  | { type: 'user'; payload: Uint8Array }
  | { type: 'err'; error: string };

export interface ParsedStream {
  label: string;
  message: StreamMessage;
  /** Bytes of the input this message used. */
  used: number;
}

export function encodePushPull(join: boolean, nodes: PushNodeState[], userState: Uint8Array): Buffer {
  const w = new MpWriter(256 + nodes.length * 96 + userState.length);
  w.byte(MessageType.pushPull);
  writePushPullHeader(w, { Nodes: nodes.length, UserStateLen: userState.length, Join: join });
  for (const n of nodes) writePushNodeState(w, n);
  w.raw(userState);
  return w.finish();
}

/** userMsg over a stream (memberlist SendReliable): header {UserMsgLen} then the bytes. */
export function encodeStreamUser(payload: Uint8Array): Buffer {
  const w = new MpWriter(payload.length + 24);
  w.byte(MessageType.user);
  w.mapHeader(1).str('UserMsgLen').int(payload.length);
  w.raw(payload);
  return w.finish();
}

/**
 * Parses one stream message from `buf` (bytes received so far). Returns null while the message is incomplete;
 * throws WireError when the bytes can never become a valid message. `decrypt` handles an encryptMsg frame.
 */
export function parseStream(
  buf: Uint8Array,
  decrypt?: (frame: Uint8Array, label: string) => Uint8Array,
): ParsedStream | null {
  if (buf.length > STREAM_BYTES_MAX) throw new WireError('too-large', 'stream message exceeds the size cap');
  if (buf.length === 0) return null;
  let label = '';
  let start = 0;
  if (buf[0] === MessageType.hasLabel) {
    if (buf.length < 2 || buf.length < 2 + buf[1]!) return null;
    const r = removeLabelHeader(buf);
    label = r.label;
    start = buf.length - r.rest.length;
  }
  if (start >= buf.length) return null;
  const type = buf[start]!;
  if (type === MessageType.encrypt) {
    if (buf.length < start + 5) return null;
    const len = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).readUInt32BE(start + 1);
    if (len > STREAM_BYTES_MAX) throw new WireError('too-large', `encrypted stream claims ${len} bytes`);
    if (buf.length < start + 5 + len) return null;
    if (!decrypt) throw new WireError('unsupported', 'remote state is encrypted and encryption is not configured');
    const plain = decrypt(buf.subarray(start, start + 5 + len), label);
    const inner = parseComplete(plain);
    return { label, message: inner, used: start + 5 + len };
  }
  if (type === MessageType.compress) {
    let end: number;
    try {
      end = mpDecode(buf, start + 1).offset;
    } catch (e) {
      if (e instanceof WireError && e.fault === 'truncated') return null;
      throw e;
    }
    const inner = decompressBody(buf.subarray(start + 1, end));
    return { label, message: parseComplete(inner), used: end };
  }
  try {
    const r = parsePlain(buf, start);
    return r && { label, message: r.message, used: r.end };
  } catch (e) {
    if (e instanceof WireError && e.fault === 'truncated') return null;
    throw e;
  }
}

/** A whole (decompressed or decrypted) message: running short is malformed, not "need more". */
function parseComplete(buf: Uint8Array): StreamMessage {
  if (buf.length > DECOMPRESSED_BYTES_MAX * 2) throw new WireError('too-large', 'stream message too large');
  let r: { message: StreamMessage; end: number } | null;
  try {
    // Inside an encrypted frame the message may still be compressed (memberlist compresses, then encrypts).
    if (buf[0] === MessageType.compress) buf = decompressBody(buf.subarray(1));
    r = parsePlain(buf, 0);
  } catch (e) {
    if (e instanceof WireError && e.fault === 'truncated') throw new WireError('malformed', e.message);
    throw e;
  }
  if (!r) throw new WireError('malformed', 'stream message is incomplete');
  return r.message;
}

function parsePlain(buf: Uint8Array, start: number): { message: StreamMessage; end: number } | null {
  const type = buf[start]!;
  let off = start + 1;
  switch (type) {
    case MessageType.pushPull: {
      const h = mpDecode(buf, off);
      const header = readPushPullHeader(asMap(h.value, 'pushPullHeader'));
      if (header.Nodes > PUSH_PULL_NODES_MAX) throw new WireError('too-large', `push/pull claims ${header.Nodes} nodes`);
      if (header.UserStateLen > USER_STATE_BYTES_MAX) {
        throw new WireError('too-large', `push/pull claims ${header.UserStateLen} bytes of user state`);
      }
      off = h.offset;
      const nodes: PushNodeState[] = [];
      for (let i = 0; i < header.Nodes; i++) {
        const n = mpDecode(buf, off);
        nodes.push(readPushNodeState(asMap(n.value, 'pushNodeState')));
        off = n.offset;
      }
      if (buf.length < off + header.UserStateLen) return null;
      const userState = buf.subarray(off, off + header.UserStateLen);
      return { message: { type: 'pushPull', header, nodes, userState }, end: off + header.UserStateLen };
    }
    case MessageType.ping: {
      const p = mpDecode(buf, off);
      return { message: { type: 'ping', ping: readPing(asMap(p.value, 'ping')) }, end: p.offset };
    }
    case MessageType.ack: {
      const p = mpDecode(buf, off);
      const m = asMap(p.value, 'ackResp');
      return { message: { type: 'ack', ack: { SeqNo: fUint(m, 'SeqNo'), Payload: fBytes(m, 'Payload') } }, end: p.offset };
    }
    case MessageType.user: {
      const p = mpDecode(buf, off);
      const len = fInt(asMap(p.value, 'userMsgHeader'), 'UserMsgLen');
      if (len < 0 || len > USER_STATE_BYTES_MAX) throw new WireError('too-large', `user message claims ${len} bytes`);
      if (buf.length < p.offset + len) return null;
      return { message: { type: 'user', payload: buf.subarray(p.offset, p.offset + len) }, end: p.offset + len };
    }
    case MessageType.err: {
      const p = mpDecode(buf, off);
      return { message: { type: 'err', error: fStr(asMap(p.value, 'errResp'), 'Error') }, end: p.offset };
    }
    default:
      throw new WireError('unsupported', `stream message type ${type}`);
  }
}
