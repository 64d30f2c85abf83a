// The server role: a raft node, the FSM it drives, the RPC endpoints that read and write through them,
// and the leader's duties. Wiring only; the endpoints live in ./endpoints/, the duties in ./leader.ts.
import { RaftNode } from '../raft/node.js';
import { RaftError, type ProposeResult, type RaftServer } from '../raft/api.js';
import { Fsm, FsmError } from './fsm.js';
import { encodeCommand } from './codec.js';
import { blockingQuery, queryTimeout } from './blocking.js';
import type { MessageType } from '../structs/message-type.js';
import type { QueryMeta, QueryOptions, QueryReply } from '../structs/rpc.js';
import type { StateStore } from '../state/store.js';
import type { WatchSet } from '../state/watch.js';
import { ConclaveError, noLeader } from '../lib/errors.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { systemRng, type Rng } from '../lib/rng.js';
import type { Logger } from '../lib/logger.js';
import { LeaderDuties, type MemberInfo } from './leader.js';
import { endpointTable, type Endpoint } from './endpoints/index.js';
import { TcpRaftTransport } from './raft-transport.js';
import { RpcProtocol, type RpcListener } from '../rpc/listener.js';
import { serveMux, type RpcPool } from '../rpc/mux.js';
import { routeFor } from './forward.js';
import { rpcTimeoutMs } from '../rpc/timeouts.js';

export interface ServerOptions {
  nodeName: string;
  nodeId: string;
  datacenter: string;
  /** Advertised IP of this server. */
  advertiseAddr: string;
  serverPort: number;
  dataDir: string | null;
  /** Elect ourselves as the only voter when no raft state exists (-dev, -bootstrap, -bootstrap-expect 1). */
  bootstrap: boolean;
  /**
   * raft/peers.json: bootstraps a server without raft state, and forces the configuration onto an
   * existing log (Consul's outage recovery). Applied once; the caller makes sure of that.
   */
  recoverServers?: RaftServer[] | null;
  /** The server port's listener (absent in in-process tests): carries raft and forwarded RPCs. */
  listener?: RpcListener | null;
  /** Connections to other servers, for forwarding to the leader. */
  pool?: RpcPool | null;
  raftMultiplier: number;
  snapshotThreshold: number;
  /** raft_snapshot_interval: how often the threshold is checked. */
  snapshotIntervalMs?: number;
  trailingLogs: number;
  sessionTtlMinMs: number;
  defaultQueryTimeMs: number;
  maxQueryTimeMs: number;
  logger: Logger;
  /** Members the leader reconciles into the catalog (gossip later; just this agent for now). */
  members: () => MemberInfo[];
  clock?: Clock;
  rng?: Rng;
}

/** Applied command bytes past the threshold that trigger a snapshot before the next interval check. */
const SNAPSHOT_LOG_BYTES = 16 * 1024 * 1024;

export class Server {
  readonly fsm: Fsm;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly log: Logger;
  private readonly endpoints: Record<string, Endpoint>;
  private leader!: LeaderDuties;
  private raftNode!: RaftNode;
  private closed = false;
  private transport: TcpRaftTransport | null = null;
  /** Aborted on shutdown: parked blocking queries answer at once. */
  private readonly shutdown = new AbortController();
  /** Blocking reads currently parked or running (reported in agent/self Stats). */
  private blockingInFlight = 0;

  private constructor(readonly opts: ServerOptions) {
    this.clock = opts.clock ?? systemClock;
    this.rng = opts.rng ?? systemRng;
    this.log = opts.logger.named('server');
    this.fsm = new Fsm(this.clock);
    this.endpoints = endpointTable();
  }

