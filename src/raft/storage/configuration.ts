// Configuration entries: the bytes of an EntryType.ConfChange entry are the full server list
// (msgpack [[id, address, 1=voter|0=nonvoter], ...]), and a fresh server's bootstrap writes
// the first one.

import { pack, unpack } from 'msgpackr';
import type { RaftServer } from '../api.js';
import { EntryType, NONE } from '../core/messages.js';
import type { StorageLogger } from './io.js';
import type { RaftStorage } from './storage.js';

export function encodeConfiguration(servers: readonly RaftServer[]): Uint8Array {
  return pack(servers.map((s) => [s.id, s.address, s.suffrage === 'voter' ? 1 : 0]));
}

export function decodeConfiguration(data: Uint8Array): RaftServer[] {
  const v = unpack(data) as unknown;
  if (!Array.isArray(v)) throw new Error('raft: malformed configuration entry');
  return v.map((x: unknown) => {
    if (!Array.isArray(x) || typeof x[0] !== 'string' || typeof x[1] !== 'string') throw new Error('raft: malformed configuration entry');
    return { id: x[0], address: x[1], suffrage: x[2] === 1 ? 'voter' : 'nonvoter' } as RaftServer;
  });
}

/** Checks a server list: non-empty unique IDs and addresses. Returns the problem or null. */
export function configurationProblem(servers: readonly RaftServer[]): string | null {
  const ids = new Set<string>();
  for (const s of servers) {
    if (!s || typeof s.id !== 'string' || !s.id || typeof s.address !== 'string' || !s.address) return 'every server needs an id and an address';
    if (s.suffrage !== 'voter' && s.suffrage !== 'nonvoter') return `server ${s.id}: suffrage must be "voter" or "nonvoter"`;
    if (ids.has(s.id)) return `duplicate server id ${s.id}`;
    ids.add(s.id);
  }
  return null;
}

/**
 * Writes `servers` as the first configuration when the storage holds no Raft state at all
 * (like hashicorp's BootstrapCluster: entry 1 of term 1, committed by fiat, since every
 * bootstrapping server writes the same one). Returns whether it bootstrapped.
 */
export async function bootstrapIfEmpty(storage: RaftStorage, selfId: string, servers: readonly RaftServer[] | undefined, logger: StorageLogger): Promise<boolean> {
  const hs = storage.hardStateNow();
  const empty = storage.lastIndex() === 0 && hs.term === 0 && hs.vote === NONE && storage.latestSnapshot() === null;
  if (!empty || !servers || servers.length === 0) return false;
  const problem = configurationProblem(servers);
  if (problem) throw new RangeError(`raft bootstrap: ${problem}`);
  if (!servers.some((s) => s.id === selfId)) logger.warn('raft bootstrap: this server is not in the bootstrap configuration', { id: selfId });
  storage.append([{ index: 1, term: 1, type: EntryType.ConfChange, data: encodeConfiguration(servers) }]);
  storage.setHardState({ term: 1, vote: NONE, commit: 1 });
  await storage.sync(true);
  logger.info('raft: bootstrapped configuration', { servers: servers.map((s) => s.id) });
  return true;
}
