// The agent cache (Consul's agent/cache) behind `?cached`. Two kinds of entry:
//  - simple (catalog/datacenters, catalog/services): fetched on a miss, served until Cache-Control
//    says it is too old (max-age, must-revalidate); stale-if-error serves an old value when refetching fails;
//  - background-refresh (catalog/service/:s, health/service/:s): a miss starts a blocking-query loop
//    that keeps the entry current; later calls are hits, and ?index blocks on the cached entry itself.
// Entries nobody asked for in LAST_GET_TTL_MS are dropped (and their refresh loops stopped).
import type { QueryMeta, QueryOptions, QueryReply } from '../structs/rpc.js';

export const LAST_GET_TTL_MS = 72 * 3600_000;
export const SIMPLE_MAX_AGE_MS = 72 * 3600_000;
const REFRESH_WAIT_MS = 10 * 60_000;
const REFRESH_BACKOFF_MIN_MS = 250;
const REFRESH_BACKOFF_MAX_MS = 60_000;
const SWEEP_INTERVAL_MS = 10 * 60_000;

export interface CacheControl {
  maxAgeMs?: number;
  mustRevalidate?: boolean;
  staleIfErrorMs?: number;
}

export interface CacheResult<T> {
  reply: QueryReply<T>;
  hit: boolean;
  /** Seconds since the value was fetched (simple) or since the refresh loop lost contact (refresh). */
  ageSeconds: number;
}

type Fetch = (opts: QueryOptions) => Promise<QueryReply<unknown>>;

interface Entry {
  kind: 'simple' | 'refresh';
  reply: QueryReply<unknown> | null;
  fetchedAtMs: number;
  lastGetMs: number;
  /** Refresh loops: when contact with the servers was lost (0 while fine). */
  disconnectedAtMs: number;
  waiters: Array<() => void>;
  stop: boolean;
  firstFetch: Promise<void> | null;
}

export class AgentCache {
  private entries = new Map<string, Entry>();
  private sweeper: NodeJS.Timeout;

  constructor(private readonly nowMs: () => number = () => Date.now()) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  /** Simple caching: a hit unless the entry is older than Cache-Control allows. */
  async getSimple<T>(key: string, opts: QueryOptions, cc: CacheControl, fetch: Fetch): Promise<CacheResult<T>> {
    const now = this.nowMs();
    const e = this.entries.get(key);
    const maxAge = cc.mustRevalidate ? 0 : (cc.maxAgeMs ?? SIMPLE_MAX_AGE_MS);
    if (e?.reply && now - e.fetchedAtMs <= maxAge && !(cc.maxAgeMs === 0)) {
      e.lastGetMs = now;
      return { reply: e.reply as QueryReply<T>, hit: true, ageSeconds: Math.floor((now - e.fetchedAtMs) / 1000) };
    }
    try {
      const reply = await fetch({ ...opts, MinQueryIndex: 0 });
      this.entries.set(key, { ...blank('simple', now), reply, fetchedAtMs: now });
      return { reply: reply as QueryReply<T>, hit: false, ageSeconds: 0 };
    } catch (err) {
      if (e?.reply && cc.staleIfErrorMs !== undefined && now - e.fetchedAtMs <= cc.staleIfErrorMs) {
        e.lastGetMs = now;
        return { reply: e.reply as QueryReply<T>, hit: true, ageSeconds: Math.floor((now - e.fetchedAtMs) / 1000) };
      }
      throw err;
    }
  }

  /**
   * Background-refresh caching: the first call fetches and starts the refresh loop (MISS); later calls
   * are hits. With opts.MinQueryIndex it waits (up to MaxQueryTimeMs) for the cached index to pass it.
   */
  async getRefreshing<T>(key: string, opts: QueryOptions, fetch: Fetch): Promise<CacheResult<T>> {
    const now = this.nowMs();
    let e = this.entries.get(key);
    let hit = true;
    if (!e) {
      hit = false;
      e = blank('refresh', now);
      this.entries.set(key, e);
      const entry = e;
      entry.firstFetch = fetch({ ...opts, MinQueryIndex: 0 }).then(
        (reply) => {
          this.store(entry, reply);
          void this.refreshLoop(key, entry, opts, fetch);
        },
        (err) => {
          this.entries.delete(key);
          throw err;
        },
      );
    }
    e.lastGetMs = now;
    if (!e.reply) await e.firstFetch;
    const min = opts.MinQueryIndex ?? 0;
    if (min > 0 && e.reply!.meta.Index <= min) {
      const wait = opts.MaxQueryTimeMs && opts.MaxQueryTimeMs > 0 ? opts.MaxQueryTimeMs : 300_000;
      await this.waitForChange(e, wait);
    }
    const age = e.disconnectedAtMs ? Math.floor((this.nowMs() - e.disconnectedAtMs) / 1000) : 0;
    return { reply: e.reply as QueryReply<T>, hit, ageSeconds: age };
  }

  private store(e: Entry, reply: QueryReply<unknown>): void {
    e.reply = reply;
    e.fetchedAtMs = this.nowMs();
    const waiters = e.waiters;
    e.waiters = [];
    for (const w of waiters) w();
  }

  private waitForChange(e: Entry, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      e.waiters.push(done);
    });
  }

  private async refreshLoop(key: string, e: Entry, opts: QueryOptions, fetch: Fetch): Promise<void> {
    let backoff = REFRESH_BACKOFF_MIN_MS;
    while (!e.stop && this.entries.get(key) === e) {
      try {
        const index = e.reply?.meta.Index ?? 0;
        const reply = await fetch({ ...opts, MinQueryIndex: index, MaxQueryTimeMs: REFRESH_WAIT_MS });
        e.disconnectedAtMs = 0;
        backoff = REFRESH_BACKOFF_MIN_MS;
        // An index that went backwards (a restore) is taken as is; an unchanged one wakes nobody.
        if (reply.meta.Index !== index) this.store(e, reply);
      } catch {
        if (!e.disconnectedAtMs) e.disconnectedAtMs = this.nowMs();
        await new Promise((r) => setTimeout(r, backoff).unref());
        backoff = Math.min(backoff * 2, REFRESH_BACKOFF_MAX_MS);
      }
    }
  }

  private sweep(): void {
    const now = this.nowMs();
    for (const [k, e] of this.entries) {
      if (now - e.lastGetMs > LAST_GET_TTL_MS) {
        e.stop = true;
        this.entries.delete(k);
      }
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const e of this.entries.values()) {
      e.stop = true;
      for (const w of e.waiters) w();
    }
    this.entries.clear();
  }
}

function blank(kind: Entry['kind'], now: number): Entry {
  return { kind, reply: null, fetchedAtMs: 0, lastGetMs: now, disconnectedAtMs: 0, waiters: [], stop: false, firstFetch: null };
}

/** Parses the request's Cache-Control header the way Consul does; null means malformed (400). */
export function parseCacheControl(header: string | undefined): CacheControl | null {
  const cc: CacheControl = {};
  if (!header) return cc;
  for (const part of header.split(',')) {
    const [rawName, rawValue] = part.trim().split('=');
    const name = (rawName ?? '').trim().toLowerCase();
    const value = rawValue?.trim();
    if (name === 'must-revalidate') cc.mustRevalidate = true;
    else if (name === 'max-age' || name === 'stale-if-error') {
      if (value === undefined || !/^\d+$/.test(value)) return null;
      if (name === 'max-age') cc.maxAgeMs = Number(value) * 1000;
      else cc.staleIfErrorMs = Number(value) * 1000;
    }
  }
  return cc;
}

export type { QueryMeta };
