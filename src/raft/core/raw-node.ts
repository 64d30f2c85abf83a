// RawNode: the synchronous API over Raft (etcd's rawnode.go). Inputs: tick, step, propose,
// readIndex. Output: Ready, acknowledged with advance(). See ../README.md for the contract.

import { assert } from '../../lib/assert.js';
import {
  type ConfState, type Entry, EntryType, type HardState, type Message, NONE, type Ready, type SoftState,
  hardStateEqual, isLocalMessage, isResponseMessage, message,
} from './messages.js';
import { Raft, type ProposeOutcome, type RaftConfig } from './raft.js';

export class RawNode {
  readonly raft: Raft;
  private prevSoft: SoftState;
  private prevHard: HardState;
  /** A Ready was returned and not yet advanced. */
  private outstanding: Ready | null = null;

  constructor(config: RaftConfig) {
    this.raft = new Raft(config);
    this.prevSoft = this.raft.softState();
    this.prevHard = this.raft.hardState();
  }

  /** Advances logical time by one tick (election and heartbeat timeouts are counted in ticks). */
  tick(): void {
    this.raft.tick();
  }

  /** Starts an election now (used by tests and leadership transfer). */
  campaign(): void {
    this.raft.step(message({ type: 'MsgHup', from: this.raft.id }));
  }

  /**
   * Feeds a message from a peer. Local-only message types and responses from unknown peers are
   * ignored: they can only come from a confused or malicious sender.
   */
  step(m: Message): void {
    if (isLocalMessage(m.type) || m.type === 'MsgProp') return;
    if (isResponseMessage(m.type) && !this.raft.prs.has(m.from)) return;
    this.raft.step(m);
  }

  /** Proposes commands; on the leader they are appended at once (nothing is queued elsewhere). */
  propose(data: readonly Uint8Array[]): ProposeOutcome {
    assert(data.length > 0, 'propose needs at least one entry');
    return this.raft.propose(data.map((d) => ({ term: 0, index: 0, type: EntryType.Normal, data: d })));
  }

  /** Proposes a configuration entry; its bytes are the driver's encoding of the new configuration. */
  proposeConfChange(data: Uint8Array): ProposeOutcome {
    return this.raft.propose([{ term: 0, index: 0, type: EntryType.ConfChange, data }]);
  }

  /**
   * Requests a linearizable read point. The answer arrives as a ReadState with the same
   * `context` in a later Ready (or never, if leadership is lost: callers need a timeout).
   */
  readIndex(context: string): void {
    assert(context !== '', 'readIndex needs a non-empty context');
    this.raft.step(message({ type: 'MsgReadIndex', from: this.raft.id, context }));
  }

  /**
   * Starts a leadership transfer to `to` (leader only; ignored elsewhere). Proposals are refused
   * ('transferring') until `to` wins an election or an election timeout passes.
   */
  transferLeader(to: string): void {
    this.raft.step(message({ type: 'MsgTransferLeader', from: to }));
  }

  /** Reports that a message to `id` could not be delivered (the follower goes back to probing). */
  reportUnreachable(id: string): void {
    this.raft.step(message({ type: 'MsgUnreachable', from: id }));
  }

  /** Reports the outcome of sending a snapshot to `id`. */
  reportSnapshot(id: string, failed: boolean): void {
    this.raft.step(message({ type: 'MsgSnapStatus', from: id, reject: failed }));
  }

  /** Applies a committed configuration (call when applying a ConfChange entry). */
  applyConfState(cs: ConfState): void {
    this.raft.applyConfState(cs);
  }

  hasLease(): boolean {
    return this.raft.hasLease();
  }

  hasReady(): boolean {
    const r = this.raft;
    if (this.outstanding) return false;
    const ss = r.softState();
    if (ss.lead !== this.prevSoft.lead || ss.role !== this.prevSoft.role) return true;
    if (!hardStateEqual(r.hardState(), this.prevHard)) return true;
    if (r.log.unstable.snapshot) return true;
    return r.msgs.length > 0 || r.log.unstable.entries.length > 0 || r.readStates.length > 0 ||
      r.log.hasNextCommittedEnts();
  }

  /** Returns the pending work. Call advance() with it before calling ready() again. */
  ready(): Ready {
    assert(!this.outstanding, 'ready() called again before advance()');
    const r = this.raft;
    const ss = r.softState();
    const hs = r.hardState();
    const softChanged = ss.lead !== this.prevSoft.lead || ss.role !== this.prevSoft.role;
    const hardChanged = !hardStateEqual(hs, this.prevHard);
    const entries = r.log.unstable.entries.slice();
    const snapshot = r.log.unstable.snapshot;
    const rd: Ready = {
      softState: softChanged ? ss : null,
      hardState: hardChanged ? hs : null,
      readStates: r.readStates,
      entries,
      snapshot,
      committedEntries: r.log.nextCommittedEnts(r.cfg.committedEntriesPerReadyMax),
      messages: r.msgs,
      // Only a new vote/term or new entries need an fsync; a lost commit index is recomputed.
      mustSync: entries.length > 0 || snapshot !== null ||
        (hardChanged && (hs.term !== this.prevHard.term || hs.vote !== this.prevHard.vote)),
    };
    r.msgs = [];
    r.readStates = [];
    if (softChanged) this.prevSoft = ss;
    if (hardChanged) this.prevHard = hs;
    this.outstanding = rd;
    return rd;
  }

  /** Acknowledges that `rd` was persisted, sent and applied. */
  advance(rd: Ready): void {
    assert(this.outstanding === rd, 'advance() must be called with the last Ready');
    this.outstanding = null;
    const log = this.raft.log;
    if (rd.snapshot) {
      log.unstable.stableSnapTo(rd.snapshot.meta.index);
      log.applied = Math.max(log.applied, rd.snapshot.meta.index);
    }
    if (rd.entries.length > 0) {
      const last = rd.entries[rd.entries.length - 1]!;
      log.unstable.stableTo(last.index, last.term);
    }
    if (rd.committedEntries.length > 0) log.appliedTo(rd.committedEntries[rd.committedEntries.length - 1]!.index);
  }

  status(): {
    id: string; term: number; vote: string; lead: string; role: SoftState['role']; commit: number; applied: number;
    lastIndex: number; lastTerm: number; confState: ConfState; progress: Record<string, string>;
  } {
    const r = this.raft;
    const progress: Record<string, string> = {};
    if (r.role === 'leader') for (const [id, pr] of r.prs) progress[id] = pr.describe();
    return {
      id: r.id, term: r.term, vote: r.vote, lead: r.lead, role: r.role, commit: r.log.committed,
      applied: r.log.applied, lastIndex: r.log.lastIndex(), lastTerm: r.log.lastTerm(), confState: r.confState(), progress,
    };
  }
}

