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
  private entries = new Set<Entry>();
  private readonly byName = new Map<string, Entry>();
  private idGen = 0;

  constructor(
    private readonly retransmitMult: number,
    private readonly numNodes: () => number,
  ) {}

  queue(b: Broadcast): void {
    if (b.name !== undefined) {
      const old = this.byName.get(b.name);
      if (old) {
        this.entries.delete(old);
        old.b.onDone?.();
      }
    }
    const e = { b, transmits: 0, id: ++this.idGen };
    this.entries.add(e);
    if (b.name !== undefined) this.byName.set(b.name, e);
  }

  size(): number {
    return this.entries.size;
  }

  /** Drops the oldest entries beyond `max` (serf's MaxQueueDepth). */
  prune(max: number): void {
    if (this.entries.size <= max) return;
    const all = [...this.entries].sort((a, b) => a.id - b.id);
    for (const e of all.slice(0, all.length - max)) this.remove(e);
  }

  /** Picks broadcasts that fit in `limit` bytes, each costing `overhead` extra bytes. */
  getBroadcasts(overhead: number, limit: number): Uint8Array[] {
    if (this.entries.size === 0) return [];
    const transmitLimit = this.retransmitMult * Math.ceil(Math.log10(this.numNodes() + 1));
    const sorted = [...this.entries].sort(
      (a, b) => a.transmits - b.transmits || b.b.msg.length - a.b.msg.length || b.id - a.id,
    );
    const out: Uint8Array[] = [];
    let used = 0;
    for (const e of sorted) {
      const cost = overhead + e.b.msg.length;
      if (used + cost > limit) continue;
      used += cost;
      out.push(e.b.msg);
      e.transmits++;
      if (e.transmits >= transmitLimit) this.remove(e);
      // Nothing smaller than the overhead plus one byte can fit any more.
      if (limit - used <= overhead) break;
    }
    return out;
  }

  reset(): void {
    for (const e of [...this.entries]) this.remove(e);
  }

  private remove(e: Entry): void {
    this.entries.delete(e);
    if (e.b.name !== undefined && this.byName.get(e.b.name) === e) this.byName.delete(e.b.name);
    e.b.onDone?.();
  }
}
