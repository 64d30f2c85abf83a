// DiskStorage: RaftStorage on a data directory.
//   <dataDir>/raft/wal/         WAL segments (entries, hard state, base records)
//   <dataDir>/raft/snapshots/   snapshot files
// The retained log (at most ~26k entries with the default snapshot threshold and trailing logs)
// is indexed in memory (an EntryLog), but only the newest CACHED_ENTRIES keep their data there:
// older entries are stand-ins that say where their WAL record is, and reading them (a follower
// catching up, recovery) reads that record back from its segment. Like hashicorp/raft's LogCache
// in front of its on-disk log store: memory does not grow with the trailing logs. The latest
// snapshot is not held in memory: only its metadata is, and its bytes are read from its file when
// the core ships it to a follower or the node restores from it.

import * as fs from 'node:fs';
import { dirname, join } from 'node:path';
import type { ConfState, Entry, HardState, Snapshot, SnapshotMeta } from '../core/messages.js';
import type { EntryLog } from './entry-log.js';
import { type StorageIo, type StorageLogger, nodeStorageIo, silentStorageLogger } from './io.js';
import { type SnapshotFile, SnapshotStore, readSnapshot, readSnapshotForCore } from './snapshot-store.js';
import { type RaftStorage, type SnapshotToSave, type StoredSnapshot, confStateOf, snapshotMetaOf } from './storage.js';
import { type RecordLocation, Wal, type WrittenEntries } from './wal/wal.js';
import type { WalRecord } from './wal/record.js';

/** How many of the newest entries keep their data in memory (hashicorp/raft's LogCache holds 512). */
export const CACHED_ENTRIES = 1024;

/** The data of an entry that lives only in the WAL (never handed out: entries() reads it back). */
const ON_DISK = new Uint8Array(0);

/** An entry whose data was dropped from memory, and where its WAL record is. */
interface OnDiskEntry extends Entry {
  loc: RecordLocation;
}

export interface DiskStorageOptions {
  dataDir: string;
  io?: StorageIo;
  logger?: StorageLogger;
  segmentBytesMax?: number;
  snapshotsRetained?: number;
}

export class DiskStorage implements RaftStorage {
  readonly kind = 'disk' as const;

  /** Entries records written (oldest first) whose entries still have their data in memory. */
  private readonly cached: WrittenEntries[];

  private constructor(
    private readonly wal: Wal,
    private readonly snaps: SnapshotStore,
    private readonly log: EntryLog,
    private hs: HardState,
    private snap: SnapshotFile | null,
    private readonly logger: StorageLogger,
    written: WrittenEntries[],
  ) {
    this.cached = written;
    this.evict();
    // What stays cached was decoded from a whole segment read at start-up: copy its data out so
    // that the segment's buffer is not kept alive by it.
    for (const w of this.cached) for (const e of w.entries) e.data = e.data.slice();
  }

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
    return new DiskStorage(wal, snaps, log, hs, snap, logger, replay.written);
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: this.hs, confState: this.snap ? confStateOf(this.snap.configuration) : { voters: [], learners: [] } };
  }
  firstIndex(): number { return this.log.firstIndex(); }
  lastIndex(): number { return this.log.lastIndex(); }
  term(index: number): number | null { return this.log.term(index); }
  entries(lo: number, hi: number, maxCount: number): Entry[] {
    const ents = this.log.slice(lo, hi, maxCount);
    let record = null as { loc: RecordLocation; byIndex: Map<number, Entry> } | null;
    for (let i = 0; i < ents.length; i++) {
      const e = ents[i]!;
      if (e.data !== ON_DISK) continue;
      const loc = (e as OnDiskEntry).loc;
      if (record?.loc !== loc) record = { loc, byIndex: new Map(this.wal.readEntries(loc).map((x) => [x.index, x])) };
      const read = record.byIndex.get(e.index);
      if (!read || read.term !== e.term) throw new Error(`raft: WAL record at ${loc.seq}/${loc.offset} does not hold entry ${e.index} (term ${e.term})`);
      ents[i] = read;
    }
    return ents;
  }
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

  async sync(mustSync: boolean): Promise<void> {
    const written = await this.wal.flush(mustSync, () => this.segmentHeader());
    for (const w of written) this.cached.push(w);
    this.evict();
  }

  /**
   * Drops from memory the data of written entries older than the newest CACHED_ENTRIES. An entry
   * is replaced only if the log still holds that very object (not compacted, not overwritten).
   */
  private evict(): void {
    const keepFrom = this.log.lastIndex() - CACHED_ENTRIES + 1;
    const log = this.log;
    while (this.cached.length > 0) {
      const w = this.cached[0]!;
      const last = w.entries[w.entries.length - 1]!;
      if (last.index >= keepFrom && log.entries[last.index - log.baseIndex - 1] === last) break;
      this.cached.shift();
      for (const e of w.entries) {
        const k = e.index - log.baseIndex - 1;
        if (k >= 0 && log.entries[k] === e) {
          const stub: OnDiskEntry = { index: e.index, term: e.term, type: e.type, data: ON_DISK, loc: w.loc };
          log.entries[k] = stub;
        }
      }
    }
  }

  /** How many retained entries hold their data in memory (tests, benchmarks). */
  entriesInMemory(): number {
    let n = 0;
    for (const e of this.log.entries) if (e.data !== ON_DISK) n++;
    return n;
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
