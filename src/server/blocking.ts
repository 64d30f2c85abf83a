// Blocking queries (Consul's blockingquery.Query): run the query; if its index has not moved past the
// client's, park on the watch set it recorded until something it read changes or the wait runs out.
import { WatchSet } from '../state/watch.js';
import type { StateStore } from '../state/store.js';
import type { QueryOptions } from '../structs/rpc.js';
import { randomInt, type Rng } from '../lib/rng.js';

export const JITTER_FRACTION = 16;
export const DEFAULT_QUERY_TIME_MS = 300_000;
export const MAX_QUERY_TIME_MS = 600_000;

export interface BlockingLimits {
  defaultQueryTimeMs: number;
  maxQueryTimeMs: number;
}

/** The wait a query may park for: default when absent, capped, plus up to wait/16 of jitter. */
export function queryTimeout(opts: QueryOptions, limits: BlockingLimits, rng: Rng): number {
  let wait = opts.MaxQueryTimeMs ?? 0;
  if (wait <= 0) wait = limits.defaultQueryTimeMs;
  if (wait > limits.maxQueryTimeMs) wait = limits.maxQueryTimeMs;
  const jitter = Math.floor(wait / JITTER_FRACTION);
  return wait + (jitter > 0 ? randomInt(rng, jitter) : 0);
}

export interface BlockingContext {
  store(): StateStore;
  signal?: AbortSignal;
}

/**
 * Runs `query` until its index exceeds opts.MinQueryIndex or the timeout passes.
 * The query must read only the store it is given and add what it read to the watch set.
 * Non-blocking reads (no MinQueryIndex) never come here: Server.read runs them directly.
 */
export async function blockingQuery<T>(
  ctx: BlockingContext,
  opts: QueryOptions,
  timeoutMs: number,
  query: (store: StateStore, ws: WatchSet | null) => [number, T],
): Promise<[number, T]> {
  const minIndex = opts.MinQueryIndex ?? 0;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const store = ctx.store();
    const ws = new WatchSet();
    const [rawIndex, value] = query(store, ws);
    const index = Math.max(rawIndex, 1);
    // An index that moved answers at once, backwards too (a restore): the client then resets to 0.
    if (index !== minIndex) return [index, value];
    const remaining = deadline - performance.now();
    if (remaining <= 0) return [index, value];
    const outcome = await ws.wait(remaining, ctx.signal);
    if (outcome === 'aborted') return [index, value];
    if (outcome === 'timeout') {
      const [lastIndex, lastValue] = query(ctx.store(), null);
      return [Math.max(lastIndex, 1), lastValue];
    }
  }
}
