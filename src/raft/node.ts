// RaftNode: the driver. It owns the clock, timers, storage, transport and FSM, and is the only
// caller of the core. One loop turns each Ready into work in a fixed order:
//   persist (one group-committed write + fdatasync) -> send messages -> advance,
// and applies what a Ready committed while the next Ready's fdatasync runs (or at once when there
// is no next one). Proposals made during one event-loop turn enter the core together, so they
// share one Ready, one write and one fdatasync; while that fsync runs, the next batch accumulates.
// Linearizable reads go through read-index.ts; snapshots are taken here and written by storage/.

import { type Clock, systemClock } from '../lib/clock.js';
import { ConclaveError } from '../lib/errors.js';
import { type Rng, systemRng } from '../lib/rng.js';
import {
  type ProposeResult, RaftError, type RaftConfiguration, type RaftEvents, type RaftServer, type RaftStatus,
  type StateMachine,
} from './api.js';
import { EntryType, type Entry, type Message, NONE, type Ready, type Snapshot, isLocalMessage, messageProblem } from './core/messages.js';
import { RawNode } from './core/raw-node.js';
import { ReadIndexQueue } from './read-index.js';
import { raftStats } from './stats.js';
import { bootstrapIfEmpty, configurationProblem, decodeConfiguration, encodeConfiguration } from './storage/configuration.js';
import { DiskStorage } from './storage/disk-storage.js';
import type { StorageIo } from './storage/io.js';
import { MemoryStorage } from './storage/memory-storage.js';
import { recoverConfiguration } from './storage/recover.js';
import { type RaftStorage, confStateOf, decodeSnapshotFromCore, emptyConfiguration } from './storage/storage.js';

export type { Message as RaftMessage } from './core/messages.js';
export { encodeConfiguration, decodeConfiguration } from './storage/configuration.js';

/**
 * How RaftNodes reach each other (implemented by the RPC layer in a later issue). send() is
 * fire-and-forget: Raft tolerates loss, so a transport may drop a message it cannot deliver.
 * onMessage() is called once, at open, with the handler for inbound messages for this node.
 */
export interface RaftTransport {
  send(to: RaftServer, msg: Message): void;
  /**
   * `fromAddress`, when the transport knows it, lets a server that is not yet in anyone's
   * configuration (a joining server) answer the leader before it has learned the configuration.
   */
  onMessage(handler: (msg: Message, fromAddress?: string) => void): void;
}

export interface RaftLogger {
  info(msg: string, fields?: object): void;
  warn(msg: string, fields?: object): void;
  error(msg: string, fields?: object): void;
  debug(msg: string, fields?: object): void;
}

export interface RaftNodeOptions {
  id: string;
  address: string;
  /** null = in-memory log (consul agent -dev). */
  dataDir: string | null;
  fsm: StateMachine;
  /** Initial configuration, used only when there is no existing raft state. */
  bootstrap?: RaftServer[];
  /**
   * Outage recovery (Consul's raft/peers.json on a server with raft state): force this
   * configuration onto the existing log — the FSM is rebuilt at the last log index (committing
   * the whole log, as hashicorp's RecoverCluster does) and saved as a snapshot carrying it.
   * With no raft state it bootstraps instead. Apply it once: the caller removes peers.json.
   */
  recover?: RaftServer[];
  /** Default 5. Heartbeat timeout 1000ms*m, election timeout 1000ms*m, leader lease 500ms*m. */
  raftMultiplier?: number;
  /** Default 16384 entries since the last snapshot. */
  snapshotThreshold?: number;
  /** Entries kept behind a snapshot for slow followers. Default 10240. */
  trailingLogs?: number;
  /** How often the snapshot threshold is checked (Consul's raft_snapshot_interval). Default 120000. */
  snapshotIntervalMs?: number;
  /**
   * Between those checks, a snapshot is taken as soon as the threshold is reached only once this
   * many bytes of commands were applied since the last one (this bounds the WAL kept behind the
   * last snapshot, and so start-up replay). 0, the default: at once. Consul's agent sets 16 MiB, so
   * that a burst of small writes is snapshotted on the interval, as Consul does, not every
   * threshold entries.
   */
  snapshotLogBytes?: number;
  transport?: RaftTransport;
  clock?: Clock;
  rng?: Rng;
  logger?: RaftLogger;
  events?: RaftEvents;
  /** Test hook: the file operations whose durability matters (counts fdatasync calls). */
  storageIo?: StorageIo;
  /** Test hook: WAL segment size. */
  walSegmentBytesMax?: number;
  /** Test hook: tick length in ms, overriding 50ms x raftMultiplier (fast elections in tests). */
  tickMs?: number;
}

