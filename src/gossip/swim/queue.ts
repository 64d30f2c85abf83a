// TransmitLimitedQueue (memberlist queue.go): broadcasts piggybacked on gossip and probes. Each is sent at most
// retransmitMult * ceil(log10(n+1)) times; fewer-sent first, then longer first, then newer first. A named
// broadcast replaces an older one with the same name (memberlist names its own by node).

export interface Broadcast {
  /** When set, a newer broadcast with the same name invalidates this one. */
  name?: string;
  msg: Uint8Array;
  /** Called once when the broadcast is sent its last time or is invalidated (leave waits on this). */
  onDone?: () => void;
}

interface Entry {
  b: Broadcast;
  transmits: number;
  id: number;
}

export class TransmitLimitedQueue {
  private entries: Entry[] = [];
  private idGen = 0;

  constructor(
    private readonly retransmitMult: number,
    private readonly numNodes: () => number,
  ) {}

  queue(b: Broadcast): void {
    if (b.name !== undefined) {
      const keep: Entry[] = [];
      for (const e of this.entries) {
        if (e.b.name === b.name) e.b.onDone?.();
        else keep.push(e);
      }
      this.entries = keep;
    }
    this.entries.push({ b, transmits: 0, id: ++this.idGen });
  }

  size(): number {
    return this.entries.length;
  }

  /** Drops the oldest entries beyond `max` (serf's MaxQueueDepth). */
  prune(max: number): void {
    if (this.entries.length <= max) return;
    this.entries.sort((a, b) => a.id - b.id);
    const drop = this.entries.splice(0, this.entries.length - max);
    for (const e of drop) e.b.onDone?.();
  }

  /** Picks broadcasts that fit in `limit` bytes, each costing `overhead` extra bytes. */
  getBroadcasts(overhead: number, limit: number): Uint8Array[] {
    if (this.entries.length === 0) return [];
    const transmitLimit = this.retransmitMult * Math.ceil(Math.log10(this.numNodes() + 1));
    this.entries.sort((a, b) => a.transmits - b.transmits || b.b.msg.length - a.b.msg.length || b.id - a.id);
    const out: Uint8Array[] = [];
    let used = 0;
    const keep: Entry[] = [];
    for (const e of this.entries) {
      const cost = overhead + e.b.msg.length;
      if (used + cost > limit) {
        keep.push(e);
        continue;
      }
      used += cost;
      out.push(e.b.msg);
      e.transmits++;
      if (e.transmits >= transmitLimit) e.b.onDone?.();
      else keep.push(e);
    }
    this.entries = keep;
    return out;
  }

  reset(): void {
    for (const e of this.entries) e.b.onDone?.();
    this.entries = [];
  }
}
