// RPC vocabulary: what the HTTP layer sends to a server (locally or, later, over :8300) and what comes back.
// Method names follow Consul's (Catalog.Register, KVS.Get, ...).

export type ConsistencyMode = 'default' | 'consistent' | 'stale';

/** Options every read carries (Consul's structs.QueryOptions). */
export interface QueryOptions {
  Datacenter?: string;
  Token?: string;
  /** Blocking: answer once the result's index is greater than this (0 = answer at once). */
  MinQueryIndex?: number;
  /** Blocking: longest wait, milliseconds, already clamped and jittered by the caller. */
  MaxQueryTimeMs?: number;
  AllowStale?: boolean;
  RequireConsistent?: boolean;
  /** max_stale: a stale read older than this is redone on the leader. */
  MaxStaleMs?: number;
  /** bexpr filter expression. */
  Filter?: string;
  NodeMetaFilters?: Record<string, string>;
}

/** What every read answer carries (Consul's structs.QueryMeta). */
export interface QueryMeta {
  Index: number;
  KnownLeader: boolean;
  LastContactMs: number;
  ConsistencyLevel: 'leader' | 'consistent' | 'stale';
}

export interface QueryReply<T> {
  meta: QueryMeta;
  value: T;
}

export interface WriteOptions {
  Datacenter?: string;
  Token?: string;
}
