// DiskStorage: RaftStorage on a data directory.
//   <dataDir>/raft/wal/         WAL segments (entries, hard state, base records)
//   <dataDir>/raft/snapshots/   snapshot files
// The retained log is also held in memory (an EntryLog), so the core's reads never touch disk;
// with the default snapshot threshold and trailing logs that is at most ~26k entries. The latest
// snapshot is not held in memory: only its metadata is, and its bytes are read from its file when
// the core ships it to a follower or the node restores from it.

import * as fs from 'node:fs';
import { dirname, join } from 'node:path';
import type { ConfState, Entry, HardState, Snapshot, SnapshotMeta } from '../core/messages.js';
import type { EntryLog } from './entry-log.js';
import { type StorageIo, type StorageLogger, nodeStorageIo, silentStorageLogger } from './io.js';
import { type SnapshotFile, SnapshotStore, readSnapshot, readSnapshotForCore } from './snapshot-store.js';
import { type RaftStorage, type SnapshotToSave, type StoredSnapshot, confStateOf, snapshotMetaOf } from './storage.js';
import { Wal } from './wal/wal.js';
import type { WalRecord } from './wal/record.js';

export interface DiskStorageOptions {
  dataDir: string;
  io?: StorageIo;
  logger?: StorageLogger;
  segmentBytesMax?: number;
  snapshotsRetained?: number;
}

export class DiskStorage implements RaftStorage {
  readonly kind = 'disk' as const;

  private constructor(
    private readonly wal: Wal,
    private readonly snaps: SnapshotStore,
    private readonly log: EntryLog,
    private hs: HardState,
    private snap: SnapshotFile | null,
    private readonly logger: StorageLogger,
  ) {}

  static async open(opts: DiskStorageOptions): Promise<DiskStorage> {
    const io = opts.io ?? nodeStorageIo;
    const logger = opts.logger ?? silentStorageLogger;
    const root = join(opts.dataDir, 'raft');
    await ensureDurableDirs(opts.dataDir, [root, join(root, 'wal'), join(root, 'snapshots')], io);
    const snaps = new SnapshotStore(join(root, 'snapshots'), io, logger, opts.snapshotsRetained ?? 2);
    const snap = snaps.loadLatest();
    const { wal, replay } = await Wal.open({ dir: join(root, 'wal'), io, logger, segmentBytesMax: opts.segmentBytesMax });
    const log = replay.log;
    let hs = replay.hardState;
    if (snap) {
      // The log must continue the snapshot: keep it if it contains the snapshot's last entry
      // (trailing entries for slow followers), otherwise start it right after the snapshot.
      if (log.baseIndex === snap.index && log.baseTerm === -1) log.baseTerm = snap.term;
      if (log.term(snap.index) !== snap.term) log.resetTo(snap.index, snap.term);
    }
    if (log.baseTerm === -1) {
      // The base entry's term is unknown (its segment was compacted away): the first retained
      // entry becomes the base instead.
      if (log.entries.length > 0) log.compact(log.baseIndex + 1);
      else log.baseTerm = 0;
    }
    if (hs.commit > log.lastIndex()) {
      logger.warn('raft: hard state commit index is beyond the log; clamping', { commit: hs.commit, lastIndex: log.lastIndex() });
      hs = { ...hs, commit: log.lastIndex() };
    }
    if (snap && hs.commit < snap.index) hs = { ...hs, commit: snap.index };
    logger.info('raft: storage opened', { dataDir: opts.dataDir, firstIndex: log.firstIndex(), lastIndex: log.lastIndex(), term: hs.term, commit: hs.commit, snapshotIndex: snap?.index ?? 0 });
    return new DiskStorage(wal, snaps, log, hs, snap, logger);
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: this.hs, confState: this.snap ? confStateOf(this.snap.configuration) : { voters: [], learners: [] } };
  }
  firstIndex(): number { return this.log.firstIndex(); }
  lastIndex(): number { return this.log.lastIndex(); }
  term(index: number): number | null { return this.log.term(index); }
  entries(lo: number, hi: number, maxCount: number): Entry[] { return this.log.slice(lo, hi, maxCount); }
  snapshotMeta(): SnapshotMeta { return snapshotMetaOf(this.snap); }
  snapshot(): Snapshot | null {
    if (!this.snap) return null;
    try {
      return readSnapshotForCore(this.snap);
    } catch (err) {
      // The core treats null as "not available yet" and asks again on a later heartbeat response.
      this.logger.error('raft: cannot read the latest snapshot to send it', { file: this.snap.path, error: (err as Error).message });
      return null;
    }
  }
  latestSnapshot(): StoredSnapshot | null { return this.snap ? readSnapshot(this.snap) : null; }
  hardStateNow(): HardState { return this.hs; }

  append(entries: readonly Entry[]): void {
    this.log.append(entries);
    this.wal.appendEntries(entries);
  }

  setHardState(hs: HardState): void {
    this.hs = { ...hs };
    this.wal.appendHardState(this.hs);
  }

  sync(mustSync: boolean): Promise<void> {
    return this.wal.flush(mustSync, () => this.segmentHeader());
  }

  private segmentHeader(): WalRecord[] {
    return [
      { kind: 'hardState', hardState: this.hs },
      { kind: 'base', index: this.log.baseIndex, term: this.log.baseTerm },
    ];
  }

  async saveSnapshot(snap: SnapshotToSave, resetLog: boolean): Promise<void> {
    this.snap = await this.snaps.save(snap);
    if (resetLog) {
      this.log.resetTo(snap.index, snap.term);
      this.wal.appendBase(snap.index, snap.term);
      await this.sync(true);
    }
  }

  compact(index: number): void {
    const upTo = Math.min(index, this.snap?.index ?? 0, this.log.lastIndex());
    if (upTo <= this.log.baseIndex) return;
    this.log.compact(upTo);
    this.wal.appendBase(this.log.baseIndex, this.log.baseTerm);
    this.wal.removeSegmentsUpTo(upTo);
  }

  syncCount(): number { return this.wal.syncCount(); }
  segmentCount(): number { return this.wal.segmentCount(); }
  snapshotFiles(): string[] { return this.snaps.list(); }

  async close(): Promise<void> {
    if (this.wal.hasPending()) await this.sync(true);
    await this.wal.close();
  }
}

/**
 * Creates missing directories and fsyncs each new one's parent, so that files acknowledged
 * later are not lost with a directory entry that never reached the disk.
 */
async function ensureDurableDirs(dataDir: string, dirs: string[], io: StorageIo): Promise<void> {
  const parents = new Set<string>();
  for (const d of [dataDir, ...dirs]) {
    if (fs.existsSync(d)) continue;
    fs.mkdirSync(d, { recursive: true });
    parents.add(dirname(d));
  }
  for (const p of parents) if (fs.existsSync(p)) await io.fsyncDir(p);
}
