// The contract between the server layer and the Raft driver (node.ts). The server owns the FSM;
// raft owns ordering and durability. Nothing here does I/O.

/** The replicated state machine. Called by the driver only, in log order, synchronously. */
export interface StateMachine {
  /** Applies one committed command entry. The return value is handed to the proposer. */
  apply(index: number, term: number, data: Uint8Array): unknown;
  /**
   * Serialises the whole state (called at snapshot time, between applies): as bytes, or as a
   * stream that captured the state now and produces the bytes later, while it is written out.
   */
  snapshot(): Uint8Array | SnapshotStream;
  /** Replaces the whole state from a snapshot taken at `index`. */
  restore(data: Uint8Array, index: number): void;
}

/**
 * FSM state serialised piece by piece, so that a large state is never held as one buffer. The
 * state is fixed when the stream is made (later applies do not change it). `chunks()` may reuse
 * one buffer for every piece: consume each piece before asking for the next. `length` is the
 * number of bytes produced so far (the total once `chunks()` has been iterated to the end).
 */
export interface SnapshotStream {
  chunks(): Iterable<Uint8Array>;
  readonly length: number;
}

export interface RaftServer {
  /** Stable server ID (Consul uses the node ID). */
  id: string;
  /** RPC address "ip:port" (server port 8300). */
  address: string;
  /** Voter or non-voter. */
  suffrage: 'voter' | 'nonvoter';
}

export interface RaftConfiguration {
  servers: RaftServer[];
  /** Log index at which this configuration was committed (0 when bootstrapped). */
  index: number;
}

export interface ProposeResult {
  index: number;
  /** What StateMachine.apply returned for this entry. */
  result: unknown;
}

export type RaftRole = 'follower' | 'candidate' | 'leader' | 'precandidate';

export interface RaftStatus {
  role: RaftRole;
  term: number;
  leaderId: string | null;
  leaderAddress: string | null;
  commitIndex: number;
  appliedIndex: number;
  lastLogIndex: number;
  lastLogTerm: number;
  lastSnapshotIndex: number;
  lastSnapshotTerm: number;
  /** Milliseconds since this node last heard from a leader; 0 on the leader. */
  lastContactMs: number;
  configuration: RaftConfiguration;
}

export interface RaftEvents {
  /** Called whenever the leader changes (including to null) or this node gains/loses leadership. */
  onLeaderChange?(leaderId: string | null, isSelf: boolean): void;
}

/** Errors a proposer can see; match on `code`. */
export class RaftError extends Error {
  override name = 'RaftError';
  constructor(
    readonly code: 'ERR_RAFT_NOT_LEADER' | 'ERR_RAFT_NO_LEADER' | 'ERR_RAFT_SHUTDOWN' | 'ERR_RAFT_LEADERSHIP_LOST' | 'ERR_RAFT_TIMEOUT',
    message: string,
    readonly leaderAddress: string | null = null,
  ) {
    super(message);
  }
}
