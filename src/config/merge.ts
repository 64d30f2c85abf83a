// Consul's merge rule for config layers: later scalars replace earlier ones, lists append, and objects
// (both maps such as node_meta and nested blocks such as ports) merge key by key.
import { isPlainObject } from './hcl.js';
import type { Decoded } from './schema.js';

export function mergeLayers(layers: readonly Decoded[]): Decoded {
  let out: Decoded = {};
  for (const layer of layers) out = mergeTwo(out, layer) as Decoded;
  return out;
}

function mergeTwo(a: unknown, b: unknown): unknown {
  if (b === undefined) return a;
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  if (isPlainObject(a) && isPlainObject(b)) {
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = mergeTwo(out[k], v);
    return out;
  }
  return b;
}

/**
 * Moves a single `service`/`check` into `services`/`checks` within one layer, before merging, so that a
 * later layer's `service` does not clobber an earlier one (Consul does the same).
 */
export function liftSingles(layer: Decoded): Decoded {
  const out = { ...layer };
  if (out.check !== undefined) {
    out.checks = [...((out.checks as unknown[]) ?? []), out.check];
    delete out.check;
  }
  if (out.service !== undefined) {
    out.services = [...((out.services as unknown[]) ?? []), out.service];
    delete out.service;
  }
  return out;
}
