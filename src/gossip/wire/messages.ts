// memberlist's packet and stream messages (net.go): a one-byte type, then the struct as a msgpack map keyed by
// the Go field names. Field order below is the Go struct's order (Go writes fields in declaration order).
import { WireError } from './errors.js';
import {
  MpWriter,
  asMap,
  fArray,
  fBool,
  fBytes,
  fInt,
  fStr,
  fUint,
  mpDecode,
  type MpMap,
} from './msgpack.js';

export const MessageType = {
  ping: 0,
  indirectPing: 1,
  ack: 2,
  suspect: 3,
  alive: 4,
  dead: 5,
  pushPull: 6,
  compound: 7,
  user: 8,
  compress: 9,
  encrypt: 10,
  nack: 11,
  hasCrc: 12,
  err: 13,
  /** Deliberately high so it cannot be mistaken for an encryption version byte or a message type. */
  hasLabel: 244,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** memberlist NodeStateType as carried in pushNodeState.State. */
export const NodeStateType = { alive: 0, suspect: 1, dead: 2, left: 3 } as const;
export type NodeStateType = (typeof NodeStateType)[keyof typeof NodeStateType];

export interface Ping {
  SeqNo: number;
  Node: string;
  SourceAddr: Uint8Array;
  SourcePort: number;
  SourceNode: string;
}
export interface IndirectPingReq {
  SeqNo: number;
  Target: Uint8Array;
  Port: number;
  Node: string;
  Nack: boolean;
  SourceAddr: Uint8Array;
  SourcePort: number;
  SourceNode: string;
}
export interface AckResp {
  SeqNo: number;
  Payload: Uint8Array;
}
export interface NackResp {
  SeqNo: number;
}
export interface ErrResp {
  Error: string;
}
export interface Suspect {
  Incarnation: number;
  Node: string;
  From: string;
}
export interface Dead {
  Incarnation: number;
  Node: string;
  From: string;
}
export interface Alive {
  Incarnation: number;
  Node: string;
  Addr: Uint8Array;
  Port: number;
  Meta: Uint8Array;
  /** pmin, pmax, pcur, dmin, dmax, dcur */
  Vsn: Uint8Array;
}
export interface PushPullHeader {
  Nodes: number;
  UserStateLen: number;
  Join: boolean;
}
export interface PushNodeState {
  Name: string;
  Addr: Uint8Array;
  Port: number;
  Meta: Uint8Array;
  Incarnation: number;
  State: NodeStateType;
  Vsn: Uint8Array;
}
export interface Compress {
  Algo: number;
  Buf: Uint8Array;
}

// ---------- encoders (the struct only; `encodeMessage` prefixes the type byte) ----------

export function writePing(w: MpWriter, p: Ping): void {
  // SourceAddr/SourcePort/SourceNode are `codec:",omitempty"` in Go.
  const n = 2 + (p.SourceAddr.length > 0 ? 1 : 0) + (p.SourcePort > 0 ? 1 : 0) + (p.SourceNode ? 1 : 0);
  w.mapHeader(n).str('SeqNo').uint(p.SeqNo).str('Node').str(p.Node);
  if (p.SourceAddr.length > 0) w.str('SourceAddr').bytes(p.SourceAddr);
  if (p.SourcePort > 0) w.str('SourcePort').uint(p.SourcePort);
  if (p.SourceNode) w.str('SourceNode').str(p.SourceNode);
}

export function writeIndirectPing(w: MpWriter, p: IndirectPingReq): void {
  const n = 5 + (p.SourceAddr.length > 0 ? 1 : 0) + (p.SourcePort > 0 ? 1 : 0) + (p.SourceNode ? 1 : 0);
  w.mapHeader(n)
    .str('SeqNo').uint(p.SeqNo)
    .str('Target').bytes(p.Target)
    .str('Port').uint(p.Port)
    .str('Node').str(p.Node)
    .str('Nack').bool(p.Nack);
  if (p.SourceAddr.length > 0) w.str('SourceAddr').bytes(p.SourceAddr);
  if (p.SourcePort > 0) w.str('SourcePort').uint(p.SourcePort);
  if (p.SourceNode) w.str('SourceNode').str(p.SourceNode);
}

export function writeAck(w: MpWriter, a: AckResp): void {
  w.mapHeader(2).str('SeqNo').uint(a.SeqNo).str('Payload').bytes(a.Payload.length ? a.Payload : null);
}

export function writeNack(w: MpWriter, a: NackResp): void {
  w.mapHeader(1).str('SeqNo').uint(a.SeqNo);
}

export function writeErr(w: MpWriter, e: ErrResp): void {
  w.mapHeader(1).str('Error').str(e.Error);
}

export function writeSuspectOrDead(w: MpWriter, s: Suspect | Dead): void {
  w.mapHeader(3).str('Incarnation').uint(s.Incarnation).str('Node').str(s.Node).str('From').str(s.From);
}

export function writeAlive(w: MpWriter, a: Alive): void {
  w.mapHeader(6)
    .str('Incarnation').uint(a.Incarnation)
    .str('Node').str(a.Node)
    .str('Addr').bytes(a.Addr)
    .str('Port').uint(a.Port)
    .str('Meta').bytes(a.Meta.length ? a.Meta : null)
    .str('Vsn').bytes(a.Vsn);
}

export function writePushPullHeader(w: MpWriter, h: PushPullHeader): void {
  w.mapHeader(3).str('Nodes').int(h.Nodes).str('UserStateLen').int(h.UserStateLen).str('Join').bool(h.Join);
}

export function writePushNodeState(w: MpWriter, s: PushNodeState): void {
  w.mapHeader(7)
    .str('Name').str(s.Name)
    .str('Addr').bytes(s.Addr)
    .str('Port').uint(s.Port)
    .str('Meta').bytes(s.Meta.length ? s.Meta : null)
    .str('Incarnation').uint(s.Incarnation)
    .str('State').int(s.State)
    .str('Vsn').bytes(s.Vsn);
}

export function writeCompress(w: MpWriter, c: Compress): void {
  w.mapHeader(2).str('Algo').int(c.Algo).str('Buf').bytes(c.Buf);
}

/** A whole packet message: type byte + msgpack body. */
export function encodeMessage<T>(type: MessageType, write: (w: MpWriter, v: T) => void, v: T): Buffer {
  const w = new MpWriter(64);
  w.byte(type);
  write(w, v);
  return w.finish();
}

export const encodePing = (p: Ping) => encodeMessage(MessageType.ping, writePing, p);
export const encodeIndirectPing = (p: IndirectPingReq) => encodeMessage(MessageType.indirectPing, writeIndirectPing, p);
export const encodeAck = (a: AckResp) => encodeMessage(MessageType.ack, writeAck, a);
export const encodeNack = (a: NackResp) => encodeMessage(MessageType.nack, writeNack, a);
export const encodeErr = (e: ErrResp) => encodeMessage(MessageType.err, writeErr, e);
export const encodeSuspect = (s: Suspect) => encodeMessage(MessageType.suspect, writeSuspectOrDead, s);
export const encodeDead = (d: Dead) => encodeMessage(MessageType.dead, writeSuspectOrDead, d);
export const encodeAlive = (a: Alive) => encodeMessage(MessageType.alive, writeAlive, a);

// ---------- decoders (body without the type byte) ----------

function body(buf: Uint8Array, what: string): MpMap {
  return asMap(mpDecode(buf, 0).value, what);
}

export function readPing(m: MpMap): Ping {
  return {
    SeqNo: fUint(m, 'SeqNo'),
    Node: fStr(m, 'Node'),
    SourceAddr: fBytes(m, 'SourceAddr'),
    SourcePort: fUint(m, 'SourcePort', 0xffff),
    SourceNode: fStr(m, 'SourceNode'),
  };
}
export const decodePing = (b: Uint8Array) => readPing(body(b, 'ping'));

export function decodeIndirectPing(b: Uint8Array): IndirectPingReq {
  const m = body(b, 'indirectPingReq');
  return {
    SeqNo: fUint(m, 'SeqNo'),
    Target: fBytes(m, 'Target'),
    Port: fUint(m, 'Port', 0xffff),
    Node: fStr(m, 'Node'),
    Nack: fBool(m, 'Nack'),
    SourceAddr: fBytes(m, 'SourceAddr'),
    SourcePort: fUint(m, 'SourcePort', 0xffff),
    SourceNode: fStr(m, 'SourceNode'),
  };
}

export function decodeAck(b: Uint8Array): AckResp {
  const m = body(b, 'ackResp');
  return { SeqNo: fUint(m, 'SeqNo'), Payload: fBytes(m, 'Payload') };
}

export function decodeNack(b: Uint8Array): NackResp {
  return { SeqNo: fUint(body(b, 'nackResp'), 'SeqNo') };
}

export function decodeErr(b: Uint8Array): ErrResp {
  return { Error: fStr(body(b, 'errResp'), 'Error') };
}

export function decodeSuspect(b: Uint8Array): Suspect {
  const m = body(b, 'suspect');
  return { Incarnation: fUint(m, 'Incarnation'), Node: fStr(m, 'Node'), From: fStr(m, 'From') };
}
export const decodeDead = (b: Uint8Array): Dead => decodeSuspect(b);

export function decodeAlive(b: Uint8Array): Alive {
  const m = body(b, 'alive');
  return {
    Incarnation: fUint(m, 'Incarnation'),
    Node: fStr(m, 'Node'),
    Addr: fBytes(m, 'Addr'),
    Port: fUint(m, 'Port', 0xffff),
    Meta: fBytes(m, 'Meta'),
    Vsn: fBytes(m, 'Vsn'),
  };
}

export function readPushPullHeader(m: MpMap): PushPullHeader {
  const h = { Nodes: fInt(m, 'Nodes'), UserStateLen: fInt(m, 'UserStateLen'), Join: fBool(m, 'Join') };
  if (h.Nodes < 0 || h.UserStateLen < 0) throw new WireError('malformed', 'push/pull header has a negative length');
  return h;
}

export function readPushNodeState(m: MpMap): PushNodeState {
  const state = fInt(m, 'State');
  if (state < 0 || state > 3) throw new WireError('malformed', `push/pull node state ${state} is unknown`);
  return {
    Name: fStr(m, 'Name'),
    Addr: fBytes(m, 'Addr'),
    Port: fUint(m, 'Port', 0xffff),
    Meta: fBytes(m, 'Meta'),
    Incarnation: fUint(m, 'Incarnation'),
    State: state as NodeStateType,
    Vsn: fBytes(m, 'Vsn'),
  };
}

export function readCompress(m: MpMap): Compress {
  return { Algo: fInt(m, 'Algo'), Buf: fBytes(m, 'Buf') };
}

/** Checks a decoded array field holds maps (helper for list fields). */
export function mapsOf(m: MpMap, key: string): MpMap[] {
  return fArray(m, key).map((v) => asMap(v, key));
}
