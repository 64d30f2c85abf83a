// Wire-level vocabulary of the Raft core: entries, messages, hard/soft state, Ready.
// Names follow the Raft paper and etcd's raftpb. Everything here is plain data, so a transport
// can encode it with msgpack and a test can print it.

export type NodeId = string;
/** The empty node ID: "no leader", "voted for nobody". */
export const NONE: NodeId = '';

/** Normal entries carry an opaque command (empty data = the leader's no-op); conf entries a configuration. */
export const EntryType = { Normal: 0, ConfChange: 1 } as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  data: Uint8Array;
}

export type MessageType =
  // local inputs (never sent on the wire)
  | 'MsgHup' | 'MsgBeat' | 'MsgProp' | 'MsgCheckQuorum' | 'MsgUnreachable' | 'MsgSnapStatus'
  // local: hand leadership to `from` (the transferee); the leader brings it up to date first
  | 'MsgTransferLeader'
  // peer messages
  | 'MsgApp' | 'MsgAppResp' | 'MsgVote' | 'MsgVoteResp' | 'MsgPreVote' | 'MsgPreVoteResp'
  | 'MsgHeartbeat' | 'MsgHeartbeatResp' | 'MsgSnap' | 'MsgReadIndex' | 'MsgReadIndexResp'
  // leader -> transferee: campaign now, skipping pre-vote (votes then carry CAMPAIGN_TRANSFER)
  | 'MsgTimeoutNow';

/** Context of a vote request sent because of MsgTimeoutNow: voters ignore their leader lease. */
export const CAMPAIGN_TRANSFER = 'CampaignTransfer';

/** Voters and non-voters (etcd's "learners") by ID. */
export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
}

export interface SnapshotMeta {
  index: number;
  term: number;
  confState: ConfState;
}

/** A snapshot as the core sees it: metadata plus bytes the driver defines (FSM state, configuration). */
export interface Snapshot {
  meta: SnapshotMeta;
  data: Uint8Array;
}

export interface Message {
  type: MessageType;
  from: NodeId;
  to: NodeId;
  term: number;
  /** MsgApp: term of the entry at `index`. Votes: the candidate's last log term. AppResp reject: hint term. */
  logTerm: number;
  /** MsgApp: index preceding `entries`. Votes: last log index. AppResp: highest matched / rejected index. */
  index: number;
  entries: Entry[];
  commit: number;
  reject: boolean;
  rejectHint: number;
  /** ReadIndex request context (heartbeats carry it to collect acknowledgements). */
  context: string;
  snapshot: Snapshot | null;
  /**
   * The leader's tick when it sent a MsgApp/MsgHeartbeat/MsgSnap, echoed back in the response: the
   * leader lease counts from when the acknowledged message left, not from when its ack arrived
   * (a late ack must not stretch the lease past the followers' vote protection).
   */
  sentTick: number;
}

export interface HardState {
  term: number;
  vote: NodeId;
  commit: number;
}

export const emptyHardState: HardState = { term: 0, vote: NONE, commit: 0 };

export type StateRole = 'follower' | 'precandidate' | 'candidate' | 'leader';

export interface SoftState {
  lead: NodeId;
  role: StateRole;
}

/** A ReadIndex answer: once the applied index reaches `index`, reads for `context` are linearizable. */
export interface ReadState {
  index: number;
  context: string;
}

/**
 * Ready is everything the core wants done. The caller must, in this order:
 *   1. persist `hardState`, `entries` (and `snapshot`), fsyncing if `mustSync`;
 *   2. send `messages` (they may depend on step 1: votes, append acks);
 *   3. restore `snapshot` (if any) and apply `committedEntries` in order;
 *   4. call advance(ready).
 */
export interface Ready {
  /** Present only when leader or role changed since the last Ready. Need not be persisted. */
  softState: SoftState | null;
  /** Present only when it changed; persist before sending messages. */
  hardState: HardState | null;
  readStates: ReadState[];
  /** Entries to append to stable storage (may overwrite a conflicting suffix). */
  entries: Entry[];
  /** A snapshot received from the leader, to persist and restore. */
  snapshot: Snapshot | null;
  committedEntries: Entry[];
  messages: Message[];
  /** Whether the writes of this Ready must be fsynced before messages go out. */
  mustSync: boolean;
}

export function isEmptyHardState(hs: HardState): boolean {
  return hs.term === 0 && hs.vote === NONE && hs.commit === 0;
}