const silentLogger: RaftLogger = { info() {}, warn() {}, error() {}, debug() {} };

/** Tick length per unit of raft_multiplier. Election = 20 ticks, heartbeat = 2, lease = 10. */
const TICK_MS_PER_MULTIPLIER = 50;
const ELECTION_TICKS = 20;
const HEARTBEAT_TICKS = 2;
const LEASE_TICKS = 10;

interface PendingProposal {
  term: number;
  resolve(r: ProposeResult): void;
  reject(e: Error): void;
}
interface QueuedProposal {
  data: Uint8Array;
  resolve(r: ProposeResult): void;
  reject(e: Error): void;
}
interface Waiter {
  resolve(): void;
  reject(e: Error): void;
}
interface TransferWaiter extends Waiter {
  target: string;
  timer: NodeJS.Timeout;
}

export class RaftNode {
  private core: RawNode;
  private readonly logger: RaftLogger;
  private readonly clock: Clock;
  private readonly tickMs: number;
  private configuration: RaftConfiguration;
  private appliedIndex: number;
  /** Command bytes applied since the last snapshot was taken (see snapshotLogBytes). */
  private appliedBytesSinceSnapshot = 0;
  private lastSnapshot: { index: number; term: number };

  private proposeQueue: QueuedProposal[] = [];
  private readonly inflight = new Map<number, PendingProposal>();
  private readonly reads: ReadIndexQueue;
  /**
   * Committed, durable entries not yet applied. Applying a batch is held back until the next batch's
   * fdatasync has been started, so the FSM work and the answers to clients overlap the disk's wait
   * instead of adding to it (etcd applies on its own goroutine for the same reason). Always drained
   * in log order before anything else is applied or restored.
   */
  private deferred: Entry[] = [];
  private applyScheduled = false;
  private leaderWaiters: ((ok: boolean) => void)[] = [];

  private lastLeaderContact = -1;
  /** Addresses of peers outside the configuration, learned from the transport. */
  private readonly peerAddresses = new Map<string, string>();
  /** The leader last reported through events.onLeaderChange. */
  private reportedLeader = { lead: NONE, isSelf: false };
  private tickTimer: NodeJS.Timeout | null = null;
  private snapshotTimer: NodeJS.Timeout | null = null;
  private loopScheduled = false;
  private loopRunning: Promise<void> | null = null;
  private snapshotting: Promise<void> | null = null;
  private closed = false;
  private failed: Error | null = null;
  private transfer: TransferWaiter | null = null;
  /** bootstrapCluster is writing the first configuration: the loop, ticks and inbound messages wait. */
  private bootstrapping = false;

  private constructor(
    private readonly opts: RaftNodeOptions,
    private readonly storage: RaftStorage,
  ) {
    this.logger = opts.logger ?? silentLogger;
    this.clock = opts.clock ?? systemClock;
    const m = opts.raftMultiplier ?? 5;
    if (!(m >= 1 && m <= 10)) throw new RangeError(`raftMultiplier must be between 1 and 10, got ${m}`);
    this.tickMs = opts.tickMs ?? TICK_MS_PER_MULTIPLIER * m;
    this.reads = new ReadIndexQueue(opts.id);
    const snap = storage.latestSnapshot();
    this.configuration = snap ? snap.configuration : emptyConfiguration;
    this.appliedIndex = snap?.index ?? 0;
    this.lastSnapshot = { index: snap?.index ?? 0, term: snap?.term ?? 0 };
    if (snap) opts.fsm.restore(snap.fsm, snap.index);
    this.core = this.newCore();
  }

