// Shapes shared by the SWIM core, its delegate (the serf layer) and the drivers.
import type { AckResp, Ping, PushNodeState } from '../wire/messages.js';

export interface Address {
  host: string;
  port: number;
}

export type NodeState = 'alive' | 'suspect' | 'dead' | 'left';

/** A member as the SWIM core knows it (memberlist nodeState). Owned by the core: treat as read-only. */
export interface SwimNode {
  name: string;
  /** Raw IP bytes as gossiped (4 for IPv4). */
  addr: Uint8Array;
  /** The same address as text. */
  host: string;
  port: number;
  meta: Uint8Array;
  incarnation: number;
  state: NodeState;
  /** Time (the core's `now`) of the last state change. */
  stateChange: number;
  pMin: number;
  pMax: number;
  pCur: number;
  dMin: number;
  dMax: number;
  dCur: number;
}

/**
 * What the core asks its driver to do. Effects are returned in order; the driver performs them in that order.
 * - send:      one UDP datagram, already framed (compound/CRC); the driver adds label and encryption.
 * - timer:     arm (or re-arm) the timer `id` to fire at absolute time `at`; the driver then calls onTimer.
 * - cancel:    disarm the timer `id` if armed.
 * - pushPull:  open a TCP stream to `to`, send localState(join), read the reply, call mergeRemoteState.
 * - tcpPing:   the TCP fallback probe; report with tcpPingResult(seqNo, ok) before `deadline`.
 */
export type SwimEffect =
  | { kind: 'send'; to: Address; bytes: Buffer }
  | { kind: 'timer'; id: string; at: number }
  | { kind: 'cancel'; id: string }
  | { kind: 'pushPull'; to: Address; nodeName: string; join: boolean }
  | { kind: 'tcpPing'; to: Address; seqNo: number; ping: Ping; deadline: number };

/** The layer above SWIM (serf), called synchronously from inside the core's entry points. */
export interface SwimDelegate {
  /** Node meta (serf tags), at most `limit` bytes. */
  nodeMeta(limit: number): Uint8Array;
  /** A user message (memberlist type 8) arrived; `msg` excludes the type byte. */
  notifyMsg(now: number, msg: Uint8Array): void;
  /** Broadcasts to piggyback, each costing `overhead` more bytes, all within `limit`. */
  getBroadcasts(overhead: number, limit: number): Uint8Array[];
  /** User state for a push/pull. */
  localState(join: boolean): Uint8Array;
  mergeRemoteState(now: number, buf: Uint8Array, join: boolean): void;
  notifyJoin(now: number, node: SwimNode): void;
  notifyLeave(now: number, node: SwimNode): void;
  notifyUpdate(now: number, node: SwimNode): void;
}

export type SwimLog = (level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR', msg: string, fields?: Record<string, unknown>) => void;

export interface LocalState {
  nodes: PushNodeState[];
  userState: Uint8Array;
}

export type { AckResp, Ping };