export function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

/** Builds a message with defaults for the fields a message type does not use. */
export function message(fields: Partial<Message> & Pick<Message, 'type'>): Message {
  return {
    from: NONE, to: NONE, term: 0, logTerm: 0, index: 0, entries: [], commit: 0,
    reject: false, rejectHint: 0, context: '', snapshot: null, sentTick: 0, ...fields,
  };
}

/** Messages that travel only between the driver and its own core. */
export function isLocalMessage(t: MessageType): boolean {
  return t === 'MsgHup' || t === 'MsgBeat' || t === 'MsgCheckQuorum' || t === 'MsgUnreachable' || t === 'MsgSnapStatus' ||
    t === 'MsgTransferLeader';
}

export function isResponseMessage(t: MessageType): boolean {
  return t === 'MsgAppResp' || t === 'MsgVoteResp' || t === 'MsgPreVoteResp' || t === 'MsgHeartbeatResp' || t === 'MsgReadIndexResp';
}

/** A one-line rendering for logs and tests. */
export function describeMessage(m: Message): string {
  let s = `${m.from}->${m.to} ${m.type} Term:${m.term} Log:${m.logTerm}/${m.index}`;
  if (m.reject) s += ` Rejected (Hint: ${m.rejectHint})`;
  if (m.commit !== 0) s += ` Commit:${m.commit}`;
  if (m.entries.length > 0) s += ` Entries:[${m.entries.map((e) => `${e.term}/${e.index}`).join(' ')}]`;
  if (m.context !== '') s += ` Context:${m.context}`;
  if (m.snapshot) s += ` Snapshot:${m.snapshot.meta.term}/${m.snapshot.meta.index}`;
  return s;
}

const MESSAGE_TYPES: ReadonlySet<string> = new Set<MessageType>([
  'MsgHup', 'MsgBeat', 'MsgProp', 'MsgCheckQuorum', 'MsgUnreachable', 'MsgSnapStatus', 'MsgApp', 'MsgAppResp',
  'MsgVote', 'MsgVoteResp', 'MsgPreVote', 'MsgPreVoteResp', 'MsgHeartbeat', 'MsgHeartbeatResp', 'MsgSnap',
  'MsgReadIndex', 'MsgReadIndexResp', 'MsgTransferLeader', 'MsgTimeoutNow',
]);

const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

/**
 * Gateway check for messages from the network (etcd's "gateway code validates"): returns why
 * `m` is malformed, or null. Everything inside the core may then assume well-formed fields.
 */
export function messageProblem(m: unknown): string | null {
  if (typeof m !== 'object' || m === null) return 'not an object';
  const x = m as Record<string, unknown>;
  if (typeof x.type !== 'string' || !MESSAGE_TYPES.has(x.type)) return `unknown type ${String(x.type)}`;
  for (const k of ['from', 'to', 'context'] as const) if (typeof x[k] !== 'string') return `${k} must be a string`;
  for (const k of ['term', 'logTerm', 'index', 'commit', 'rejectHint', 'sentTick'] as const) if (!isCount(x[k])) return `${k} must be a non-negative integer`;
  if (typeof x.reject !== 'boolean') return 'reject must be a boolean';
  if (!Array.isArray(x.entries)) return 'entries must be an array';
  let prev = -1;
  for (const e of x.entries as unknown[]) {
    const en = e as Record<string, unknown>;
    if (typeof e !== 'object' || e === null || !isCount(en.term) || !isCount(en.index) || !(en.data instanceof Uint8Array) ||
      (en.type !== EntryType.Normal && en.type !== EntryType.ConfChange)) return 'malformed entry';
    if (prev >= 0 && en.index !== prev + 1) return 'entries are not contiguous';
    prev = en.index as number;
  }
  if (x.snapshot !== null) {
    const s = x.snapshot as Record<string, unknown> | undefined;
    const meta = s?.meta as Record<string, unknown> | undefined;
    const cs = meta?.confState as Record<string, unknown> | undefined;
    if (!s || !(s.data instanceof Uint8Array) || !meta || !isCount(meta.index) || !isCount(meta.term) || !cs ||
      !Array.isArray(cs.voters) || !Array.isArray(cs.learners)) return 'malformed snapshot';
  }
  if (x.entries.length > 0 && (x.entries[0] as Entry).index !== (x.index as number) + 1) return 'entries do not follow index';
  return null;
}
