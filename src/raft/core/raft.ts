// The Raft state machine (etcd's raft.go, smaller). Sections, in order:
//   1. configuration and validation
//   2. the Raft class: state, ticks, role transitions
//   3. step: term handling common to all roles, then the role functions
//      stepLeader / stepCandidate / stepFollower
//   4. replication helpers: sendAppend, heartbeats, commit, ReadIndex
//   5. configuration (voters / non-voters) and snapshots
//
// Pure: no clock, timers, I/O or ambient randomness. Time is `tick()`; randomness is the
// injected Rng; output accumulates in `msgs` / `readStates` and is drained by RawNode.

import { assert } from '../../lib/assert.js';
import type { Rng } from '../../lib/rng.js';
import type { LogReader } from './log-storage.js';
import { RaftLog } from './log.js';
import {
  CAMPAIGN_TRANSFER, type ConfState, type Entry, EntryType, type HardState, type Message, type MessageType, NONE,
  type NodeId, type ReadState, type Snapshot, type SoftState, type StateRole, message,
} from './messages.js';
import { Progress } from './progress.js';
import { committedIndex, quorumSize, voteResult, type VoteResult } from './quorum.js';
import { ReadOnly } from './read-only.js';

// ---------------------------------------------------------------------------------------------
// 1. Configuration

export interface CoreLogger {
  debug(msg: string, fields?: object): void;
  info(msg: string, fields?: object): void;
  warn(msg: string, fields?: object): void;
}

const silentLogger: CoreLogger = { debug() {}, info() {}, warn() {} };

export interface RaftConfig {
  id: NodeId;
  storage: LogReader;
  /** Last index already applied to the state machine (the snapshot index at start-up). */
  applied?: number;
  /** Election timeout in ticks; a follower waits a random time in [electionTicks, 2*electionTicks). */
  electionTicks: number;
  /** Leader heartbeat interval in ticks; must be < electionTicks. */
  heartbeatTicks: number;
  /** Leader lease in ticks; must be <= electionTicks. Default electionTicks / 2. */
  leaseTicks?: number;
  /** Pre-vote (thesis §9.6): a partitioned node cannot disrupt the cluster on rejoining. Default true. */
  preVote?: boolean;
  /** The leader steps down when it has not heard from a quorum for an election timeout. Default true. */
  checkQuorum?: boolean;
  /** Entries per MsgApp. Default 64 (hashicorp's MaxAppendEntries). */
  entriesPerMessageMax?: number;
  /** Unacknowledged MsgApps per follower in replicate state. Default 256. */
  inflightMessagesMax?: number;
  /** Committed entries handed out per Ready. Default 4096. */
  committedEntriesPerReadyMax?: number;
  /** Outstanding ReadIndex requests on the leader. Default 4096. */
  readIndexPendingMax?: number;
  rng: Rng;
  logger?: CoreLogger;
}

type ResolvedConfig = Required<Omit<RaftConfig, 'applied'>> & { applied: number };

export function validateRaftConfig(c: RaftConfig): ResolvedConfig {
  if (c.id === NONE) throw new Error('raft config: id must not be empty');
  if (!Number.isInteger(c.heartbeatTicks) || c.heartbeatTicks <= 0) throw new Error('raft config: heartbeat ticks must be a positive integer');
  if (!Number.isInteger(c.electionTicks) || c.electionTicks <= c.heartbeatTicks) {
    throw new Error('raft config: election ticks must be greater than heartbeat ticks');
  }
  const leaseTicks = c.leaseTicks ?? Math.max(1, Math.floor(c.electionTicks / 2));
  if (leaseTicks > c.electionTicks) throw new Error('raft config: lease ticks must not exceed election ticks');
  const r: ResolvedConfig = {
    id: c.id, storage: c.storage, applied: c.applied ?? 0, electionTicks: c.electionTicks,
    heartbeatTicks: c.heartbeatTicks, leaseTicks, preVote: c.preVote ?? true, checkQuorum: c.checkQuorum ?? true,
    entriesPerMessageMax: c.entriesPerMessageMax ?? 64, inflightMessagesMax: c.inflightMessagesMax ?? 256,
    committedEntriesPerReadyMax: c.committedEntriesPerReadyMax ?? 4096,
    readIndexPendingMax: c.readIndexPendingMax ?? 4096, rng: c.rng, logger: c.logger ?? silentLogger,
  };
  for (const k of ['entriesPerMessageMax', 'inflightMessagesMax', 'committedEntriesPerReadyMax', 'readIndexPendingMax'] as const) {
    if (!Number.isInteger(r[k]) || r[k] <= 0) throw new Error(`raft config: ${k} must be a positive integer`);
  }
  return r;
}

