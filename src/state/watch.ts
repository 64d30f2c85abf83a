// Watch sets for blocking queries (Consul's memdb.WatchSet, without goroutines or channels).
//
// A read records what it looked at as `Watch` tokens in a WatchSet; `ws.wait()` parks until a
// later commit touches one of them. Rules, in the order they matter:
//
// - Idle waiters cost nothing but memory: a waiter is a callback in a Map keyed by watch key, plus
//   one timer. Nothing polls. A commit looks up only the keys it touched, so it wakes only the
//   waiters whose set it touched (10,000 parked waiters on other keys are never visited).
// - A commit publishes after every row is in place (go-memdb swaps the root, then notifies), and the
//   wake-up itself is a promise resolution, so a woken query always reruns against the new state.
// - A write that lands between the read and `wait()` is not lost: the hub keeps a short log of the
//   keys recent commits touched, and `wait()` first checks it against the set's read sequence. If
//   the log no longer reaches back that far, it answers 'changed' (a spurious wake-up, which the
//   blocking loop tolerates: it compares indexes and goes round again).
// - A set holds at most `WATCH_LIMIT` keys; past that each new watch is replaced by its table's
//   coarse watch (Consul's watchLimit, 8192: https://github.com/hashicorp/consul/pull/7200).
// - `abandon()` (after a snapshot restore swapped in a new store) wakes everyone, now and later.

/** Consul's soft cap on watches per query before falling back to table-level watches. */
export const WATCH_LIMIT = 8192;

/** How many recent commits the hub remembers for the read→wait gap. */
const COMMIT_LOG_MAX = 256;

/** Key prefix of KV prefix watches; the hub matches them against written keys by prefix. */
export const KV_PREFIX_WATCH = 'kvp:';

/** A watchable thing: one key in one hub. `table` names the coarse watch to fall back to. */
export interface Watch {
  readonly hub: WatchHub;
  readonly key: string;
  readonly table: string;
}

export type WaitResult = 'changed' | 'timeout' | 'aborted';

interface CommitRecord {
  seq: number;
  keys: ReadonlySet<string>;
  kvKeys: readonly string[];
}

class Waiter {
  done = false;
  constructor(readonly wake: () => void) {}
}

/** Owns the parked waiters of one store. The store publishes each commit's touched keys here. */
export class WatchHub {
  /** Sequence number of the last published commit. */
  seq = 0;
  private abandonedFlag = false;
  private readonly log: CommitRecord[] = [];
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly prefixWaiters = new Map<string, Set<Waiter>>();
  private readonly everyone = new Set<Waiter>();

  get abandoned(): boolean {
    return this.abandonedFlag;
  }

  /** Number of parked waiters (for tests and metrics). */
  get parked(): number {
    return this.everyone.size;
  }

  watch(key: string, table: string): Watch {
    return { hub: this, key, table };
  }

  /** Called once per commit that changed something, after the change is fully visible. */
  publish(keys: ReadonlySet<string>, kvKeys: readonly string[]): void {
    this.seq++;
    this.log.push({ seq: this.seq, keys, kvKeys });
    if (this.log.length > COMMIT_LOG_MAX) this.log.shift();
    if (this.everyone.size === 0) return;
    const toWake = new Set<Waiter>();
    for (const key of keys) {
      const set = this.waiters.get(key);
      if (set) for (const w of set) toWake.add(w);
    }
    if (this.prefixWaiters.size > 0) {
      for (const k of kvKeys) this.collectPrefixWaiters(k, toWake);
    }
    for (const w of toWake) w.wake();
  }

  /** Wakes every waiter, now and in future; used when a restore replaced this store. */
  abandon(): void {
    this.abandonedFlag = true;
    for (const w of [...this.everyone]) w.wake();
  }

