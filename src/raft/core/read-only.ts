// ReadIndex bookkeeping on the leader (Raft thesis §6.4, etcd's readOnly): a read request
// records the commit index when it arrives; the leader then sends a heartbeat carrying the
// request's context, and once a quorum of voters has answered that heartbeat, the leader knows
// it was still leader at that moment, so the recorded index is safe to read at.

import type { NodeId } from './messages.js';

export interface ReadIndexStatus {
  /** Commit index when the request arrived. */
  index: number;
  /** Who asked: the leader itself or a follower that forwarded MsgReadIndex. */
  from: NodeId;
  context: string;
  acks: Set<NodeId>;
}

export class ReadOnly {
  private readonly pending = new Map<string, ReadIndexStatus>();
  private queue: string[] = [];

  constructor(readonly pendingMax: number) {}

  /** Returns false when the request is a duplicate or the queue is full. */
  add(index: number, from: NodeId, context: string): boolean {
    if (this.pending.has(context) || this.queue.length >= this.pendingMax) return false;
    this.pending.set(context, { index, from, context, acks: new Set() });
    this.queue.push(context);
    return true;
  }

  /** Records `from`'s acknowledgement of the heartbeat for `context`; returns the ack set. */
  recvAck(from: NodeId, context: string): Set<NodeId> | null {
    const rs = this.pending.get(context);
    if (!rs) return null;
    rs.acks.add(from);
    return rs.acks;
  }

  /**
   * Releases `context` and every request queued before it (a quorum that acknowledged a later
   * heartbeat also proves leadership for the earlier requests).
   */
  advance(context: string): ReadIndexStatus[] {
    const at = this.queue.indexOf(context);
    if (at < 0) return [];
    const done = this.queue.slice(0, at + 1);
    this.queue = this.queue.slice(at + 1);
    return done.map((c) => {
      const rs = this.pending.get(c)!;
      this.pending.delete(c);
      return rs;
    });
  }

  lastPendingContext(): string | null {
    return this.queue.length > 0 ? this.queue[this.queue.length - 1]! : null;
  }

  size(): number {
    return this.queue.length;
  }

  clear(): void {
    this.pending.clear();
    this.queue = [];
  }
}