  private newCore(): RawNode {
    const logger = this.logger;
    return new RawNode({
      id: this.opts.id, storage: this.storage, applied: this.appliedIndex, electionTicks: ELECTION_TICKS, heartbeatTicks: HEARTBEAT_TICKS,
      leaseTicks: LEASE_TICKS, preVote: true, checkQuorum: true, rng: this.opts.rng ?? systemRng,
      logger: { debug: (msg, f) => logger.debug(msg, f), info: (msg, f) => logger.info(msg, f), warn: (msg, f) => logger.warn(msg, f) },
    });
  }

  /** Loads the snapshot and WAL, restores the FSM, replays committed entries, starts the timers. */
  static async open(opts: RaftNodeOptions): Promise<RaftNode> {
    if (!opts.id) throw new RangeError('raft: id must not be empty');
    const logger = opts.logger ?? silentLogger;
    const storage: RaftStorage = opts.dataDir === null
      ? new MemoryStorage()
      : await DiskStorage.open({ dataDir: opts.dataDir, io: opts.storageIo, logger, segmentBytesMax: opts.walSegmentBytesMax });
    try {
      const recovered = opts.recover ? await recoverConfiguration(storage, opts.fsm, opts.recover, logger) : false;
      if (!recovered) await bootstrapIfEmpty(storage, opts.id, opts.recover ?? opts.bootstrap, logger);
      const node = new RaftNode(opts, storage);
      await node.start();
      return node;
    } catch (err) {
      await storage.close().catch(() => {});
      throw err;
    }
  }

  private async start(): Promise<void> {
    // Replay: the first Readys hand back every committed entry after the snapshot.
    await this.runLoop();
    this.logger.info('raft: node started', { id: this.opts.id, appliedIndex: this.appliedIndex, lastIndex: this.storage.lastIndex() });
    this.opts.transport?.onMessage((m, fromAddress) => this.onMessage(m, fromAddress));
    this.tickTimer = setInterval(() => this.onTick(), this.tickMs);
    this.tickTimer.unref();
    this.snapshotTimer = setInterval(() => this.maybeSnapshot(), this.opts.snapshotIntervalMs ?? 120_000);
    this.snapshotTimer.unref();
    // A sole voter campaigns on its first tick; give it that tick now instead of after tickMs.
    this.onTick();
  }

  // ------------------------------------------------------------------------------- public API

  propose(data: Uint8Array): Promise<ProposeResult> {
    // An empty entry is the leader's no-op and is never handed to the FSM, so refuse it here.
    if (!(data instanceof Uint8Array) || data.length === 0) return Promise.reject(new TypeError('raft: a command must be a non-empty Uint8Array'));
    const err = this.writeBlocked();
    if (err) return Promise.reject(err);
    return new Promise((resolve, reject) => {
      this.proposeQueue.push({ data, resolve, reject });
      this.scheduleLoop();
    });
  }

  /** Consul's VerifyLeader: one ReadIndex round (shared by all callers in the same turn). */
  verifyLeader(): Promise<void> {
    const err = this.writeBlocked();
    if (err) return Promise.reject(err);
    return new Promise((resolve, reject) => {
      this.reads.add({ resolve, reject });
      this.scheduleLoop();
    });
  }

  /**
   * Adds a server or changes its suffrage (Consul's AddVoter / AddNonvoter): one configuration
   * entry, in effect once applied; resolves then. One change at a time (thesis §4.1): a second
   * one while the first is unapplied rejects ERR_CONFLICT.
   */
  addServer(server: RaftServer): Promise<void> {
    const others = this.configuration.servers.filter((s) => s.id !== server.id);
    return this.changeConfiguration([...others, { id: server.id, address: server.address, suffrage: server.suffrage }]);
  }

  /** Removes a server from the configuration (Consul's RemoveServer); resolves once applied. */
  removeServer(id: string): Promise<void> {
    if (!this.configuration.servers.some((s) => s.id === id)) {
      return Promise.reject(new ConclaveError('ERR_NOT_FOUND', `server ${JSON.stringify(id)} was not found in the Raft configuration`));
    }
    return this.changeConfiguration(this.configuration.servers.filter((s) => s.id !== id));
  }

