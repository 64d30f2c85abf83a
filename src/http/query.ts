// Parses the query parameters every read shares (Consul's parseInternal): dc, blocking, consistency,
// filter, node-meta, token.
import type { Ctx } from './context.js';
import { HttpError } from './errors.js';
import { parseDurationNs } from '../lib/duration.js';
import type { QueryOptions } from '../structs/rpc.js';

export interface QueryDefaults {
  datacenter: string;
  /** discovery_max_stale: catalog and health reads default to stale when > 0. */
  discoveryMaxStaleMs: number;
  defaultToken: string;
}

const UINT_RE = /^[0-9]+$/;

export function parseToken(ctx: Ctx, defaultToken = ''): string {
  const q = ctx.get('token');
  if (q) return q;
  const h = ctx.requestHeader('x-consul-token');
  if (h) return h;
  const auth = ctx.requestHeader('authorization');
  if (typeof auth === 'string') {
    const m = /^bearer\s+(\S+)/i.exec(auth.trim());
    if (m) return m[1]!;
  }
  return defaultToken;
}

export function parseQueryOptions(ctx: Ctx, d: QueryDefaults, discovery = false): QueryOptions {
  const o: QueryOptions = {
    Datacenter: ctx.get('dc') || d.datacenter,
    Token: parseToken(ctx, d.defaultToken),
  };
  parseWait(ctx, o);
  parseConsistency(ctx, o, discovery ? d.discoveryMaxStaleMs : 0);
  const filter = ctx.get('filter');
  if (filter) o.Filter = filter;
  const meta = ctx.rawQuery === '' ? null : ctx.query.getAll('node-meta');
  if (meta && meta.length > 0) {
    o.NodeMetaFilters = {};
    for (const kv of meta) {
      const i = kv.indexOf(':');
      if (i < 0) o.NodeMetaFilters[kv] = '';
      else o.NodeMetaFilters[kv.slice(0, i)] = kv.slice(i + 1);
    }
  }
  return o;
}

function parseWait(ctx: Ctx, o: QueryOptions): void {
  const wait = ctx.get('wait');
  const index = ctx.get('index');
  if (wait !== null && wait !== '') {
    let ns: number;
    try {
      ns = parseDurationNs(wait);
    } catch {
      throw new HttpError(400, 'Invalid wait time');
    }
    o.MaxQueryTimeMs = ns / 1e6;
  }
  if (index !== null && index !== '') {
    if (!UINT_RE.test(index)) throw new HttpError(400, 'Invalid index');
    o.MinQueryIndex = Number(index);
  }
}

function parseConsistency(ctx: Ctx, o: QueryOptions, discoveryMaxStaleMs: number): void {
  const stale = ctx.has('stale');
  const consistent = ctx.has('consistent');
  const leader = ctx.has('leader');
  if (stale && consistent) {
    throw new HttpError(400, 'Cannot specify ?stale with ?consistent, conflicting semantics.');
  }
  if (leader && (stale || consistent)) {
    throw new HttpError(400, 'Cannot specify ?leader with ?stale or ?consistent, conflicting semantics.');
  }
  if (ctx.has('cached') && consistent) {
    throw new HttpError(400, 'Cannot specify ?cached with ?consistent, conflicting semantics.');
  }
  if (stale) o.AllowStale = true;
  if (consistent) o.RequireConsistent = true;
  const maxStale = ctx.get('max_stale');
  if (maxStale) {
    let ns: number;
    try {
      ns = parseDurationNs(maxStale);
    } catch {
      throw new HttpError(400, `Invalid max_stale value ${JSON.stringify(maxStale)}`);
    }
    o.MaxStaleMs = ns / 1e6;
    if (ns > 0) o.AllowStale = true;
  } else if (!stale && !consistent && !leader && discoveryMaxStaleMs > 0) {
    o.AllowStale = true;
    o.MaxStaleMs = discoveryMaxStaleMs;
  }
}

/** Go's strconv.ParseBool. */
export function parseGoBool(v: string): boolean | null {
  switch (v) {
    case '1': case 't': case 'T': case 'true': case 'TRUE': case 'True':
      return true;
    case '0': case 'f': case 'F': case 'false': case 'FALSE': case 'False':
      return false;
    default:
      return null;
  }
}

/** Parses a uint64 query value exactly (flags, cas). */
export function parseUint64(v: string): bigint | null {
  if (!UINT_RE.test(v)) return null;
  const n = BigInt(v);
  return n <= 0xffffffffffffffffn ? n : null;
}
