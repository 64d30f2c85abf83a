// The Gossip facade the agent uses: serf-like membership over memberlist on one UDP+TCP port.
// See src/gossip/README.md for the contract of each method.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { systemClock, type Clock } from '../lib/clock.js';
import { ConclaveError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { systemRng, type Rng } from '../lib/rng.js';
import { Keyring } from './keyring.js';
import { GossipDriver } from './memberlist.js';
import { SerfCore } from './serf/core.js';
import { defaultSerfConfig, type GossipMember, type SerfConfig, type SerfEvent } from './serf/types.js';
import { readSnapshot, writeSnapshot, type SnapshotState } from './snapshot.js';
import { defaultLanSwimConfig, type SwimConfig } from './swim/config.js';
import type { Address } from './swim/types.js';
import { WireError } from './wire/errors.js';

export type { GossipMember } from './serf/types.js';

export interface GossipOptions {
  nodeName: string;
  bindAddr: string;
  /** 8301 for Consul's LAN pool; 0 picks a free port. */
  bindPort: number;
  advertiseAddr?: string;
  advertisePort?: number;
  tags: Record<string, string>;
  /** Failed members are reaped after this long (Consul reconnect_timeout, default 72 h). */
  reconnectTimeoutMs?: number;
  /** Left members are forgotten after this long (default 24 h). */
  tombstoneTimeoutMs?: number;
  logger: Logger;
  clock?: Clock;
  rng?: Rng;
  /** Member-list snapshot (serf/local.snapshot in Consul's data dir): we rejoin its members at start. */
  snapshotPath?: string;
  /** Rejoin from the snapshot even after a graceful leave (Consul -rejoin / rejoin_after_leave). */
  rejoinAfterLeave?: boolean;
  /** Gossip encryption key (16, 24 or 32 bytes; Consul's -encrypt is base64 of it). */
  encryptKey?: Buffer;
  /** memberlist label prefixed to packets and streams (empty = none). */
  label?: string;
  /** Largest user event in bytes (serf default 512). */
  userEventSizeLimit?: number;
  /** Overrides of memberlist's LAN timing (tests and benchmarks). */
  swim?: Partial<Omit<SwimConfig, 'name' | 'advertiseAddr' | 'advertisePort'>>;
  serf?: Partial<Omit<SerfConfig, 'nodeName' | 'tags'>>;
}

export interface GossipUserEvent {
  name: string;
  payload: Buffer;
  ltime: number;
  coalesce: boolean;
}

type MemberEventName = 'member-join' | 'member-leave' | 'member-failed' | 'member-update' | 'member-reap';
type Listener<E> = E extends 'user' ? (e: GossipUserEvent) => void : (m: GossipMember) => void;

export class Gossip {
  private readonly listeners = new Map<string, ((x: never) => void)[]>();
  private driver!: GossipDriver;
  private core!: SerfCore;
  private snapshot: SnapshotState | null = null;
  private snapshotTimer: NodeJS.Timeout | null = null;
  private shutDown = false;
  /** Events raised inside start() (our own member-join) are held until listeners can attach. */
  private held: SerfEvent[] | null = [];

  private constructor(private readonly opts: GossipOptions) {}

  static async start(opts: GossipOptions): Promise<Gossip> {
    const g = new Gossip(opts);
    await g.init();
    // Deliver what start() raised once the caller has had a chance to attach listeners.
    setImmediate(() => {
      const held = g.held ?? [];
      g.held = null;
      for (const e of held) g.dispatch(e);
    });
    return g;
  }

  private async init(): Promise<void> {
    const o = this.opts;
    const advertiseAddr = o.advertiseAddr ?? pickAdvertise(o.bindAddr);
    const keyring = o.encryptKey ? new Keyring([o.encryptKey]) : undefined;
    const swimCfg = { ...defaultLanSwimConfig(o.nodeName, advertiseAddr, o.advertisePort ?? o.bindPort), ...o.swim };
    if (o.label) swimCfg.labelOverhead = 2 + Buffer.byteLength(o.label);
    if (keyring) swimCfg.udpBufferSize -= Keyring.packetOverhead;
    const serfCfg: SerfConfig = { ...defaultSerfConfig(o.nodeName, o.tags), ...o.serf };
    if (o.reconnectTimeoutMs !== undefined) serfCfg.reconnectTimeoutMs = o.reconnectTimeoutMs;
    if (o.tombstoneTimeoutMs !== undefined) serfCfg.tombstoneTimeoutMs = o.tombstoneTimeoutMs;
    if (o.userEventSizeLimit !== undefined) serfCfg.userEventSizeLimit = o.userEventSizeLimit;
    const log = o.logger.named('memberlist');
    this.core = new SerfCore(serfCfg, swimCfg, o.rng ?? systemRng, (level, msg, fields) => {
      if (level === 'DEBUG') log.debug(msg, fields);
      else if (level === 'INFO') log.info(msg, fields);
      else if (level === 'WARN') log.warn(msg, fields);
      else log.error(msg, fields);
    });
    if (o.snapshotPath) {
      this.snapshot = readSnapshot(o.snapshotPath);
      this.core.clock.witness(this.snapshot.clock);
      this.core.eventClock.witness(this.snapshot.eventClock);
      this.core.queryClock.witness(this.snapshot.queryClock);
    }
    this.driver = new GossipDriver(this.core, {
      bindAddr: o.bindAddr,
      bindPort: o.bindPort,
      clock: o.clock ?? systemClock,
      logger: log,
      keyring,
      label: o.label,
      onEvent: (e) => (this.held ? this.held.push(e) : this.dispatch(e)),
    });
    await this.driver.listen();
    if (swimCfg.advertisePort === 0) swimCfg.advertisePort = this.driver.boundPort();
    this.driver.apply(this.core.start(this.driver.now()));
    this.rejoinFromSnapshot();
  }

  private rejoinFromSnapshot(): void {
    const s = this.snapshot;
    if (!s) return;
    const prev = [...s.alive].filter(([name]) => name !== this.opts.nodeName).map(([, addr]) => addr);
    if (s.left && !this.opts.rejoinAfterLeave) {
      this.opts.logger.info('serf: ignoring previous node list: we left gracefully and rejoin is off');
      s.alive.clear();
      s.left = false;
      return;
    }
    s.left = false;
    if (prev.length === 0) return;
    this.opts.logger.info('serf: attempting re-join to previously known nodes', { count: prev.length });
    void (async () => {
      for (const addr of prev) {
        if (this.shutDown) return;
        const n = await this.join([addr], true).catch(() => 0);
        if (n > 0) {
          this.opts.logger.info('serf: re-joined to previously known node', { addr });
          return;
        }
      }
      this.opts.logger.warn('serf: failed to re-join any previously known node');
    })();
  }

  /**
   * Joins the members at `addrs` ("host", "host:port", "[v6]:port", DNS names; the port defaults to ours).
   * Resolves with how many push/pulls succeeded; rejects when none did.
   */
  async join(addrs: string[], ignoreOld = false): Promise<number> {
    this.assertRunning();
    const targets: Address[] = [];
    const errors: string[] = [];
    for (const a of addrs) {
      try {
        targets.push(...(await resolveJoinAddr(a, this.opts.bindPort || 8301)));
      } catch (e) {
        errors.push(`${a}: ${(e as Error).message}`);
      }
    }
    const joins = this.driver.apply(this.core.join(this.driver.now(), targets, ignoreOld));
    const results = await Promise.all(joins);
    const n = results.filter(Boolean).length;
    this.driver.apply(this.core.joinFinished(this.driver.now(), n));
    if (n === 0) {
      const why = errors.length ? `: ${errors.join('; ')}` : '';
      throw new ConclaveError('ERR_BAD_REQUEST', `failed to join any nodes (${addrs.join(', ')})${why}`);
    }
    return n;
  }

  /** Graceful leave: the leave intent, memberlist's leave, then a short wait for it to spread. */
  async leave(): Promise<void> {
    this.assertRunning();
    const state = this.core.serfState();
    if (state === 'left') return;
    if (state === 'leaving') throw new ConclaveError('ERR_CONFLICT', 'leave already in progress');
    const t = this.core.config.broadcastTimeoutMs;
    const intentSent = await this.waitDone((done) => this.driver.apply(this.core.leaveIntent(this.driver.now(), done)), t);
    if (!intentSent) this.opts.logger.warn('serf: timeout while waiting for graceful leave');
    const deadSent = await this.waitDone((done) => this.driver.apply(this.core.leaveMemberlist(this.driver.now(), done)), t);
    if (!deadSent) this.opts.logger.warn('memberlist: timeout waiting for leave broadcast');
    await sleep(this.core.config.leavePropagateDelayMs);
    this.core.setLeft();
    if (this.snapshot) {
      this.snapshot.left = true;
      this.flushSnapshot();
    }
  }

  async shutdown(): Promise<void> {
    if (this.shutDown) return;
    this.shutDown = true;
    this.core.setShutdown();
    if (this.snapshotTimer) clearTimeout(this.snapshotTimer);
    this.flushSnapshot();
    await this.driver.close();
  }

  members(): GossipMember[] {
    return this.core.membersList();
  }

  localMember(): GossipMember {
    const m = this.core.localMember();
    if (!m) throw new ConclaveError('ERR_INTERNAL', 'local member is missing');
    return m;
  }

  /** Replaces our tags and gossips them (waits for the broadcast, at most the broadcast timeout). */
  async setTags(tags: Record<string, string>): Promise<void> {
    this.assertRunning();
    await this.waitDone((done) => this.driver.apply(this.core.setTags(this.driver.now(), tags, done)), this.core.config.broadcastTimeoutMs);
  }

  /** Marks a failed member left (prune: erase it now). Waits for the broadcast, at most the broadcast timeout. */
  async forceLeave(node: string, prune: boolean): Promise<void> {
    this.assertRunning();
    const ok = await this.waitDone(
      (done) => this.driver.apply(this.core.forceLeave(this.driver.now(), node, prune, done)),
      this.core.config.broadcastTimeoutMs,
    );
    if (!ok) throw new ConclaveError('ERR_TIMEOUT', 'timed out broadcasting node removal');
  }

  async userEvent(name: string, payload: Buffer, coalesce: boolean): Promise<void> {
    this.assertRunning();
    try {
      this.driver.apply(this.core.userEvent(this.driver.now(), name, payload, coalesce));
    } catch (e) {
      if (e instanceof WireError) throw new ConclaveError('ERR_BAD_REQUEST', e.message.replace(/^gossip wire: /, ''));
      throw e;
    }
  }

  on<E extends MemberEventName | 'user'>(event: E, fn: Listener<E>): void {
    const list = this.listeners.get(event) ?? [];
    list.push(fn as (x: never) => void);
    this.listeners.set(event, list);
  }

  /** Consul's `serf_lan` stats block. */
  stats(): Record<string, string> {
    return this.core.stats(!!this.opts.encryptKey);
  }

  /** The UDP/TCP port we listen on (useful with bindPort 0). */
  port(): number {
    return this.driver.boundPort();
  }

  private dispatch(e: SerfEvent): void {
    if (e.type === 'user') {
      this.emit('user', { name: e.name, payload: e.payload, ltime: e.ltime, coalesce: e.coalesce });
    } else {
      this.emit(e.type, e.member);
      this.recordSnapshot(e.type, e.member);
    }
  }

  private emit(event: string, arg: unknown): void {
    for (const fn of this.listeners.get(event) ?? []) {
      try {
        (fn as (x: unknown) => void)(arg);
      } catch (err) {
        this.opts.logger.error('gossip: listener threw', { event, error: (err as Error).message });
      }
    }
  }

  private recordSnapshot(type: MemberEventName, m: GossipMember): void {
    const s = this.snapshot;
    if (!s || m.name === this.opts.nodeName) return;
    if (type === 'member-join' || type === 'member-update') s.alive.set(m.name, joinAddr(m.addr, m.port));
    else s.alive.delete(m.name);
    if (!this.snapshotTimer) {
      this.snapshotTimer = setTimeout(() => {
        this.snapshotTimer = null;
        this.flushSnapshot();
      }, 200);
      this.snapshotTimer.unref?.();
    }
  }

  private flushSnapshot(): void {
    const s = this.snapshot;
    if (!s || !this.opts.snapshotPath) return;
    s.clock = this.core.clock.time();
    s.eventClock = this.core.eventClock.time();
    s.queryClock = this.core.queryClock.time();
    try {
      writeSnapshot(this.opts.snapshotPath, s);
    } catch (e) {
      this.opts.logger.error('serf: failed to write snapshot', { error: (e as Error).message });
    }
  }

  private waitDone(start: (done: () => void) => void, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      let settled = false;
      const timer = setTimeout(() => finish(false), timeoutMs);
      const finish = (ok: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(ok);
      };
      start(() => finish(true));
    });
  }

  private assertRunning(): void {
    if (this.shutDown) throw new ConclaveError('ERR_SHUTDOWN', 'gossip is shut down');
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function joinAddr(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Parses "host", "host:port", "[v6]", "[v6]:port", bare IPv6, or "name/host:port" (serf) and resolves DNS names. */
export async function resolveJoinAddr(raw: string, defaultPort: number): Promise<Address[]> {
  let s = raw.trim();
  const slash = s.indexOf('/');
  if (slash >= 0 && !s.startsWith('[')) s = s.slice(slash + 1);
  let host = s;
  let port = defaultPort;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracket) {
    host = bracket[1]!;
    if (bracket[2]) port = Number(bracket[2]);
  } else if (isIP(s) === 6) {
    host = s;
  } else {
    const m = /^(.*):(\d+)$/.exec(s);
    if (m) {
      host = m[1]!;
      port = Number(m[2]);
    }
  }
  if (!host || !Number.isInteger(port) || port <= 0 || port > 65535) throw new RangeError(`bad address ${JSON.stringify(raw)}`);
  if (isIP(host)) return [{ host, port }];
  const found = await lookup(host, { all: true });
  if (found.length === 0) throw new Error(`no addresses for ${host}`);
  return found.map((a) => ({ host: a.address, port }));
}

/** A concrete address to advertise when bound to a wildcard: the first private IPv4 of an interface. */
function pickAdvertise(bindAddr: string): string {
  if (bindAddr !== '0.0.0.0' && bindAddr !== '::') return bindAddr;
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