/** Why a proposal was not appended. Proposals are dropped, never queued, when not leader. */
export type ProposeOutcome =
  | { accepted: true; term: number; firstIndex: number; lastIndex: number }
  | { accepted: false; reason: 'not-leader' | 'no-leader' | 'conf-change-pending' | 'not-member' | 'transferring' };

// ---------------------------------------------------------------------------------------------
// 2. State, ticks and role transitions

export class Raft {
  readonly id: NodeId;
  readonly cfg: ResolvedConfig;
  readonly log: RaftLog;
  readonly logger: CoreLogger;

  term = 0;
  vote: NodeId = NONE;
  lead: NodeId = NONE;
  role: StateRole = 'follower';

  /** Sorted voter IDs; `prs` holds a Progress for every voter and non-voter. */
  voters: NodeId[] = [];
  learners = new Set<NodeId>();
  readonly prs = new Map<NodeId, Progress>();
  private readonly votes = new Map<NodeId, boolean>();

  msgs: Message[] = [];
  readStates: ReadState[] = [];

  /** Ticks since the last election timeout reset (followers/candidates) or check-quorum (leader). */
  electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  /** Ticks since start; the leader's lease clock. */
  private tickCount = 0;
  /** A conf entry at or before this index is not yet applied; no second one may be proposed. */
  pendingConfIndex = 0;
  private readonly readOnly: ReadOnly;
  /** ReadIndex requests that arrived before the leader committed an entry of its term. */
  private pendingReadIndexMessages: Message[] = [];
  /**
   * Leadership transfer target (etcd's leadTransferee), NONE when none. While set, the leader
   * accepts no proposals; the transfer is abandoned after an election timeout.
   */
  leadTransferee: NodeId = NONE;