  static async start(opts: ServerOptions): Promise<Server> {
    const srv = new Server(opts);
    const self: RaftServer = { id: opts.nodeId, address: srv.rpcAddress, suffrage: 'voter' };
    srv.leader = new LeaderDuties(srv, opts.members);
    const transport = opts.listener
      ? new TcpRaftTransport(opts.nodeId, srv.rpcAddress, opts.listener, opts.logger.named('server.raft.transport'))
      : undefined;
    srv.transport = transport ?? null;
    opts.listener?.handle(RpcProtocol.Multiplex, (socket, first) =>
      serveMux(socket, first, (method, args) => srv.rpc(method, args), srv.log),
    );
    const recover = opts.recoverServers && opts.recoverServers.length > 0 ? opts.recoverServers : undefined;
    const bootstrap = !recover && opts.bootstrap ? [self] : undefined;
    srv.raftNode = await RaftNode.open({
      id: opts.nodeId,
      address: srv.rpcAddress,
      dataDir: opts.dataDir,
      fsm: srv.fsm,
      bootstrap,
      recover,
      transport,
      raftMultiplier: opts.raftMultiplier,
      snapshotThreshold: opts.snapshotThreshold,
      snapshotIntervalMs: opts.snapshotIntervalMs,
      snapshotLogBytes: SNAPSHOT_LOG_BYTES,
      trailingLogs: opts.trailingLogs,
      clock: srv.clock,
      rng: srv.rng,
      logger: opts.logger.named('server.raft'),
      events: {
        onLeaderChange: (_leaderId, isSelf) => srv.leader.onLeadership(isSelf),
      },
    });
    return srv;
  }

  get rpcAddress(): string {
    return `${this.opts.advertiseAddr}:${this.opts.serverPort}`;
  }

  get raft(): RaftNode {
    return this.raftNode;
  }

  get store(): StateStore {
    return this.fsm.store;
  }

  get leaderDuties(): LeaderDuties {
    return this.leader;
  }

