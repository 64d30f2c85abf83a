// Tombstones for deleted KV keys (Consul's Graveyard). A delete leaves a tombstone carrying the
// Raft index of the delete, so a prefix read's index (max ModifyIndex under the prefix) still moves
// forward when the newest key under it disappears. The leader's tombstone GC later reaps them.
import type { Db, Tx } from './db.js';

/** Records that `key` (or, for a tree delete, the prefix) was deleted at `tx.idx`. */
export function insertTombstone(tx: Tx, key: string): void {
  tx.put(tx.db.tombstones, key, tx.idx);
  tx.bump('tombstones');
  tx.tombstoned = true;
}

/** Highest tombstone index among keys that start with `prefix` (0 when none). */
export function tombstoneMaxIndex(db: Db, prefix: string): number {
  let max = 0;
  for (const [key, idx] of db.tombstones.entries(prefix)) {
    if (!key.startsWith(prefix)) break;
    if (idx > max) max = idx;
  }
  return max;
}

/**
 * Removes tombstones whose index is <= `reapIndex`. Like Consul, reaping moves no index and wakes
 * no watcher: the GC only reaps after clients have had time to see the delete.
 */
export function reapTombstones(tx: Tx, reapIndex: number): number {
  const doomed: string[] = [];
  for (const [key, idx] of tx.db.tombstones.entries()) if (idx <= reapIndex) doomed.push(key);
  for (const key of doomed) tx.remove(tx.db.tombstones, key);
  return doomed.length;
}