  constructor(config: RaftConfig) {
    this.cfg = validateRaftConfig(config);
    this.id = config.id;
    this.logger = this.cfg.logger;
    this.log = new RaftLog(config.storage, this.cfg.applied);
    this.readOnly = new ReadOnly(this.cfg.readIndexPendingMax);
    const { hardState, confState } = config.storage.initialState();
    this.setConfState(confState);
    if (hardState.term !== 0 || hardState.vote !== NONE || hardState.commit !== 0) {
      assert(hardState.commit <= this.log.lastIndex(), `hard state commit ${hardState.commit} is beyond the last index ${this.log.lastIndex()}`);
      this.term = hardState.term;
      this.vote = hardState.vote;
      this.log.commitTo(hardState.commit);
    }
    this.becomeFollower(this.term, NONE);
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  softState(): SoftState {
    return { lead: this.lead, role: this.role };
  }

  /** Whether this node may campaign: it is a voter. */
  promotable(): boolean {
    return this.voters.includes(this.id);
  }

  private isSoleVoter(): boolean {
    return this.voters.length === 1 && this.voters[0] === this.id;
  }

  tick(): void {
    this.tickCount++;
    if (this.role === 'leader') this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    // A sole voter needs nobody's vote: campaigning at once saves a whole election timeout at
    // start-up (Consul's single-server -dev agent would otherwise sit leaderless for 1-2 s).
    if (this.promotable() && (this.isSoleVoter() || this.electionElapsed >= this.randomizedElectionTimeout)) {
      this.electionElapsed = 0;
      this.step(message({ type: 'MsgHup', from: this.id }));
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTicks) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum) {
        this.step(message({ type: 'MsgCheckQuorum', from: this.id }));
        if (this.role !== 'leader') return;
      }
      // The transferee had a whole election timeout to win; give up and accept proposals again.
      if (this.leadTransferee !== NONE) this.abortLeaderTransfer('timed out');
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.step(message({ type: 'MsgBeat', from: this.id }));
    }
  }

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.cfg.electionTicks + (this.cfg.rng.nextU32() % this.cfg.electionTicks);
    this.votes.clear();
    const last = this.log.lastIndex();
    for (const [id, old] of this.prs) {
      const pr = new Progress(id, last + 1, this.cfg.inflightMessagesMax, old.isLearner);
      pr.lastAckTick = Number.NEGATIVE_INFINITY;
      if (id === this.id) {
        pr.match = last;
        pr.recentActive = true;
      }
      this.prs.set(id, pr);
    }
    this.pendingConfIndex = 0;
    this.readOnly.clear();
    this.pendingReadIndexMessages = [];
    this.leadTransferee = NONE;
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.role = 'follower';
    this.logger.debug('raft: became follower', { id: this.id, term, lead });
  }

  private becomePreCandidate(): void {
    assert(this.role !== 'leader', 'invalid transition leader -> precandidate');
    // Pre-candidacy changes neither the term nor the vote: that is the point of pre-vote.
    this.votes.clear();
    this.lead = NONE;
    this.role = 'precandidate';
    this.logger.debug('raft: became pre-candidate', { id: this.id, term: this.term });
  }

  private becomeCandidate(): void {
    assert(this.role !== 'leader', 'invalid transition leader -> candidate');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
    this.logger.debug('raft: became candidate', { id: this.id, term: this.term });
  }

  private becomeLeader(): void {
    assert(this.role !== 'follower', 'invalid transition follower -> leader');
    this.reset(this.term);
    this.lead = this.id;
    this.role = 'leader';
    this.prs.get(this.id)?.becomeReplicate();
    // Conservatively treat any conf entry in the log as pending until applied.
    this.pendingConfIndex = this.log.lastIndex();
    // The no-op of the new term (thesis §6.4): earlier-term entries commit only behind it.
    this.appendEntries([{ term: 0, index: 0, type: EntryType.Normal, data: new Uint8Array(0) }]);
    this.logger.info('raft: became leader', { id: this.id, term: this.term });
  }

  private hup(transfer: boolean): void {
    if (this.role === 'leader' || !this.promotable()) return;
    if (this.hasUnappliedConfChange()) {
      this.logger.warn('raft: cannot campaign with an unapplied configuration change', { id: this.id });
      return;
    }
    // A transfer skips pre-vote: the old leader asked for this election, so it cannot be disruptive.
    this.campaign(transfer ? 'transfer' : this.cfg.preVote ? 'pre' : 'election');
  }

  private hasUnappliedConfChange(): boolean {
    if (this.log.applied >= this.log.committed) return false;
    const ents = this.log.slice(this.log.applied + 1, this.log.committed + 1, Number.MAX_SAFE_INTEGER) ?? [];
    return ents.some((e) => e.type === EntryType.ConfChange);
  }

  private campaign(kind: 'pre' | 'election' | 'transfer'): void {
    let voteMsg: MessageType;
    let term: number;
    if (kind === 'pre') {
      this.becomePreCandidate();
      voteMsg = 'MsgPreVote';
      term = this.term + 1; // the term we would campaign in; our own term is unchanged
    } else {
      this.becomeCandidate();
      voteMsg = 'MsgVote';
      term = this.term;
    }
    if (this.poll(this.id, true) === 'won') {
      if (kind === 'pre') this.campaign('election');
      else this.becomeLeader();
      return;
    }
    const index = this.log.lastIndex();
    const logTerm = this.log.lastTerm();
    const context = kind === 'transfer' ? CAMPAIGN_TRANSFER : '';
    for (const id of this.voters) {
      if (id !== this.id) this.send(message({ type: voteMsg, to: id, term, index, logTerm, context }));
    }
  }

  private poll(id: NodeId, granted: boolean): VoteResult {
    if (!this.votes.has(id)) this.votes.set(id, granted);
    return voteResult(this.voters, this.votes);
  }

  // -------------------------------------------------------------------------------------------
  // 3. step

  step(m: Message): void {
    if (m.term === 0) {
      // local message
    } else if (m.term > this.term) {
      if (m.type === 'MsgVote' || m.type === 'MsgPreVote') {
        // Check-quorum lease: a follower that heard from a live leader within the minimum
        // election timeout ignores vote requests, so a rejoining node cannot depose it.
        // A transfer campaign (MsgTimeoutNow from the leader itself) is exempt.
        const force = m.context === CAMPAIGN_TRANSFER;
        const inLease = this.cfg.checkQuorum && this.lead !== NONE && this.electionElapsed < this.cfg.electionTicks;
        if (inLease && !force) return;
      }
      if (m.type === 'MsgPreVote') {
        // never change term in response to a pre-vote
      } else if (m.type === 'MsgPreVoteResp' && !m.reject) {
        // our own pre-vote was granted at the future term; the term moves when we campaign
      } else if (m.type === 'MsgApp' || m.type === 'MsgHeartbeat' || m.type === 'MsgSnap') {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NONE);
      }
    } else if (m.term < this.term) {
      if ((this.cfg.checkQuorum || this.cfg.preVote) && (m.type === 'MsgHeartbeat' || m.type === 'MsgApp')) {
        // A stale leader (e.g. back from a partition) learns the new term from this reply and
        // steps down; without it, check-quorum/pre-vote could leave it stranded forever.
        this.send(message({ type: 'MsgAppResp', to: m.from }));
      } else if (m.type === 'MsgPreVote') {
        this.send(message({ type: 'MsgPreVoteResp', to: m.from, term: this.term, reject: true }));
      }
      return;
    }

    switch (m.type) {
      case 'MsgHup':
        this.hup(m.context === CAMPAIGN_TRANSFER);
        return;
      case 'MsgVote':
      case 'MsgPreVote': {
        const canVote = this.vote === m.from || (this.vote === NONE && this.lead === NONE) ||
          (m.type === 'MsgPreVote' && m.term > this.term);
        const respType = m.type === 'MsgVote' ? 'MsgVoteResp' : 'MsgPreVoteResp';
        if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
          this.send(message({ type: respType, to: m.from, term: m.term }));
          if (m.type === 'MsgVote') {
            this.electionElapsed = 0;
            this.vote = m.from;
          }
        } else {
          this.send(message({ type: respType, to: m.from, term: this.term, reject: true }));
        }
        return;
      }
    }
    switch (this.role) {
      case 'leader': this.stepLeader(m); return;
      case 'candidate':
      case 'precandidate': this.stepCandidate(m); return;
      case 'follower': this.stepFollower(m); return;
    }
  }

  private stepLeader(m: Message): void {
    switch (m.type) {
      case 'MsgBeat':
        this.bcastHeartbeat();
        return;
      case 'MsgCheckQuorum':
        if (!this.quorumActive()) {
          this.logger.warn('raft: stepping down, no quorum heard from within an election timeout', { id: this.id, term: this.term });
          this.becomeFollower(this.term, NONE);
          return;
        }
        for (const pr of this.prs.values()) if (pr.id !== this.id) pr.recentActive = false;
        return;
      case 'MsgProp':
        this.propose(m.entries);
        return;
      case 'MsgReadIndex':
        this.leaderReadIndex(m);
        return;
      case 'MsgTransferLeader':
        this.transferLeader(m.from);
        return;
    }
    const pr = this.prs.get(m.from);
    if (!pr) return;
    switch (m.type) {
      case 'MsgAppResp':
        pr.recentActive = true;
        pr.lastAckTick = Math.max(pr.lastAckTick, m.sentTick);
        this.handleAppendResponse(m, pr);
        return;
      case 'MsgHeartbeatResp':
        pr.recentActive = true;
        pr.lastAckTick = Math.max(pr.lastAckTick, m.sentTick);
        this.handleHeartbeatResponse(m, pr);
        return;
      case 'MsgSnapStatus':
        if (pr.state !== 'snapshot') return;
        if (m.reject) pr.pendingSnapshot = 0;
        pr.becomeProbe();
        pr.probeSent = true; // wait for a heartbeat response before probing again
        return;
      case 'MsgUnreachable':
        if (pr.state === 'replicate') pr.becomeProbe();
        return;
    }
  }

  private stepCandidate(m: Message): void {
    const myVoteResp: MessageType = this.role === 'precandidate' ? 'MsgPreVoteResp' : 'MsgVoteResp';
    switch (m.type) {
      case 'MsgApp':
        this.becomeFollower(m.term, m.from);
        this.handleAppendEntries(m);
        return;
      case 'MsgHeartbeat':
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case 'MsgSnap':
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case myVoteResp: {
        const res = this.poll(m.from, !m.reject);
        if (res === 'won') {
          if (this.role === 'precandidate') {
            this.campaign('election');
          } else {
            this.becomeLeader();
            this.bcastAppend();
          }
        } else if (res === 'lost') {
          this.becomeFollower(this.term, NONE);
        }
        return;
      }
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'MsgApp':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppendEntries(m);
        return;
      case 'MsgHeartbeat':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case 'MsgSnap':
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case 'MsgReadIndex':
        if (this.lead === NONE) return; // dropped; the driver times the request out
        this.send(message({ type: 'MsgReadIndex', to: this.lead, context: m.context }));
        return;
      case 'MsgReadIndexResp':
        this.readStates.push({ index: m.index, context: m.context });
        return;
      case 'MsgTimeoutNow':
        // Only our leader may ask us to campaign at once; anything else is stale or confused.
        if (this.lead !== NONE && m.from !== this.lead) return;
        this.logger.info('raft: campaigning at once on the leader\'s request (leadership transfer)', { id: this.id, term: this.term });
        this.hup(true);
        return;
    }
  }

  private handleAppendEntries(m: Message): void {
    if (m.index < this.log.committed) {
      this.send(message({ type: 'MsgAppResp', to: m.from, sentTick: m.sentTick, index: this.log.committed }));
      return;
    }
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew !== null) {
      this.send(message({ type: 'MsgAppResp', to: m.from, sentTick: m.sentTick, index: lastNew }));
      return;
    }
    const hint = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    this.send(message({ type: 'MsgAppResp', to: m.from, sentTick: m.sentTick, index: m.index, reject: true, rejectHint: hint.index, logTerm: hint.term }));
  }

  private handleHeartbeat(m: Message): void {
    this.log.commitTo(Math.min(m.commit, this.log.lastIndex()));
    this.send(message({ type: 'MsgHeartbeatResp', to: m.from, context: m.context, sentTick: m.sentTick }));
  }

  private handleSnapshot(m: Message): void {
    const s = m.snapshot;
    if (!s) return;
    if (this.restore(s)) {
      this.logger.info('raft: restored snapshot', { id: this.id, index: s.meta.index, term: s.meta.term });
      this.send(message({ type: 'MsgAppResp', to: m.from, sentTick: m.sentTick, index: this.log.lastIndex() }));
    } else {
      this.send(message({ type: 'MsgAppResp', to: m.from, sentTick: m.sentTick, index: this.log.committed }));
    }
  }

  private handleAppendResponse(m: Message, pr: Progress): void {
    if (m.reject) {
      let nextProbe = m.rejectHint;
      if (m.logTerm > 0) nextProbe = this.log.findConflictByTerm(m.rejectHint, m.logTerm).index;
      if (pr.maybeDecrTo(m.index, nextProbe)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.sendAppend(m.from);
      }
      return;
    }
    const oldPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.index)) return;
    if (pr.state === 'probe') {
      pr.becomeReplicate();
    } else if (pr.state === 'snapshot' && pr.match + 1 >= this.log.firstIndex()) {
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === 'replicate') {
      pr.inflights.freeLE(m.index);
    }
    if (this.maybeCommit()) {
      this.bcastAppend();
    } else if (oldPaused) {
      this.sendAppend(m.from);
    }
    // Keep the pipeline full while the follower is behind and the inflight window allows.
    while (this.sendAppend(m.from, false)) { /* drain */ }
    // The transferee has caught up with a log that can no longer grow: it may campaign now.
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) this.sendTimeoutNow(m.from);
  }

  private handleHeartbeatResponse(m: Message, pr: Progress): void {
    pr.probeSent = false;
    if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
    if (pr.match < this.log.lastIndex()) this.sendAppend(m.from);
    if (m.context === '') return;
    const acks = this.readOnly.recvAck(m.from, m.context);
    if (!acks || !this.hasQuorum(acks)) return;
    for (const rs of this.readOnly.advance(m.context)) this.respondReadIndex(rs.from, rs.index, rs.context);
  }

  // -------------------------------------------------------------------------------------------
  // 4. Replication helpers

  /** Appends `entries` (their term/index are assigned here) to the leader's log and replicates them. */
  propose(entries: Entry[]): ProposeOutcome {
    if (this.role !== 'leader') return { accepted: false, reason: this.lead === NONE ? 'no-leader' : 'not-leader' };
    if (!this.prs.has(this.id)) return { accepted: false, reason: 'not-member' };
    if (this.leadTransferee !== NONE) return { accepted: false, reason: 'transferring' };
    const conf = entries.findIndex((e) => e.type === EntryType.ConfChange);
    if (conf >= 0) {
      // One membership change at a time (thesis §4.1): the next waits for this one to apply.
      if (this.pendingConfIndex > this.log.applied || entries.length !== 1) return { accepted: false, reason: 'conf-change-pending' };
    }
    const firstIndex = this.log.lastIndex() + 1;
    this.appendEntries(entries);
    if (conf >= 0) this.pendingConfIndex = this.log.lastIndex();
    this.bcastAppend();
    return { accepted: true, term: this.term, firstIndex, lastIndex: this.log.lastIndex() };
  }

  private appendEntries(entries: Entry[]): void {
    const li = this.log.lastIndex();
    const es = entries.map((e, i) => ({ term: this.term, index: li + 1 + i, type: e.type, data: e.data }));
    const last = this.log.append(es);
    this.prs.get(this.id)?.maybeUpdate(last);
    this.maybeCommit();
  }

  /** Advances the commit index to what a quorum has replicated, if that entry is of this term. */
  private maybeCommit(): boolean {
    const mci = committedIndex(this.voters, (id) => this.prs.get(id)?.match ?? 0);
    if (!this.log.maybeCommit(mci, this.term)) return false;
    if (this.pendingReadIndexMessages.length > 0 && this.committedEntryInCurrentTerm()) {
      const pending = this.pendingReadIndexMessages;
      this.pendingReadIndexMessages = [];
      for (const rm of pending) this.leaderReadIndex(rm);
    }
    return true;
  }

  private committedEntryInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  bcastAppend(): void {
    for (const id of this.prs.keys()) if (id !== this.id) this.sendAppend(id);
  }

  /** Sends entries from the follower's `next` on; returns whether a message went out. */
  private sendAppend(to: NodeId, sendIfEmpty = true): boolean {
    const pr = this.prs.get(to);
    if (!pr || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    const ents = prevTerm === null ? null : this.log.slice(pr.next, Number.MAX_SAFE_INTEGER, this.cfg.entriesPerMessageMax);
    if (prevTerm === null || ents === null) return this.sendSnapshot(pr);
    if (ents.length === 0 && !sendIfEmpty) return false;
    this.send(message({ type: 'MsgApp', to, index: prevIndex, logTerm: prevTerm, entries: ents, commit: this.log.committed, sentTick: this.tickCount }));
    pr.sentEntries(ents.length, ents.length > 0 ? ents[ents.length - 1]!.index : prevIndex);
    return true;
  }

  /** The follower needs compacted entries: send the latest snapshot instead. */
  private sendSnapshot(pr: Progress): boolean {
    if (!pr.recentActive) return false; // don't ship a snapshot to a peer that may be down
    const snap = this.log.storage.snapshot();
    if (!snap) return false; // not available yet; retried on the next heartbeat response
    pr.becomeSnapshot(snap.meta.index);
    this.send(message({ type: 'MsgSnap', to: pr.id, snapshot: snap, sentTick: this.tickCount }));
    return true;
  }

  private bcastHeartbeat(): void {
    const context = this.readOnly.lastPendingContext() ?? '';
    for (const pr of this.prs.values()) {
      if (pr.id === this.id) continue;
      this.send(message({ type: 'MsgHeartbeat', to: pr.id, commit: Math.min(pr.match, this.log.committed), context, sentTick: this.tickCount }));
    }
  }

  private leaderReadIndex(m: Message): void {
    if (this.isSoleVoter()) {
      this.respondReadIndex(m.from, this.log.committed, m.context);
      return;
    }
    // Until an entry of this term is committed, the leader may not know the latest commit index.
    if (!this.committedEntryInCurrentTerm()) {
      if (this.pendingReadIndexMessages.length < this.cfg.readIndexPendingMax) this.pendingReadIndexMessages.push(m);
      return;
    }
    if (!this.readOnly.add(this.log.committed, m.from, m.context)) return;
    this.readOnly.recvAck(this.id, m.context);
    for (const pr of this.prs.values()) {
      if (pr.id === this.id) continue;
      this.send(message({ type: 'MsgHeartbeat', to: pr.id, commit: Math.min(pr.match, this.log.committed), context: m.context, sentTick: this.tickCount }));
    }
  }

  // ---- leadership transfer (thesis §3.10, etcd's MsgTimeoutNow)

  /**
   * Starts handing leadership to `to`: proposals stop, the target is brought up to date, then
   * told to campaign at once. A request for a non-voter, for ourselves or for the transfer
   * already running changes nothing; a request for another target replaces the running one.
   */
  private transferLeader(to: NodeId): void {
    const pr = this.prs.get(to);
    if (!pr || pr.isLearner || to === this.id) {
      this.logger.warn('raft: ignoring leadership transfer to a server that is not another voter', { id: this.id, to });
      return;
    }
    if (this.leadTransferee === to) return;
    if (this.leadTransferee !== NONE) this.abortLeaderTransfer(`replaced by a transfer to ${to}`);
    this.logger.info('raft: transferring leadership', { id: this.id, to, term: this.term });
    // The transfer must finish within one election timeout (counted from now).
    this.electionElapsed = 0;
    this.leadTransferee = to;
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(to);
    else this.sendAppend(to);
  }

  private sendTimeoutNow(to: NodeId): void {
    this.send(message({ type: 'MsgTimeoutNow', to }));
  }

  private abortLeaderTransfer(why: string): void {
    this.logger.info('raft: leadership transfer abandoned', { id: this.id, to: this.leadTransferee, why });
    this.leadTransferee = NONE;
  }

  /** The voter (other than us) with the highest match index, or NONE. For transfers without a target. */
  mostUpToDateVoter(): NodeId {
    let best: NodeId = NONE;
    let bestMatch = -1;
    for (const id of this.voters) {
      if (id === this.id) continue;
      const m = this.prs.get(id)?.match ?? 0;
      if (m > bestMatch) {
        best = id;
        bestMatch = m;
      }
    }
    return best;
  }

  private respondReadIndex(from: NodeId, index: number, context: string): void {
    if (from === NONE || from === this.id) this.readStates.push({ index, context });
    else this.send(message({ type: 'MsgReadIndexResp', to: from, index, context }));
  }

  private hasQuorum(ids: ReadonlySet<NodeId>): boolean {
    let n = 0;
    for (const v of this.voters) if (ids.has(v)) n++;
    return n >= quorumSize(this.voters.length);
  }

  private quorumActive(): boolean {
    let n = 0;
    for (const v of this.voters) if (v === this.id || this.prs.get(v)?.recentActive) n++;
    return n >= quorumSize(this.voters.length);
  }

  /**
   * Leader lease (thesis §6.4.1): true while a quorum of voters acknowledged this leader within
   * the last `leaseTicks`. Because followers ignore vote requests for an election timeout after
   * hearing from a leader (check-quorum), no other leader can exist during the lease, so reads
   * may be served locally. It assumes bounded clock drift, hence the lease < election timeout.
   */
  hasLease(): boolean {
    if (this.role !== 'leader' || !this.committedEntryInCurrentTerm()) return false;
    if (this.isSoleVoter()) return true;
    const acks = this.voters.map((v) => (v === this.id ? this.tickCount : this.prs.get(v)?.lastAckTick ?? Number.NEGATIVE_INFINITY));
    acks.sort((a, b) => b - a);
    const quorumAck = acks[quorumSize(this.voters.length) - 1]!;
    return quorumAck >= this.tickCount - this.cfg.leaseTicks;
  }

  private send(m: Message): void {
    m.from = this.id;
    if (m.type === 'MsgVote' || m.type === 'MsgPreVote' || m.type === 'MsgVoteResp' || m.type === 'MsgPreVoteResp') {
      // Votes carry an explicit term (pre-votes use the future term); a missing one is a bug.
      assert(m.term !== 0, `term must be set when sending ${m.type}`);
    } else {
      assert(m.term === 0, `term must not be set when sending ${m.type}`);
      m.term = this.term;
    }
    this.msgs.push(m);
  }

  // -------------------------------------------------------------------------------------------
  // 5. Configuration and snapshots

  /**
   * Replaces the set of voters and non-voters. The driver calls this when it applies a
   * committed configuration entry (membership takes effect at apply, as in etcd).
   */
  applyConfState(cs: ConfState): void {
    this.setConfState(cs);
    if (this.role === 'leader') {
      if (!this.voters.includes(this.id)) {
        // We removed ourselves. The change is committed, so a quorum of the new configuration
        // has it; ask its most up-to-date voter to campaign at once instead of leaving the
        // cluster to wait out an election timeout. (Safe either way: votes still check logs.)
        const next = this.mostUpToDateVoter();
        if (next !== NONE) this.sendTimeoutNow(next);
        this.becomeFollower(this.term, NONE);
        return;
      }
      if (this.leadTransferee !== NONE && !this.voters.includes(this.leadTransferee)) this.abortLeaderTransfer('the target left the configuration');
      // The quorum may have shrunk (commit can advance) and new peers need their first append.
      this.maybeCommit();
      this.bcastAppend();
    }
  }

  private setConfState(cs: ConfState): void {
    for (const id of cs.voters) assert(!cs.learners.includes(id), `${id} is both a voter and a non-voter`);
    this.voters = [...new Set(cs.voters)].sort();
    this.learners = new Set(cs.learners);
    const last = this.log.lastIndex();
    const keep = new Set([...this.voters, ...this.learners]);
    for (const id of [...this.prs.keys()]) if (!keep.has(id)) this.prs.delete(id);
    for (const id of keep) {
      const existing = this.prs.get(id);
      if (existing) {
        existing.isLearner = this.learners.has(id);
        continue;
      }
      const pr = new Progress(id, last + 1, this.cfg.inflightMessagesMax, this.learners.has(id));
      pr.lastAckTick = Number.NEGATIVE_INFINITY;
      pr.recentActive = true; // give a new peer an election timeout before check-quorum counts it out
      if (id === this.id) pr.match = last;
      this.prs.set(id, pr);
    }
  }

  confState(): ConfState {
    return { voters: [...this.voters], learners: [...this.learners].sort() };
  }

  /** Installs a snapshot from the leader; false if we already have everything it covers. */
  private restore(s: Snapshot): boolean {
    if (s.meta.index <= this.log.committed) return false;
    if (this.log.matchTerm(s.meta.index, s.meta.term)) {
      // Our log already contains the snapshot's last entry: just fast-forward the commit index.
      this.log.commitTo(s.meta.index);
      return false;
    }
    this.log.restore(s);
    this.setConfState(s.meta.confState);
    return true;
  }
}
