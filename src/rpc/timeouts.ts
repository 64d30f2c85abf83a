// How long a caller waits for an RPC's answer.
import type { QueryOptions } from '../structs/rpc.js';

export const RPC_TIMEOUT_MS = 30_000;

/** A blocking query may take its whole wait, plus jitter (wait/16) and some slack, before answering. */
export function rpcTimeoutMs(args: unknown, maxQueryTimeMs: number): number {
  const o = (args as { Options?: QueryOptions } | null)?.Options;
  if (o && (o.MinQueryIndex ?? 0) > 0) return maxQueryTimeMs + maxQueryTimeMs / 16 + 10_000;
  return RPC_TIMEOUT_MS;
}
