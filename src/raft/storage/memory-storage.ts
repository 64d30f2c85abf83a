// MemoryStorage: RaftStorage without a disk, for `consul agent -dev` and the simulator.
// Nothing survives the process; sync() is a no-op that still counts calls, so the group-commit
// behaviour of the driver can be observed the same way as on disk.

import type { ConfState, Entry, HardState, Snapshot, SnapshotMeta } from '../core/messages.js';
import { emptyHardState } from '../core/messages.js';
import { EntryLog } from './entry-log.js';
import { type RaftStorage, type SnapshotToSave, type StoredSnapshot, confStateOf, encodeSnapshotForCore, fsmBytes, snapshotMetaOf } from './storage.js';

export class MemoryStorage implements RaftStorage {
  readonly kind = 'memory' as const;
  private readonly log = new EntryLog();
  private hs: HardState = emptyHardState;
  private snap: StoredSnapshot | null = null;
  private syncs = 0;

  /** For tests driving the core by hand: a storage whose configuration is `confState`. */
  static withConfState(confState: ConfState): MemoryStorage {
    const s = new MemoryStorage();
    s.initialConfState = confState;
    return s;
  }
  private initialConfState: ConfState = { voters: [], learners: [] };

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: this.hs, confState: this.snap ? confStateOf(this.snap.configuration) : this.initialConfState };
  }
  firstIndex(): number { return this.log.firstIndex(); }
  lastIndex(): number { return this.log.lastIndex(); }
  term(index: number): number | null { return this.log.term(index); }
  entries(lo: number, hi: number, maxCount: number): Entry[] { return this.log.slice(lo, hi, maxCount); }
  snapshotMeta(): SnapshotMeta { return snapshotMetaOf(this.snap); }
  snapshot(): Snapshot | null { return this.snap ? encodeSnapshotForCore(this.snap) : null; }
  latestSnapshot(): StoredSnapshot | null { return this.snap; }
  hardStateNow(): HardState { return this.hs; }

  append(entries: readonly Entry[]): void { this.log.append(entries); }
  setHardState(hs: HardState): void { this.hs = { ...hs }; }
  async sync(mustSync: boolean): Promise<void> { if (mustSync) this.syncs++; }
  async saveSnapshot(snap: SnapshotToSave, resetLog: boolean): Promise<void> {
    if (resetLog) this.log.resetTo(snap.index, snap.term);
    this.snap = { index: snap.index, term: snap.term, configuration: snap.configuration, fsm: fsmBytes(snap.fsm) };
  }
  compact(index: number): void { this.log.compact(Math.min(index, this.snap?.index ?? 0)); }
  syncCount(): number { return this.syncs; }
  async close(): Promise<void> {}
}
