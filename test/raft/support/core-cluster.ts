// A hand-driven in-memory cluster of RawNodes for core tests: every Ready is persisted to a
// MemoryStorage, its messages are queued on a network that can be partitioned, and committed
// entries are recorded per node. Nothing is timed; tests decide when to tick and deliver.

import { RawNode } from '../../../src/raft/core/raw-node.js';
import { EntryType, type Entry, type Message, type ReadState } from '../../../src/raft/core/messages.js';
import { MemoryStorage } from '../../../src/raft/storage/memory-storage.js';
import { decodeSnapshotFromCore } from '../../../src/raft/storage/storage.js';
import { seededRng } from '../../../src/lib/rng.js';

export interface ClusterNode {
  id: string;
  node: RawNode;
  storage: MemoryStorage;
  applied: Entry[];
  readStates: ReadState[];
}

export interface CoreClusterOptions {
  electionTicks?: number;
  heartbeatTicks?: number;
  preVote?: boolean;
  checkQuorum?: boolean;
  seed?: number;
  learners?: string[];
  entriesPerMessageMax?: number;
  /** Pre-existing logs: entry terms for indexes 1.., and the hard state. */
  logs?: Record<string, { terms: number[]; term: number; commit: number }>;
}

export class CoreCluster {
  readonly nodes = new Map<string, ClusterNode>();
  queue: Message[] = [];
  /** Links that drop messages, as "from->to". */
  private readonly cut = new Set<string>();
  /** Every message ever sent (for assertions on traffic). */
  readonly sent: Message[] = [];

  /** Called after each delivered message (for invariants that must hold at every step). */
  onStep: ((m: Message) => void) | null = null;

  private readonly opts: CoreClusterOptions;

  constructor(ids: string[], opts: CoreClusterOptions = {}) {
    this.opts = opts;
    const learners = opts.learners ?? [];
    ids.forEach((id, i) => {
      const storage = MemoryStorage.withConfState({ voters: ids.filter((x) => !learners.includes(x)), learners });
      const pre = opts.logs?.[id];
      if (pre) {
        storage.append(pre.terms.map((term, k) => ({ term, index: k + 1, type: EntryType.Normal, data: new Uint8Array(0) })));
        storage.setHardState({ term: pre.term, vote: '', commit: pre.commit });
      }
      const node = new RawNode({
        id, storage, electionTicks: opts.electionTicks ?? 10, heartbeatTicks: opts.heartbeatTicks ?? 1,
        preVote: opts.preVote ?? true, checkQuorum: opts.checkQuorum ?? true, rng: seededRng((opts.seed ?? 1) * 100 + i),
        entriesPerMessageMax: opts.entriesPerMessageMax ?? 64, applied: pre?.commit ?? 0,
      });
      this.nodes.set(id, { id, node, storage, applied: [], readStates: [] });
    });
  }

  /**
   * Crash and restart `id`: a new RawNode over the same storage, which holds exactly what was
   * persisted (every processed Ready was persisted before its messages left). Applied entries
   * are replayed from the start, so the record of them is reset.
   */
  restart(id: string): void {
    const old = this.get(id);
    const i = [...this.nodes.keys()].indexOf(id);
    const node = new RawNode({
      id, storage: old.storage, electionTicks: this.opts.electionTicks ?? 10, heartbeatTicks: this.opts.heartbeatTicks ?? 1,
      preVote: this.opts.preVote ?? true, checkQuorum: this.opts.checkQuorum ?? true,
      rng: seededRng((this.opts.seed ?? 1) * 100 + i + 1000 * (++this.restarts)), entriesPerMessageMax: this.opts.entriesPerMessageMax ?? 64,
      applied: old.storage.snapshotMeta().index,
    });
    const snap = old.storage.latestSnapshot();
    this.nodes.set(id, { id, node, storage: old.storage, applied: snap ? decodeApplied(snap.fsm) : [], readStates: [] });
  }
  private restarts = 0;

