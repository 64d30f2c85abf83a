// Serf-level member and event shapes (serf.go Member, event.go).

export type MemberStatus = 'none' | 'alive' | 'leaving' | 'left' | 'failed';

/** A member as `members()` reports it (serf.Member). */
export interface GossipMember {
  name: string;
  addr: string;
  port: number;
  tags: Record<string, string>;
  status: MemberStatus;
  protocolMin: number;
  protocolMax: number;
  protocolCur: number;
  delegateMin: number;
  delegateMax: number;
  delegateCur: number;
}

export type MemberEventType = 'member-join' | 'member-leave' | 'member-failed' | 'member-update' | 'member-reap';

export type SerfEvent =
  | { type: MemberEventType; member: GossipMember }
  | { type: 'user'; ltime: number; name: string; payload: Buffer; coalesce: boolean };

export interface SerfConfig {
  nodeName: string;
  tags: Record<string, string>;
  /** Failed members are reaped after this long. Consul: reconnect_timeout, default 72 h. */
  reconnectTimeoutMs: number;
  /** Left members are forgotten after this long. Default 24 h. */
  tombstoneTimeoutMs: number;
  /** How often the reaper runs. Default 15 s. */
  reapIntervalMs: number;
  /** How often we may try to reconnect to a failed member. Default 30 s. */
  reconnectIntervalMs: number;
  /** Join/leave intents for unknown members are kept this long. Default 5 min. */
  recentIntentTimeoutMs: number;
  /** User events remembered for dedupe, in Lamport ticks. Default 64. */
  eventBuffer: number;
  /** Largest user event (name + payload, and encoded). Default 512 (serf's hard cap is 9 KiB). */
  userEventSizeLimit: number;
  /** Queue depth beyond which the oldest serf broadcasts are dropped. Default 4096. */
  maxQueueDepth: number;
  /** How long leave and force-leave wait for their broadcast. Default 5 s. */
  broadcastTimeoutMs: number;
  /** Stay up this long after leaving so the leave spreads. Default 1 s. */
  leavePropagateDelayMs: number;
}

export function defaultSerfConfig(nodeName: string, tags: Record<string, string>): SerfConfig {
  return {
    nodeName,
    tags,
    reconnectTimeoutMs: 72 * 3600_000,
    tombstoneTimeoutMs: 24 * 3600_000,
    reapIntervalMs: 15_000,
    reconnectIntervalMs: 30_000,
    recentIntentTimeoutMs: 5 * 60_000,
    eventBuffer: 64,
    userEventSizeLimit: 512,
    maxQueueDepth: 4096,
    broadcastTimeoutMs: 5000,
    leavePropagateDelayMs: 1000,
  };
}

/** serf's sane upper bound on a user event, whatever the configuration. */
export const USER_EVENT_SIZE_HARD_LIMIT = 9 * 1024;
