// serf's messages (serf/messages.go), carried inside memberlist user messages (type 8) and in the push/pull
// user state. Each is one serf type byte followed by the msgpack struct; tags travel in the node meta as
// 0xff followed by a msgpack map[string]string.
import { WireError } from './errors.js';
import {
  MpWriter,
  asBytes,
  asMap,
  asStr,
  fArray,
  fBool,
  fBytes,
  fMap,
  fStr,
  fUint,
  mpDecode,
  type MpMap,
  type MpValue,
} from './msgpack.js';

export const SerfMessageType = {
  leave: 0,
  join: 1,
  pushPull: 2,
  userEvent: 3,
  query: 4,
  queryResponse: 5,
  conflictResponse: 6,
  keyRequest: 7,
  keyResponse: 8,
  relay: 9,
} as const;
export type SerfMessageType = (typeof SerfMessageType)[keyof typeof SerfMessageType];

const U64 = Number.MAX_SAFE_INTEGER;
export const TAG_MAGIC_BYTE = 0xff;
/** Meta is limited to 512 bytes by memberlist (MetaMaxSize). */
export const META_BYTES_MAX = 512;

export interface SerfJoin {
  LTime: number;
  Node: string;
}
export interface SerfLeave {
  LTime: number;
  Node: string;
  Prune: boolean;
}
export interface SerfUserEvent {
  LTime: number;
  Name: string;
  Payload: Uint8Array;
  CC: boolean;
}
export interface SerfUserEvents {
  LTime: number;
  Events: { Name: string; Payload: Uint8Array }[];
}
export interface SerfPushPull {
  LTime: number;
  StatusLTimes: Map<string, number>;
  LeftMembers: string[];
  EventLTime: number;
  /** The event ring buffer; empty slots are null, as Go sends nil pointers. */
  Events: (SerfUserEvents | null)[];
  QueryLTime: number;
}

function start(type: SerfMessageType): MpWriter {
  return new MpWriter(64).byte(type);
}

export function encodeSerfJoin(m: SerfJoin): Buffer {
  return start(SerfMessageType.join).mapHeader(2).str('LTime').uint(m.LTime).str('Node').str(m.Node).finish();
}

export function encodeSerfLeave(m: SerfLeave): Buffer {
  return start(SerfMessageType.leave)
    .mapHeader(3).str('LTime').uint(m.LTime).str('Node').str(m.Node).str('Prune').bool(m.Prune)
    .finish();
}

export function encodeSerfUserEvent(m: SerfUserEvent): Buffer {
  return start(SerfMessageType.userEvent)
    .mapHeader(4)
    .str('LTime').uint(m.LTime)
    .str('Name').str(m.Name)
    .str('Payload').bytes(m.Payload.length ? m.Payload : null)
    .str('CC').bool(m.CC)
    .finish();
}

export function encodeSerfPushPull(m: SerfPushPull): Buffer {
  const w = start(SerfMessageType.pushPull).mapHeader(6);
  w.str('LTime').uint(m.LTime);
  w.str('StatusLTimes').mapHeader(m.StatusLTimes.size);
  for (const [k, v] of [...m.StatusLTimes].sort((a, b) => (a[0] < b[0] ? -1 : 1))) w.str(k).uint(v);
  w.str('LeftMembers').arrayHeader(m.LeftMembers.length);
  for (const n of m.LeftMembers) w.str(n);
  w.str('EventLTime').uint(m.EventLTime);
  w.str('Events').arrayHeader(m.Events.length);
  for (const e of m.Events) {
    if (!e) {
      w.nil();
      continue;
    }
    w.mapHeader(2).str('LTime').uint(e.LTime).str('Events').arrayHeader(e.Events.length);
    for (const ev of e.Events) w.mapHeader(2).str('Name').str(ev.Name).str('Payload').bytes(ev.Payload.length ? ev.Payload : null);
  }
  w.str('QueryLTime').uint(m.QueryLTime);
  return w.finish();
}

function bodyOf(buf: Uint8Array, what: string): MpMap {
  return asMap(mpDecode(buf, 1).value, what);
}