  private changeConfiguration(servers: RaftServer[]): Promise<void> {
    const err = this.writeBlocked();
    if (err) return Promise.reject(err);
    const problem = configurationProblem(servers);
    if (problem) return Promise.reject(new ConclaveError('ERR_BAD_REQUEST', `raft configuration: ${problem}`));
    if (!servers.some((s) => s.suffrage === 'voter')) return Promise.reject(new ConclaveError('ERR_BAD_REQUEST', 'raft configuration: at least one voter is required'));
    const out = this.core.proposeConfChange(encodeConfiguration(servers));
    if (!out.accepted) {
      if (out.reason === 'conf-change-pending') return Promise.reject(new ConclaveError('ERR_CONFLICT', 'a Raft configuration change is already in progress'));
      return Promise.reject(this.writeBlocked() ?? new RaftError('ERR_RAFT_NOT_LEADER', `configuration change dropped: ${out.reason}`));
    }
    this.scheduleLoop();
    return new Promise((resolve, reject) => {
      this.inflight.set(out.firstIndex, { term: out.term, resolve: () => resolve(), reject });
    });
  }

  /**
   * Hands leadership to `targetId` (a voter), or to the most up-to-date other voter when absent
   * (hashicorp's LeadershipTransfer[ToServer]). The leader stops accepting proposals, brings the
   * target up to date and sends it TimeoutNow; the target campaigns at once, bypassing pre-vote
   * and its peers' leader lease. Resolves when the target is leader; rejects ERR_RAFT_TIMEOUT when
   * the core gives up (after an election timeout, when proposals resume).
   */
  transferLeadership(targetId?: string): Promise<void> {
    const err = this.writeBlocked();
    if (err) return Promise.reject(err);
    const r = this.core.raft;
    if (targetId === this.opts.id) return Promise.reject(new ConclaveError('ERR_BAD_REQUEST', 'cannot transfer leadership to itself'));
    const target = targetId ?? r.mostUpToDateVoter();
    if (target === NONE) return Promise.reject(new ConclaveError('ERR_BAD_REQUEST', 'cannot find a peer to transfer leadership to'));
    if (!r.voters.includes(target)) {
      return Promise.reject(new ConclaveError('ERR_NOT_FOUND', `cannot find peer ${JSON.stringify(target)} among the voters`));
    }
    if (this.transfer) {
      if (this.transfer.target !== target) return Promise.reject(new ConclaveError('ERR_CONFLICT', 'leadership transfer in progress'));
      const running = this.transfer;
      return new Promise((resolve, reject) => {
        const prev = { resolve: running.resolve, reject: running.reject };
        running.resolve = () => { prev.resolve(); resolve(); };
        running.reject = (e) => { prev.reject(e); reject(e); };
      });
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.finishTransfer(new RaftError('ERR_RAFT_TIMEOUT', `leadership transfer to ${target} timed out`)), this.tickMs * ELECTION_TICKS * 4);
      this.transfer = { target, resolve, reject, timer };
      this.logger.info('raft: leadership transfer requested', { to: target });
      this.core.transferLeader(target);
      this.scheduleLoop();
    });
  }

  private finishTransfer(err: Error | null): void {
    const t = this.transfer;
    if (!t) return;
    this.transfer = null;
    clearTimeout(t.timer);
    if (err) t.reject(err);
    else t.resolve();
  }

  /**
   * Writes `servers` as the first configuration if and only if this node has no raft state yet
   * (Consul's -bootstrap-expect, once enough servers are seen); returns whether it did. Every
   * server given the same list may call it: they all write the same entry 1 of term 1.
   */
  async bootstrapCluster(servers: RaftServer[]): Promise<boolean> {
    if (this.closed || this.failed) throw new RaftError('ERR_RAFT_SHUTDOWN', 'raft is shut down');
    const problem = configurationProblem(servers) ?? (servers.some((s) => s.suffrage === 'voter') ? null : 'at least one voter is required');
    if (problem) throw new ConclaveError('ERR_BAD_REQUEST', `raft bootstrap: ${problem}`);
    if (this.bootstrapping) return false;
    this.bootstrapping = true;
    try {
      while (this.loopRunning) await this.loopRunning.catch(() => {});
      const r = this.core.raft;
      if (this.closed || r.term !== 0 || r.vote !== NONE || r.log.lastIndex() !== 0) return false;
      if (!(await bootstrapIfEmpty(this.storage, this.opts.id, servers, this.logger))) return false;
      // Nothing was in the old core (no term, vote or entries), so a fresh one over the storage
      // loses nothing; it applies entry 1 and so learns the configuration in the next loop.
      this.core = this.newCore();
    } finally {
      this.bootstrapping = false;
    }
    this.scheduleLoop();
    return true;
  }

  /** True while a quorum acknowledged this leader within the lease (500ms*m): default-mode reads. */
  leaseValid(): boolean {
    return !this.closed && this.core.hasLease();
  }

  isLeader(): boolean {
    return !this.closed && this.core.raft.role === 'leader';
  }

  waitForLeader(timeoutMs: number): Promise<boolean> {
    if (this.core.raft.lead !== NONE) return Promise.resolve(true);
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.leaderWaiters = this.leaderWaiters.filter((w) => w !== done);
        resolve(ok);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      this.leaderWaiters.push(done);
    });
  }

  /** The part of status() every read needs, without status()'s copies (it runs once per request). */
  leadership(): { isLeader: boolean; knownLeader: boolean; lastContactMs: number } {
    const r = this.core.raft;
    const isLeader = r.role === 'leader';
    return {
      isLeader,
      knownLeader: r.lead !== NONE,
      lastContactMs: isLeader ? 0 : this.lastLeaderContact < 0 ? -1 : Math.max(0, this.clock.monotonicMs() - this.lastLeaderContact),
    };
  }

  status(): RaftStatus {
    const r = this.core.raft;
    const lead = r.lead === NONE ? null : r.lead;
    return {
      role: r.role, term: r.term, leaderId: lead, leaderAddress: this.addressOf(lead), commitIndex: r.log.committed,
      appliedIndex: this.appliedIndex, lastLogIndex: r.log.lastIndex(), lastLogTerm: r.log.lastTerm(),
      lastSnapshotIndex: this.lastSnapshot.index, lastSnapshotTerm: this.lastSnapshot.term,
      lastContactMs: this.leadership().lastContactMs,
      configuration: { servers: this.configuration.servers.map((s) => ({ ...s })), index: this.configuration.index },
    };
  }

  /** Consul's /v1/agent/self Stats.raft (hashicorp/raft's Stats()); every value a string. */
  stats(): Record<string, string> {
    return raftStats(this.status(), this.opts.id);
  }

  /** Takes a snapshot now (Consul's snapshot API and tests), then compacts the log behind it. */
  async takeSnapshot(): Promise<{ index: number; term: number }> {
    if (this.snapshotting) await this.snapshotting;
    await this.snapshotNow();
    return { ...this.lastSnapshot };
  }

  /** Stops timers, finishes the batch being written, closes files; pending work rejects ERR_RAFT_SHUTDOWN. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.tickTimer) clearInterval(this.tickTimer);
    if (this.snapshotTimer) clearInterval(this.snapshotTimer);
    if (this.loopRunning) await this.loopRunning.catch(() => {});
    this.applyDeferred();
    if (this.snapshotting) await this.snapshotting.catch(() => {});
    this.failAll(new RaftError('ERR_RAFT_SHUTDOWN', 'raft is shutting down'));
    for (const w of this.leaderWaiters.slice()) w(false);
    try {
      await this.storage.close();
    } catch (err) {
      this.logger.error('raft: error closing storage', { error: String(err) });
    }
    this.logger.info('raft: node closed', { id: this.opts.id });
  }

  // ------------------------------------------------------------------------------- the loop

  private writeBlocked(): RaftError | null {
    if (this.closed || this.failed) return new RaftError('ERR_RAFT_SHUTDOWN', this.failed ? `raft stopped after a storage error: ${this.failed.message}` : 'raft is shut down');
    const r = this.core.raft;
    if (r.role === 'leader') return null;
    if (r.lead === NONE) return new RaftError('ERR_RAFT_NO_LEADER', 'No cluster leader');
    return new RaftError('ERR_RAFT_NOT_LEADER', 'node is not the leader', this.addressOf(r.lead));
  }

  private onTick(): void {
    if (this.closed || this.failed || this.bootstrapping) return;
    this.core.tick();
    const r = this.core.raft;
    if (this.transfer && r.role === 'leader' && r.leadTransferee === NONE) {
      this.finishTransfer(new RaftError('ERR_RAFT_TIMEOUT', `leadership transfer to ${this.transfer.target} timed out`));
    }
    this.scheduleLoop();
  }

  private onMessage(m: Message, fromAddress?: string): void {
    // While bootstrapping the message is dropped (Raft tolerates loss; the sender retries).
    if (this.closed || this.failed || this.bootstrapping) return;
    const problem = messageProblem(m);
    if (problem !== null || isLocalMessage(m.type) || m.to !== this.opts.id) {
      this.logger.warn('raft: dropping malformed message', { problem: problem ?? `unexpected ${m.type} to ${m.to}` });
      return;
    }
    if (fromAddress && m.from) this.peerAddresses.set(m.from, fromAddress);
    if (m.type === 'MsgApp' || m.type === 'MsgHeartbeat' || m.type === 'MsgSnap') this.lastLeaderContact = this.clock.monotonicMs();
    try {
      this.core.step(m);
    } catch (err) {
      this.logger.error('raft: failed to step message', { type: m.type, from: m.from, error: String(err) });
      return;
    }
    this.scheduleLoop();
  }

  private scheduleLoop(): void {
    if (this.loopScheduled || this.loopRunning || this.closed || this.bootstrapping) return;
    this.loopScheduled = true;
    // setImmediate runs after the current turn's I/O callbacks: everything proposed in this
    // turn lands in one batch.
    setImmediate(() => {
      this.loopScheduled = false;
      if (!this.loopRunning) void this.runLoop();
    });
  }

  private runLoop(): Promise<void> {
    if (this.loopRunning) return this.loopRunning;
    // Note: the async body may finish without ever awaiting; its `finally` would then run before the
    // assignment below and leave loopRunning pointing at a settled promise forever. So the flag is
    // cleared by the promise's own continuation, which always runs after the assignment.
    const run = (async () => {
      for (;;) {
        this.flushProposals();
        this.flushReads();
        if (!this.core.hasReady()) break;
        await this.handleReady(this.core.ready());
        if (this.failed) break;
      }
      // Nothing more to write: apply what the last batch committed without waiting for a next one.
      this.applyDeferred();
    })();
    this.loopRunning = run;
    const finish = () => {
      if (this.loopRunning === run) this.loopRunning = null;
      // Work that arrived while the loop was winding down must not wait for the next tick.
      if (this.proposeQueue.length > 0 || this.reads.hasQueued()) this.scheduleLoop();
    };
    run.then(finish, finish);
    return run;
  }

  private async handleReady(rd: Ready): Promise<void> {
    if (rd.softState) this.onSoftState(rd.softState.lead, rd.softState.role === 'leader');
    // A leader's appends and heartbeats go out before its own fsync, so the leader's write and its
    // followers' writes overlap (thesis §10.2.1) instead of adding up. Safe because nothing that
    // reveals a commit covering this Ready's entries can leave first: such a commit needs acks for
    // messages sent now, and shows only in later Readys, which wait for this one's fsync. The one
    // exception — a sole voter commits its own entries at once (non-voters follow it) — is caught
    // by sending early only messages whose commit index is already durable here.
    const durable = rd.entries.length > 0 ? rd.entries[0]!.index - 1 : Number.MAX_SAFE_INTEGER;
    const early = (m: Message) => (m.type === 'MsgApp' || m.type === 'MsgHeartbeat') && m.commit <= durable;
    const transport = this.opts.transport;
    if (transport && !rd.snapshot) {
      for (const m of rd.messages) {
        if (!early(m)) continue;
        const to = this.peer(m.to);
        if (to) transport.send(to, m);
      }
    }
    try {
      if (rd.snapshot) {
        this.applyDeferred();
        await this.installSnapshot(rd.snapshot);
      }
      if (rd.entries.length > 0) this.storage.append(rd.entries);
      if (rd.hardState) this.storage.setHardState(rd.hardState);
      const syncing = this.storage.sync(rd.mustSync);
      // The previous batch is applied once this batch's write and fdatasync have been handed to the
      // disk (they start in the microtasks of this turn; setImmediate runs after them).
      this.scheduleApply();
      await syncing;
    } catch (err) {
      // An fsync error leaves the file in an unknown state (fsyncgate): stop rather than guess.
      this.failed = err as Error;
      this.logger.error('raft: storage failure, stopping raft', { error: String(err) });
      if (this.tickTimer) clearInterval(this.tickTimer);
      this.failAll(new RaftError('ERR_RAFT_SHUTDOWN', `raft stopped after a storage error: ${String(err)}`));
      return;
    }
    for (const m of rd.messages) {
      const to = this.peer(m.to);
      if (!transport || !to || (!rd.snapshot && early(m))) continue;
      transport.send(to, m);
      // Sending is fire-and-forget, so report the snapshot as sent: the follower goes back to
      // probing (paused until it answers a heartbeat) and gets another snapshot if this one was lost.
      if (m.type === 'MsgSnap') this.core.reportSnapshot(m.to, false);
    }
    for (const e of rd.committedEntries) this.deferred.push(e);
    for (const rs of rd.readStates) this.reads.answer(rs.index, rs.context);
    this.core.advance(rd);
    // A configuration change reaches the core at once (quorum and progress depend on it), and the
    // read waiters whose index is already applied go now.
    if (rd.committedEntries.some((e) => e.type === EntryType.ConfChange)) this.applyDeferred();
    else this.reads.release(this.appliedIndex);
  }

  private scheduleApply(): void {
    if (this.deferred.length === 0 || this.applyScheduled) return;
    this.applyScheduled = true;
    setImmediate(() => {
      this.applyScheduled = false;
      this.applyDeferred();
    });
  }

  /** Applies every deferred entry in log order; idempotent, and safe to call at any point of the loop. */
  private applyDeferred(): void {
    if (this.deferred.length === 0 || this.failed) return;
    const entries = this.deferred;
    this.deferred = [];
    for (const e of entries) this.applyEntry(e);
    this.reads.release(this.appliedIndex);
    if (!this.snapshotting && this.appliedBytesSinceSnapshot >= (this.opts.snapshotLogBytes ?? 0)) this.maybeSnapshot();
  }

  private flushProposals(): void {
    if (this.proposeQueue.length === 0) return;
    const batch = this.proposeQueue;
    this.proposeQueue = [];
    const err = this.writeBlocked();
    if (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    const out = this.core.propose(batch.map((p) => p.data));
    if (!out.accepted) {
      const e = this.writeBlocked() ?? new RaftError('ERR_RAFT_NOT_LEADER',
        out.reason === 'transferring' ? 'leadership transfer in progress' : `proposal dropped: ${out.reason}`);
      for (const p of batch) p.reject(e);
      return;
    }
    batch.forEach((p, i) => this.inflight.set(out.firstIndex + i, { term: out.term, resolve: p.resolve, reject: p.reject }));
  }

  private flushReads(): void {
    if (!this.reads.hasQueued()) return;
    const context = this.reads.startRound(this.writeBlocked(), this.tickMs * ELECTION_TICKS,
      () => new RaftError('ERR_RAFT_TIMEOUT', 'timed out confirming leadership'));
    if (context !== null) this.core.readIndex(context);
  }

  private applyEntry(e: Entry): void {
    let result: unknown;
    let failure: Error | null = null;
    if (e.type === EntryType.ConfChange) {
      const servers = decodeConfiguration(e.data);
      this.configuration = { servers, index: e.index };
      this.core.applyConfState(confStateOf(this.configuration));
      this.logger.info('raft: applied configuration', { index: e.index, servers: servers.map((s) => `${s.id}/${s.suffrage}`) });
    } else if (e.data.length > 0) {
      try {
        result = this.opts.fsm.apply(e.index, e.term, e.data);
      } catch (err) {
        // Every server applies the same entry, so they all fail alike; report it and move on.
        failure = err as Error;
        this.logger.error('raft: FSM apply failed', { index: e.index, error: String(err) });
      }
    }
    this.appliedIndex = e.index;
    this.appliedBytesSinceSnapshot += e.data.length;
    const p = this.inflight.get(e.index);
    if (!p) return;
    this.inflight.delete(e.index);
    if (p.term !== e.term) p.reject(new RaftError('ERR_RAFT_LEADERSHIP_LOST', 'leadership lost while committing log'));
    else if (failure) p.reject(failure);
    else p.resolve({ index: e.index, result });
  }

  private async installSnapshot(s: Snapshot): Promise<void> {
    const stored = decodeSnapshotFromCore(s);
    await this.storage.saveSnapshot(stored, true);
    this.opts.fsm.restore(stored.fsm, stored.index);
    this.configuration = stored.configuration;
    this.appliedIndex = stored.index;
    this.lastSnapshot = { index: stored.index, term: stored.term };
    this.logger.info('raft: installed snapshot from leader', { index: stored.index, term: stored.term });
  }

  private onSoftState(lead: string, isSelf: boolean): void {
    const wasLeader = this.reportedLeader.isSelf;
    if (wasLeader && !isSelf) {
      // Outcome unknown for in-flight proposals (they may still commit): hashicorp's ErrLeadershipLost.
      const lost = new RaftError('ERR_RAFT_LEADERSHIP_LOST', 'leadership lost while committing log');
      for (const p of this.inflight.values()) p.reject(lost);
      this.inflight.clear();
      this.reads.rejectRounds(lost);
    }
    if (lead !== NONE) for (const w of this.leaderWaiters.slice()) w(true);
    if (this.transfer && lead !== NONE && !isSelf) {
      this.finishTransfer(lead === this.transfer.target ? null : new RaftError('ERR_RAFT_LEADERSHIP_LOST', `leadership went to ${lead}, not ${this.transfer.target}`));
    }
    if (lead === this.reportedLeader.lead && isSelf === wasLeader) return; // only the role moved (e.g. to candidate)
    this.reportedLeader = { lead, isSelf };
    this.logger.info('raft: leader changed', { leader: lead || null, isSelf });
    try {
      this.opts.events?.onLeaderChange?.(lead === NONE ? null : lead, isSelf);
    } catch (err) {
      this.logger.error('raft: onLeaderChange handler threw', { error: String(err) });
    }
  }

  private failAll(err: RaftError): void {
    this.deferred = [];
    this.finishTransfer(err);
    for (const p of this.proposeQueue) p.reject(err);
    this.proposeQueue = [];
    for (const p of this.inflight.values()) p.reject(err);
    this.inflight.clear();
    this.reads.rejectAll(err);
  }

  // ------------------------------------------------------------------------------- snapshots

  private maybeSnapshot(): void {
    if (this.closed || this.failed || this.snapshotting) return;
    if (this.appliedIndex - this.lastSnapshot.index < (this.opts.snapshotThreshold ?? 16384)) return;
    void this.snapshotNow().catch((err) => this.logger.error('raft: snapshot failed', { error: String(err) }));
  }

  private snapshotNow(): Promise<void> {
    const index = this.appliedIndex;
    const term = this.core.raft.log.term(index);
    if (index === 0 || index <= this.lastSnapshot.index || term === null) return Promise.resolve();
    // Taken synchronously between applies (the FSM is consistent at `index`); written in the background.
    const fsm = this.opts.fsm.snapshot();
    this.appliedBytesSinceSnapshot = 0;
    const configuration = { servers: this.configuration.servers.map((s) => ({ ...s })), index: this.configuration.index };
    const started = this.clock.monotonicMs();
    this.snapshotting = (async () => {
      try {
        await this.storage.saveSnapshot({ index, term, configuration, fsm }, false);
        this.lastSnapshot = { index, term };
        const trailing = this.opts.trailingLogs ?? 10240;
        this.storage.compact(index - trailing);
        this.logger.info('raft: snapshot complete', { index, term, bytes: fsm.length, ms: Math.round(this.clock.monotonicMs() - started), compactedTo: this.storage.firstIndex() - 1 });
      } finally {
        this.snapshotting = null;
      }
    })();
    return this.snapshotting;
  }

  private peer(id: string): RaftServer | null {
    const s = this.configuration.servers.find((x) => x.id === id);
    if (s) return s;
    const address = this.peerAddresses.get(id);
    return address ? { id, address, suffrage: 'nonvoter' } : null;
  }

  private addressOf(id: string | null): string | null {
    if (!id) return null;
    if (id === this.opts.id) return this.opts.address;
    return this.peer(id)?.address ?? null;
  }
}