  /** Takes a snapshot of `id` at its applied index and compacts its log `trailing` entries behind. */
  snapshotAndCompact(id: string, trailing: number): void {
    const n = this.get(id);
    const r = n.node.raft;
    const index = r.log.applied;
    const term = r.log.term(index);
    if (index <= n.storage.snapshotMeta().index || term === null) return;
    const cs = r.confState();
    const servers = [
      ...cs.voters.map((v) => ({ id: v, address: v, suffrage: 'voter' as const })),
      ...cs.learners.map((v) => ({ id: v, address: v, suffrage: 'nonvoter' as const })),
    ];
    void n.storage.saveSnapshot({ index, term, configuration: { servers, index: 0 }, fsm: encodeApplied(n.applied.filter((e) => e.index <= index)) }, false);
    n.storage.compact(index - trailing);
  }

  /** Delivers one queued message (by position), unless its link is cut. */
  deliverAt(pos: number): void {
    const [m] = this.queue.splice(pos, 1);
    if (!m || this.cut.has(`${m.from}->${m.to}`)) return;
    const to = this.nodes.get(m.to);
    if (!to) return;
    to.node.step(m);
    this.onStep?.(m);
  }

  get(id: string): ClusterNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  /** Drains every node's Ready: persist, queue messages, record applied entries, advance. */
  processReadies(): void {
    for (const n of this.nodes.values()) {
      while (n.node.hasReady()) {
        const rd = n.node.ready();
        if (rd.snapshot) {
          // InstallSnapshot: the "FSM" of a cluster node is its list of applied entries.
          const stored = decodeSnapshotFromCore(rd.snapshot);
          void n.storage.saveSnapshot(stored, true); // MemoryStorage completes synchronously
          n.applied = decodeApplied(stored.fsm);
        }
        if (rd.entries.length > 0) n.storage.append(rd.entries);
        if (rd.hardState) n.storage.setHardState(rd.hardState);
        for (const m of rd.messages) {
          this.sent.push(m);
          this.queue.push(m);
        }
        // As the driver does: a snapshot counts as sent; if it is lost, the follower is probed again.
        for (const m of rd.messages) if (m.type === 'MsgSnap') n.node.reportSnapshot(m.to, false);
        for (const e of rd.committedEntries) n.applied.push(e);
        n.readStates.push(...rd.readStates);
        n.node.advance(rd);
      }
    }
  }

  /** Delivers queued messages (and the replies they cause) until the network is quiet. */
  stabilize(limit = 10_000): void {
    this.processReadies();
    let steps = 0;
    while (this.queue.length > 0) {
      if (++steps > limit) throw new Error('cluster did not stabilize');
      const batch = this.queue;
      this.queue = [];
      for (const m of batch) {
        if (this.cut.has(`${m.from}->${m.to}`)) continue;
        const to = this.nodes.get(m.to);
        if (!to) continue;
        to.node.step(m);
        this.onStep?.(m);
      }
      this.processReadies();
    }
  }

  tick(id: string, n = 1): void {
    for (let i = 0; i < n; i++) this.get(id).node.tick();
  }

  /** Ticks every node once, then stabilizes; repeated `rounds` times. */
  tickAll(rounds: number): void {
    for (let r = 0; r < rounds; r++) {
      for (const n of this.nodes.values()) n.node.tick();
      this.stabilize();
    }
  }

  /** Cuts `id` off from every other node in both directions. */
  isolate(id: string): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}->${other}`);
      this.cut.add(`${other}->${id}`);
    }
  }

  partition(...groups: string[][]): void {
    for (const a of groups) for (const b of groups) {
      if (a === b) continue;
      for (const x of a) for (const y of b) this.cut.add(`${x}->${y}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  leaders(): string[] {
    return [...this.nodes.values()].filter((n) => n.node.raft.role === 'leader').map((n) => n.id);
  }

  /** Committed application data (no-ops excluded) as strings. */
  appliedData(id: string): string[] {
    return this.get(id).applied.filter((e) => e.type === EntryType.Normal && e.data.length > 0).map((e) => new TextDecoder().decode(e.data));
  }

  /** Elects `id` by campaigning it explicitly and delivering everything. */
  elect(id: string): void {
    this.get(id).node.campaign();
    this.stabilize();
  }
}

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

function encodeApplied(entries: Entry[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(entries.map((e) => [e.index, e.term, e.type, new TextDecoder().decode(e.data)])));
}

function decodeApplied(data: Uint8Array): Entry[] {
  const rows = JSON.parse(new TextDecoder().decode(data)) as [number, number, Entry['type'], string][];
  return rows.map(([index, term, type, d]) => ({ index, term, type, data: new TextEncoder().encode(d) }));
}