  /**
   * Dispatches an RPC by Consul's method name (Catalog.Register, KVS.Get, ...). Writes, consistent
   * and default reads go to the leader (forwarded when this server is not it); stale reads and
   * status calls are answered here. Not async itself (every read passes here, and each async layer
   * costs a promise and a microtask turn): errors still arrive as rejections.
   */
  rpc(method: string, args: unknown): Promise<unknown> {
    try {
      return Promise.resolve(this.call(method, args));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * rpc() without the promise when none is needed: a read that can be answered at once (the lease
   * covers it, or it is stale, and it does not block) returns its reply directly; anything else returns
   * a promise. Errors found before any waiting are thrown. The HTTP hot paths call this.
   */
  call(method: string, args: unknown): unknown {
    const ep = this.endpoints[method];
    if (!ep) throw new ConclaveError('ERR_BAD_REQUEST', `rpc: can't find method ${method}`);
    if (routeFor(method, args, this) === 'leader' && !this.raftNode.isLeader()) {
      const leader = this.raftNode.status().leaderAddress;
      if (!leader || leader === this.rpcAddress || !this.opts.pool) throw noLeader();
      return this.opts.pool.call(leader, method, args, rpcTimeoutMs(args, this.opts.maxQueryTimeMs));
    }
    return ep(this, args);
  }

  /**
   * Writes a command through raft; resolves with the FSM's result once applied. Not async itself: every
   * write passes here, and an async layer costs a promise and a microtask turn per write.
   */
  apply(type: MessageType, payload: unknown): Promise<unknown> {
    if (this.closed) return Promise.reject(new ConclaveError('ERR_SHUTDOWN', 'Server shutting down'));
    if (!this.raftNode.isLeader()) {
      // Forwarding to a remote leader arrives with multi-server raft; until then, no leader here means none at all.
      return Promise.reject(noLeader());
    }
    let data: Uint8Array;
    try {
      data = encodeCommand(type, payload);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.raftNode.propose(data).then(appliedResult, rethrowRaftError);
  }

  /**
   * Runs a (possibly blocking) read in the consistency mode the options ask for. The common case (no
   * index to wait past, and the lease covers the read or it may be stale) is answered at once, with no
   * promise, watch set or microtask turn; otherwise a promise. Consistency errors are thrown.
   */
  read<T>(
    opts: QueryOptions,
    query: (store: StateStore, ws: WatchSet | null) => [number, T],
  ): QueryReply<T> | Promise<QueryReply<T>> {
    const decided = this.consistency(opts);
    if (decided instanceof Promise || (opts.MinQueryIndex ?? 0) > 0) return this.readLater(decided, opts, query);
    return this.readOnce(decided, query);
  }

  /** One run of the query, no watch set: every read that does not block. */
  private readOnce<T>(meta: QueryMeta, query: (store: StateStore, ws: WatchSet | null) => [number, T]): QueryReply<T> {
    const [index, value] = query(this.fsm.store, null);
    meta.Index = Math.max(index, 1);
    return { meta, value };
  }

  private async readLater<T>(
    decided: QueryMeta | Promise<QueryMeta>,
    opts: QueryOptions,
    query: (store: StateStore, ws: WatchSet | null) => [number, T],
  ): Promise<QueryReply<T>> {
    const meta = await decided;
    if (!((opts.MinQueryIndex ?? 0) > 0)) return this.readOnce(meta, query);
    // Only a blocking read waits, so only it draws the jitter (randomness is not free on the hot path).
    const timeout = queryTimeout(opts, this.opts, this.rng);
    this.blockingInFlight++;
    let index: number;
    let value: T;
    try {
      [index, value] = await blockingQuery({ store: () => this.fsm.store, signal: this.shutdown.signal }, opts, timeout, query);
    } finally {
      this.blockingInFlight--;
    }
    meta.Index = index;
    return { meta, value };
  }

  /**
   * Consul's consistentRead/setQueryMeta: decides who may answer and fills the leader headers.
   * Answers at once when the leader lease covers the read; a promise only when leadership must be
   * confirmed with the other servers first.
   */
  consistency(opts: QueryOptions): QueryMeta | Promise<QueryMeta> {
    const st = this.raftNode.leadership();
    // A stale read is answered here. Whether it is too stale (max_stale) was decided by rpc()'s
    // routing (forward.ts), which hands such reads to the leader before they get here.
    if (opts.AllowStale) {
      return { Index: 0, KnownLeader: st.knownLeader, LastContactMs: st.lastContactMs, ConsistencyLevel: 'stale' };
    }
    if (!st.knownLeader) throw noLeader();
    if (!st.isLeader) throw noLeader(); // rpc() forwards such reads; getting here means leadership just moved
    // Default reads trust the leader lease; without a valid lease they confirm leadership first.
    if (opts.RequireConsistent || !this.raftNode.leaseValid()) return this.confirmLeadership(opts.RequireConsistent === true);
    return { Index: 0, KnownLeader: true, LastContactMs: 0, ConsistencyLevel: 'leader' };
  }

  private async confirmLeadership(consistent: boolean): Promise<QueryMeta> {
    try {
      await this.raftNode.verifyLeader();
    } catch (err) {
      throw mapRaftError(err);
    }
    return { Index: 0, KnownLeader: true, LastContactMs: 0, ConsistencyLevel: consistent ? 'consistent' : 'leader' };
  }

  stats(): Record<string, Record<string, string>> {
    const st = this.raftNode.status();
    return {
      raft: this.raftNode.stats(),
      consul: {
        acl: 'disabled',
        bootstrap: String(this.opts.bootstrap),
        known_datacenters: '1',
        leader: String(st.role === 'leader'),
        leader_addr: st.leaderAddress ?? '',
        server: 'true',
        blocking_queries: String(this.blockingInFlight),
      },
    };
  }

  /** Answers every parked blocking query now (first step of a graceful shutdown). */
  abortQueries(): void {
    this.shutdown.abort();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.shutdown.abort();
    this.leader.stop();
    await this.raftNode.close();
    this.transport?.close();
  }
}

/** The FSM's result of an applied write. Errors raised while applying are RPC errors: Consul answers
 *  them with 500 and the text. */
function appliedResult({ result }: ProposeResult): unknown {
  if (result instanceof FsmError) throw new ConclaveError('ERR_INTERNAL', result.message);
  return result;
}

function rethrowRaftError(err: unknown): never {
  throw mapRaftError(err);
}

export function mapRaftError(err: unknown): unknown {
  if (err instanceof RaftError) {
    switch (err.code) {
      case 'ERR_RAFT_NOT_LEADER':
      case 'ERR_RAFT_NO_LEADER':
      case 'ERR_RAFT_LEADERSHIP_LOST':
        return noLeader();
      case 'ERR_RAFT_SHUTDOWN':
        return new ConclaveError('ERR_SHUTDOWN', 'raft is already shutdown');
      case 'ERR_RAFT_TIMEOUT':
        return new ConclaveError('ERR_TIMEOUT', 'timed out enqueuing operation');
    }
  }
  return err;
}