  /** True when a commit after `seq` touched one of `keys` (or the log cannot tell). */
  changedSince(seq: number, keys: Iterable<string>): boolean {
    if (seq >= this.seq) return false;
    const oldest = this.log.length > 0 ? this.log[0]!.seq : this.seq + 1;
    if (seq + 1 < oldest) return true;
    const recent = this.log.filter((r) => r.seq > seq);
    for (const key of keys) {
      if (key.startsWith(KV_PREFIX_WATCH)) {
        const prefix = key.slice(KV_PREFIX_WATCH.length);
        for (const r of recent) {
          if (r.keys.has(key)) return true;
          for (const k of r.kvKeys) if (k.startsWith(prefix)) return true;
        }
      } else {
        for (const r of recent) if (r.keys.has(key)) return true;
      }
    }
    return false;
  }

  /** Parks `waiter` on every key; returns the function that unparks it. */
  park(keys: Iterable<string>, wake: () => void): () => void {
    const waiter = new Waiter(() => {
      if (waiter.done) return;
      unpark();
      wake();
    });
    const joined: Array<[Map<string, Set<Waiter>>, string]> = [];
    for (const key of keys) {
      const isPrefix = key.startsWith(KV_PREFIX_WATCH);
      const map = isPrefix ? this.prefixWaiters : this.waiters;
      const k = isPrefix ? key.slice(KV_PREFIX_WATCH.length) : key;
      let set = map.get(k);
      if (!set) {
        set = new Set();
        map.set(k, set);
      }
      set.add(waiter);
      joined.push([map, k]);
    }
    this.everyone.add(waiter);
    const unpark = () => {
      if (waiter.done) return;
      waiter.done = true;
      this.everyone.delete(waiter);
      for (const [map, k] of joined) {
        const set = map.get(k);
        if (!set) continue;
        set.delete(waiter);
        if (set.size === 0) map.delete(k);
      }
    };
    return unpark;
  }

  private collectPrefixWaiters(kvKey: string, out: Set<Waiter>): void {
    if (this.prefixWaiters.size <= kvKey.length + 1) {
      for (const [prefix, set] of this.prefixWaiters) {
        if (kvKey.startsWith(prefix)) for (const w of set) out.add(w);
      }
      return;
    }
    for (let i = 0; i <= kvKey.length; i++) {
      const set = this.prefixWaiters.get(kvKey.slice(0, i));
      if (set) for (const w of set) out.add(w);
    }
  }
}

/**
 * What one query read. Reads add to it (`ws.add`); the blocking loop then calls `wait`.
 * A set belongs to one store's hub; adding a watch from another hub is a programmer error.
 */
export class WatchSet {
  private readonly keys = new Set<string>();
  private hub: WatchHub | null = null;
  private readSeq = 0;

  constructor(readonly limit = WATCH_LIMIT) {}

  get size(): number {
    return this.keys.size;
  }

  /** Watch keys held (for tests). */
  has(key: string): boolean {
    return this.keys.has(key);
  }

  add(w: Watch): void {
    if (this.hub === null) {
      this.hub = w.hub;
      this.readSeq = w.hub.seq;
    } else if (this.hub !== w.hub) {
      throw new Error('WatchSet: watches from two different stores cannot be mixed');
    }
    if (this.keys.has(w.key)) return;
    if (this.keys.size >= this.limit) {
      this.keys.add(`t:${w.table}`);
      return;
    }
    this.keys.add(w.key);
  }

  /**
   * Resolves 'changed' when a commit touches anything in the set (or the store is abandoned),
   * 'timeout' after `timeoutMs`, 'aborted' when `signal` aborts. Never rejects.
   */
  wait(timeoutMs: number, signal?: AbortSignal): Promise<WaitResult> {
    if (signal?.aborted) return Promise.resolve('aborted');
    const hub = this.hub;
    if (hub && hub.abandoned) return Promise.resolve('changed');
    if (hub && hub.changedSince(this.readSeq, this.keys)) return Promise.resolve('changed');
    return new Promise<WaitResult>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let unpark: () => void = () => {};
      let settled = false;
      const finish = (r: WaitResult) => {
        if (settled) return;
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        unpark();
        resolve(r);
      };
      const onAbort = () => finish('aborted');
      if (hub) unpark = hub.park(this.keys, () => finish('changed'));
      timer = setTimeout(() => finish('timeout'), Math.max(0, timeoutMs));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
