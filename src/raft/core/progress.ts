// The leader's view of each follower (etcd's tracker.Progress), drawn as states:
//
//   probe ──(append acked)──> replicate ──(rejected / unreachable)──> probe
//     └──(needed entries compacted)──> snapshot ──(snapshot acked/failed)──> probe
//
// probe: one MsgApp per heartbeat interval until the follower's match point is found.
// replicate: optimistic pipelining; `next` moves ahead of acknowledgements, bounded by Inflights.
// snapshot: waiting for an InstallSnapshot to land; nothing else is sent.

import type { NodeId } from './messages.js';

/** A bounded FIFO of the last index of each unacknowledged MsgApp. */
export class Inflights {
  private readonly items: number[] = [];
  constructor(readonly capacity: number) {}

  add(lastIndex: number): void {
    this.items.push(lastIndex);
  }
  /** Frees every message whose last index is <= `to`. */
  freeLE(to: number): void {
    let n = 0;
    while (n < this.items.length && this.items[n]! <= to) n++;
    if (n > 0) this.items.splice(0, n);
  }
  freeFirstOne(): void {
    this.items.shift();
  }
  full(): boolean {
    return this.items.length >= this.capacity;
  }
  count(): number {
    return this.items.length;
  }
  reset(): void {
    this.items.length = 0;
  }
}

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** Snapshot state: index of the snapshot being installed. */
  pendingSnapshot = 0;
  /** Set by any message from the peer; cleared by each check-quorum round. */
  recentActive = false;
  /** Probe state: a MsgApp is outstanding, so hold further ones until a heartbeat response. */
  probeSent = false;
  /** Leader tick at which this peer last responded (lease bookkeeping). */
  lastAckTick = 0;
  readonly inflights: Inflights;

  constructor(readonly id: NodeId, next: number, inflightMax: number, public isLearner: boolean) {
    this.next = next;
    this.inflights = new Inflights(inflightMax);
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      const pending = this.pendingSnapshot;
      this.resetState('probe');
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState('probe');
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState('snapshot');
    this.pendingSnapshot = snapshotIndex;
  }

  /** Records that a MsgApp carrying `count` entries ending at `lastIndex` was sent. */
  sentEntries(count: number, lastIndex: number): void {
    if (this.state === 'replicate') {
      if (count > 0) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex);
      }
    } else if (this.state === 'probe' && count > 0) {
      this.probeSent = true;
    }
  }

  /** Handles an acknowledgement up to `n`; returns false if it was stale. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /**
   * Handles a rejected MsgApp at index `rejected`; `matchHint` is the follower's best guess of
   * where the logs agree. Returns false when the rejection is stale (from an older probe).
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe': return this.probeSent;
      case 'replicate': return this.inflights.full();
      case 'snapshot': return true;
    }
  }

  describe(): string {
    return `${this.state} match=${this.match} next=${this.next}${this.isLearner ? ' learner' : ''}` +
      (this.state === 'snapshot' ? ` pendingSnap=${this.pendingSnapshot}` : '') +
      (this.probeSent ? ' paused' : '') + (this.inflights.count() > 0 ? ` inflight=${this.inflights.count()}` : '');
  }
}
