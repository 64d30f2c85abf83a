// Raft command encoding: one type byte (structs MessageType) followed by a msgpack payload.
import { Packr } from 'msgpackr';
import { MessageType } from '../structs/message-type.js';

const packr = new Packr({ useRecords: false, int64AsType: 'bigint', moreTypes: false });

export function encodeCommand(type: MessageType, payload: unknown): Uint8Array {
  const body = packr.pack(payload);
  const out = new Uint8Array(body.length + 1);
  out[0] = type;
  out.set(body, 1);
  return out;
}

export function decodeCommand(data: Uint8Array): { type: number; payload: unknown } {
  if (data.length === 0) return { type: MessageType.Noop, payload: null };
  const payload = data.length > 1 ? packr.unpack(data.subarray(1)) : null;
  return { type: data[0]!, payload };
}
