// SimServer: a deterministic driver over the Raft core, following the Ready contract the way
// src/raft/node.ts does: persist (one fsync, which takes virtual time) -> send -> apply ->
// advance, except that appends and heartbeats whose commit index is already durable are sent
// before the fsync (node.ts since c98cd85). Client requests are handled like the server layer over node.ts: writes and cas are
// proposals answered when the entry is applied here with the proposal's term; consistent reads
// use ReadIndex and wait for the applied index; default ("lease") reads are served by a leader
// holding its lease, at its commit index.

import { RawNode } from '../../src/raft/core/raw-node.js';
import { type ConfState, type Entry, EntryType, type Message, NONE, type Ready } from '../../src/raft/core/messages.js';
import type { RaftConfiguration } from '../../src/raft/api.js';
import { decodeSnapshotFromCore } from '../../src/raft/storage/storage.js';
import type { KvValue } from '../../src/lib/linearizability/index.js';
import type { Rng } from '../../src/lib/rng.js';
import { SimDisk, SimStorage } from './disk.js';
import { KvFsm, decodeCommand, encodeCommand, type KvCommand } from './kv-fsm.js';
import { forkRng } from './random.js';

export type ClientRequest =
  | { f: 'read'; key: string; mode: 'consistent' | 'lease' }
  | { f: 'write'; key: string; value: KvValue; id: string }
  | { f: 'cas'; key: string; expected: KvValue; value: KvValue; id: string };

export type ClientReply =
  | { type: 'ok'; value?: KvValue }
  /** Definitely not done (not leader, cas found another value). */
  | { type: 'fail'; reason: string; leader: string | null }
  /** Outcome unknown (leadership lost while committing). */
  | { type: 'info'; reason: string };

export interface ServerHooks {
  schedule(delayMs: number, fn: () => void): void;
  send(from: string, to: string, m: Message): void;
  onApply(server: string, e: Entry): void;
  onLeader(server: string, term: number): void;
}

export interface ServerOptions {
  tickMs: number;
  fsyncMs: number;
  snapshotEvery: number;
  trailingLogs: number;
  /** Test-only bug: the hard state is written after messages go out (vote before fsync). */
  hardStateAfterSend?: boolean;
  /** Test-only bug: every message (votes, append acks) goes out before the fsync. */
  sendBeforeFsync?: boolean;
  /** Test-only bug: consistent reads are served from local state without ReadIndex. */
  localReads?: boolean;
  /** Patches each new core (runtime mutations of the core). */
  patchCore?: (core: RawNode) => void;
  entriesPerMessageMax: number;
  inflightMessagesMax: number;
}

const ELECTION_TICKS = 20;
const HEARTBEAT_TICKS = 2;
const LEASE_TICKS = 10;

export class SimServer {
  readonly disk = new SimDisk();
  storage: SimStorage;
  core: RawNode | null = null;
  fsm = new KvFsm();
  up = false;
  /** Bumped on every crash: events of an earlier incarnation are ignored. */
  incarnation = 0;
  restarts = 0;
  appliedIndex = 0;
  private busy = false;
  private lastSnapshotIndex = 0;
  private inflight = new Map<number, { term: number; reply: (r: ClientReply) => void }>();
  private pendingReads = new Map<string, { key: string; reply: (r: ClientReply) => void }>();
  private readWaiters: { index: number; key: string; reply: (r: ClientReply) => void }[] = [];
  private readSeq = 0;
  private wasLeader = false;

  constructor(
    readonly id: string,
    private readonly configuration: RaftConfiguration,
    private readonly opts: ServerOptions,
    private readonly hooks: ServerHooks,
    private readonly seed: number,
  ) {
    // Bootstrap, as configuration.ts does: entry 1 of term 1 holds the configuration, committed.
    this.storage = new SimStorage(this.disk, this.confState());
    this.storage.append([{ index: 1, term: 1, type: EntryType.ConfChange, data: new Uint8Array([1]) }]);
    this.storage.setHardState({ term: 1, vote: NONE, commit: 1 });
    this.disk.syncTo(this.disk.wal.length);
  }

