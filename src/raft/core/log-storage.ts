// The read side of stable storage, as the core sees it (etcd's Storage). The driver writes to
// storage (entries, hard state, snapshots) and the core only reads; entries the core has handed
// out in a Ready but that are not yet advanced live in the core's own unstable log.
//
// Layout: the log holds entries (firstIndex .. lastIndex]; the entry just before firstIndex is
// the "base" (the last compacted or snapshotted entry), whose term is still known so that an
// AppendEntries consistency check against it can succeed.

import type { ConfState, Entry, HardState, Snapshot, SnapshotMeta } from './messages.js';

export interface LogReader {
  /** Hard state and configuration at start-up. Called once, when the core is created. */
  initialState(): { hardState: HardState; confState: ConfState };
  /** Index of the first available entry (base index + 1). */
  firstIndex(): number;
  /** Index of the last entry (the base index when the log is empty). */
  lastIndex(): number;
  /** Term of entry `index`, or null when it is compacted (below the base) or beyond lastIndex. */
  term(index: number): number | null;
  /**
   * Entries [lo, hi), at most `maxCount` of them (at least one if any is available). The caller
   * guarantees firstIndex <= lo <= hi <= lastIndex + 1. The returned array is the caller's.
   */
  entries(lo: number, hi: number, maxCount: number): Entry[];
  /** Metadata of the latest snapshot (index 0 when there is none). */
  snapshotMeta(): SnapshotMeta;
  /** The latest snapshot with its bytes, for InstallSnapshot; null when there is none. */
  snapshot(): Snapshot | null;
}
