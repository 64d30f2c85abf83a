// The simulator's replicated state machine: a KV map with compare-and-set. It also remembers
// the ID of every command it applied, so "every acknowledged write is present" can be checked
// on each server even after snapshots replaced its log.

import type { KvValue } from '../../src/lib/linearizability/index.js';

export interface KvCommand {
  /** Unique per client operation. */
  id: string;
  f: 'write' | 'cas';
  key: string;
  value: KvValue;
  /** cas only. */
  expected?: KvValue;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export function encodeCommand(c: KvCommand): Uint8Array {
  return enc.encode(JSON.stringify(c));
}

export function decodeCommand(data: Uint8Array): KvCommand {
  return JSON.parse(dec.decode(data)) as KvCommand;
}

export class KvFsm {
  data = new Map<string, KvValue>();
  appliedIds = new Set<string>();

  /** Applies a command; returns whether it took effect (a cas may find another value). */
  apply(c: KvCommand): boolean {
    this.appliedIds.add(c.id);
    const cur = this.data.get(c.key) ?? null;
    if (c.f === 'cas' && cur !== (c.expected ?? null)) return false;
    this.data.set(c.key, c.value);
    return true;
  }

  get(key: string): KvValue {
    return this.data.get(key) ?? null;
  }

  snapshot(): Uint8Array {
    return enc.encode(JSON.stringify({ data: [...this.data], ids: [...this.appliedIds] }));
  }

  restore(bytes: Uint8Array): void {
    const v = JSON.parse(dec.decode(bytes)) as { data: [string, KvValue][]; ids: string[] };
    this.data = new Map(v.data);
    this.appliedIds = new Set(v.ids);
  }

  /** A digest of the map (not the IDs) for comparing servers. */
  digest(): string {
    return JSON.stringify([...this.data].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
  }
}