  confState(): ConfState {
    return { voters: this.configuration.servers.map((s) => s.id), learners: [] };
  }

  start(): void {
    this.storage = SimStorage.recover(this.disk, this.confState());
    this.fsm = new KvFsm();
    const snap = this.disk.snapshot;
    if (snap) this.fsm.restore(snap.fsm);
    this.appliedIndex = snap?.index ?? 0;
    this.lastSnapshotIndex = snap?.index ?? 0;
    this.core = new RawNode({
      id: this.id, storage: this.storage, applied: this.appliedIndex, electionTicks: ELECTION_TICKS,
      heartbeatTicks: HEARTBEAT_TICKS, leaseTicks: LEASE_TICKS, preVote: true, checkQuorum: true,
      entriesPerMessageMax: this.opts.entriesPerMessageMax, inflightMessagesMax: this.opts.inflightMessagesMax,
      rng: forkRng(this.seed, `core-${this.id}-${this.restarts}`),
    });
    this.opts.patchCore?.(this.core);
    this.up = true;
    this.busy = false;
    this.wasLeader = false;
    this.kick();
  }

  crash(rng: Rng, tearProbability: number): void {
    this.up = false;
    this.incarnation++;
    this.restarts++;
    this.core = null;
    this.disk.crash(rng, tearProbability);
    // Clients waiting on this server never hear back; they time out and record "info".
    this.inflight.clear();
    this.pendingReads.clear();
    this.readWaiters = [];
  }

  tick(): void {
    if (!this.core) return;
    this.core.tick();
    this.kick();
  }

  receive(m: Message): void {
    if (!this.core) return;
    this.core.step(m);
    this.kick();
  }

  handle(req: ClientRequest, reply: (r: ClientReply) => void): void {
    const core = this.core;
    if (!core) return; // a down server answers nothing
    const r = core.raft;
    const notLeader = (): ClientReply => ({ type: 'fail', reason: r.lead === NONE ? 'no leader' : 'not leader', leader: r.lead === NONE ? null : r.lead });
    if (req.f === 'read') {
      if (this.opts.localReads) return reply({ type: 'ok', value: this.fsm.get(req.key) });
      if (r.role !== 'leader') return reply(notLeader());
      if (req.mode === 'lease') {
        if (!core.hasLease()) return reply({ type: 'fail', reason: 'no lease', leader: null });
        this.readWaiters.push({ index: r.log.committed, key: req.key, reply });
        this.releaseReadWaiters();
        return;
      }
      const ctx = `${this.id}/${this.incarnation}/${++this.readSeq}`;
      this.pendingReads.set(ctx, { key: req.key, reply });
      core.readIndex(ctx);
      this.kick();
      return;
    }
    const cmd: KvCommand = req.f === 'write'
      ? { id: req.id, f: 'write', key: req.key, value: req.value }
      : { id: req.id, f: 'cas', key: req.key, value: req.value, expected: req.expected };
    const out = core.propose([encodeCommand(cmd)]);
    if (!out.accepted) return reply(notLeader());
    this.inflight.set(out.firstIndex, { term: out.term, reply });
    this.kick();
  }