/** The parts of serf's messageQuery we act on (we relay queries; we do not answer them). */
export interface SerfQueryHead {
  LTime: number;
  ID: number;
  Flags: number;
  Name: string;
}
/** messageQuery.Flags: the sender wants an ack; do not re-broadcast. */
export const QUERY_FLAG_ACK = 1;
export const QUERY_FLAG_NO_BROADCAST = 2;

export type SerfMessage =
  | { type: 'query'; msg: SerfQueryHead }
  | { type: 'join'; msg: SerfJoin }
  | { type: 'leave'; msg: SerfLeave }
  | { type: 'userEvent'; msg: SerfUserEvent }
  | { type: 'pushPull'; msg: SerfPushPull }
  | { type: 'other'; serfType: number };

/** Decodes a serf message (type byte first). Unknown or unhandled types come back as 'other'. */
export function decodeSerfMessage(buf: Uint8Array): SerfMessage {
  if (buf.length === 0) throw new WireError('truncated', 'empty serf message');
  switch (buf[0]) {
    case SerfMessageType.join: {
      const m = bodyOf(buf, 'messageJoin');
      return { type: 'join', msg: { LTime: fUint(m, 'LTime', U64), Node: fStr(m, 'Node') } };
    }
    case SerfMessageType.leave: {
      const m = bodyOf(buf, 'messageLeave');
      return { type: 'leave', msg: { LTime: fUint(m, 'LTime', U64), Node: fStr(m, 'Node'), Prune: fBool(m, 'Prune') } };
    }
    case SerfMessageType.userEvent: {
      const m = bodyOf(buf, 'messageUserEvent');
      return {
        type: 'userEvent',
        msg: { LTime: fUint(m, 'LTime', U64), Name: fStr(m, 'Name'), Payload: fBytes(m, 'Payload'), CC: fBool(m, 'CC') },
      };
    }
    case SerfMessageType.pushPull:
      return { type: 'pushPull', msg: readSerfPushPull(bodyOf(buf, 'messagePushPull')) };
    case SerfMessageType.query: {
      const m = bodyOf(buf, 'messageQuery');
      return {
        type: 'query',
        msg: { LTime: fUint(m, 'LTime', U64), ID: fUint(m, 'ID'), Flags: fUint(m, 'Flags'), Name: fStr(m, 'Name') },
      };
    }
    default:
      return { type: 'other', serfType: buf[0]! };
  }
}

function readSerfPushPull(m: MpMap): SerfPushPull {
  const status = new Map<string, number>();
  for (const [k, v] of fMap(m, 'StatusLTimes')) {
    if (typeof v !== 'number' || v < 0) throw new WireError('malformed', 'StatusLTimes holds a non-integer');
    status.set(k, v);
  }
  const events = fArray(m, 'Events').map((e: MpValue): SerfUserEvents | null => {
    if (e === null) return null;
    const em = asMap(e, 'userEvents');
    return {
      LTime: fUint(em, 'LTime', U64),
      Events: fArray(em, 'Events').map((x) => {
        const xm = asMap(x, 'userEvent');
        return { Name: fStr(xm, 'Name'), Payload: fBytes(xm, 'Payload') };
      }),
    };
  });
  return {
    LTime: fUint(m, 'LTime', U64),
    StatusLTimes: status,
    LeftMembers: fArray(m, 'LeftMembers').map((x) => asStr(x, 'LeftMembers')),
    EventLTime: fUint(m, 'EventLTime', U64),
    Events: events,
    QueryLTime: fUint(m, 'QueryLTime', U64),
  };
}

/** serf encodeTags: 0xff then a msgpack map. */
export function encodeTags(tags: Record<string, string>): Buffer {
  return new MpWriter(64).byte(TAG_MAGIC_BYTE).stringMap(tags).finish();
}

/** serf decodeTags: without the magic byte the whole meta is the legacy `role` tag. */
export function decodeTags(meta: Uint8Array): Record<string, string> {
  if (meta.length === 0 || meta[0] !== TAG_MAGIC_BYTE) return { role: Buffer.from(meta).toString('utf8') };
  const m = asMap(mpDecode(meta, 1).value, 'tags');
  const out: Record<string, string> = {};
  for (const [k, v] of m) out[k] = v instanceof Uint8Array ? asStr(v, k) : String(asBytes(v, k));
  return out;
}