  /** Runs Readys until there is none or one waits for an fsync. */
  private kick(): void {
    while (this.up && this.core && !this.busy && this.core.hasReady()) {
      const core = this.core;
      const rd = core.ready();
      if (rd.softState) this.onSoftState(rd.softState.role === 'leader', core.raft.term);
      // As node.ts does: appends and heartbeats whose commit index is already durable here go out
      // before this Ready's fsync, so the leader's write overlaps its followers'.
      const durable = rd.entries.length > 0 ? rd.entries[0]!.index - 1 : Number.MAX_SAFE_INTEGER;
      const early = rd.snapshot ? () => false
        : this.opts.sendBeforeFsync ? () => true
        : (m: Message) => (m.type === 'MsgApp' || m.type === 'MsgHeartbeat') && m.commit <= durable;
      for (const m of rd.messages) if (early(m)) this.hooks.send(this.id, m.to, m);
      if (rd.snapshot) {
        const stored = decodeSnapshotFromCore(rd.snapshot);
        this.storage.installSnapshot(stored);
        this.fsm.restore(stored.fsm);
        this.appliedIndex = stored.index;
        this.lastSnapshotIndex = stored.index;
      }
      if (rd.entries.length > 0) this.storage.append(rd.entries);
      const lateHardState = this.opts.hardStateAfterSend === true && rd.hardState !== null;
      if (rd.hardState && !lateHardState) this.storage.setHardState(rd.hardState);
      if (!rd.mustSync) {
        this.finish(rd, core, false, early);
        continue;
      }
      this.busy = true;
      const upTo = this.disk.wal.length;
      const inc = this.incarnation;
      this.hooks.schedule(this.opts.fsyncMs, () => {
        if (inc !== this.incarnation) return;
        this.disk.syncTo(upTo);
        this.finish(rd, core, lateHardState, early);
        this.busy = false;
        this.kick();
      });
      return;
    }
  }

  private finish(rd: Ready, core: RawNode, lateHardState: boolean, sentEarly: (m: Message) => boolean): void {
    for (const m of rd.messages) {
      if (!sentEarly(m)) this.hooks.send(this.id, m.to, m);
      if (m.type === 'MsgSnap') core.reportSnapshot(m.to, false);
    }
    if (lateHardState && rd.hardState) this.storage.setHardState(rd.hardState); // unsynced until the next fsync
    for (const e of rd.committedEntries) this.apply(e, core);
    for (const rs of rd.readStates) {
      const p = this.pendingReads.get(rs.context);
      if (!p) continue;
      this.pendingReads.delete(rs.context);
      this.readWaiters.push({ index: rs.index, key: p.key, reply: p.reply });
    }
    core.advance(rd);
    this.releaseReadWaiters();
    this.maybeSnapshot(core);
  }

  private apply(e: Entry, core: RawNode): void {
    this.hooks.onApply(this.id, e);
    let took = false;
    if (e.type === EntryType.ConfChange) core.applyConfState(this.confState());
    else if (e.data.length > 0) took = this.fsm.apply(decodeCommand(e.data));
    this.appliedIndex = e.index;
    const p = this.inflight.get(e.index);
    if (!p) return;
    this.inflight.delete(e.index);
    if (p.term !== e.term) p.reply({ type: 'info', reason: 'leadership lost while committing' });
    else if (took) p.reply({ type: 'ok' });
    else p.reply({ type: 'fail', reason: 'cas mismatch', leader: this.id });
  }

  private releaseReadWaiters(): void {
    if (this.readWaiters.length === 0) return;
    const keep: typeof this.readWaiters = [];
    for (const w of this.readWaiters) {
      if (w.index <= this.appliedIndex) w.reply({ type: 'ok', value: this.fsm.get(w.key) });
      else keep.push(w);
    }
    this.readWaiters = keep;
  }

  private onSoftState(isLeader: boolean, term: number): void {
    if (isLeader) this.hooks.onLeader(this.id, term);
    if (this.wasLeader && !isLeader) {
      for (const p of this.inflight.values()) p.reply({ type: 'info', reason: 'leadership lost while committing' });
      this.inflight.clear();
      for (const p of this.pendingReads.values()) p.reply({ type: 'fail', reason: 'leadership lost', leader: null });
      this.pendingReads.clear();
    }
    this.wasLeader = isLeader;
  }

  private maybeSnapshot(core: RawNode): void {
    const index = this.appliedIndex;
    if (index - this.lastSnapshotIndex < this.opts.snapshotEvery) return;
    const term = core.raft.log.term(index);
    if (term === null) return;
    this.storage.saveLocalSnapshot({ index, term, configuration: this.configuration, fsm: this.fsm.snapshot() }, this.opts.trailingLogs);
    this.lastSnapshotIndex = index;
  }
}
