// SimDisk: one server's durable state, modelled on DiskStorage: a write-ahead log of records
// (entries, hard state, a log base after an installed snapshot) plus one snapshot file.
// Records written but not yet fsynced sit in the "page cache": a crash keeps every synced record,
// a random prefix of the unsynced ones, and may tear the first record it loses (start-up detects
// the torn record by its checksum and cuts the log there). Snapshot files are written to a temp
// file, fsynced and renamed, so they are durable when saved.
//
// SimStorage is the view a running incarnation reads and writes (the core's LogReader); after a
// crash, SimStorage.recover() rebuilds it from what survived, as DiskStorage.open() replays a WAL.

import type { ConfState, Entry, HardState, Snapshot, SnapshotMeta } from '../../src/raft/core/messages.js';
import { emptyHardState } from '../../src/raft/core/messages.js';
import type { LogReader } from '../../src/raft/core/log-storage.js';
import { EntryLog } from '../../src/raft/storage/entry-log.js';
import { type StoredSnapshot, confStateOf, encodeSnapshotForCore } from '../../src/raft/storage/storage.js';
import type { Rng } from '../../src/lib/rng.js';
import { chance } from './random.js';

export type WalRecord =
  | { kind: 'entries'; entries: readonly Entry[] }
  | { kind: 'hard'; hs: HardState }
  | { kind: 'base'; index: number; term: number };

export interface CrashOutcome {
  lostRecords: number;
  torn: boolean;
}

export class SimDisk {
  wal: WalRecord[] = [];
  /** Records [0, synced) are durable. */
  synced = 0;
  snapshot: StoredSnapshot | null = null;
  fsyncs = 0;

  write(r: WalRecord): void {
    this.wal.push(r);
  }

  /** fdatasync: everything written up to `upTo` (a wal length captured at write time) is durable. */
  syncTo(upTo: number): void {
    this.fsyncs++;
    this.synced = Math.max(this.synced, Math.min(upTo, this.wal.length));
  }

  /** Power loss: unsynced records survive as a random prefix; the first lost one may be torn. */
  crash(rng: Rng, tearProbability: number): CrashOutcome {
    const unsynced = this.wal.length - this.synced;
    const kept = unsynced === 0 ? 0 : rng.nextU32() % (unsynced + 1);
    const lost = unsynced - kept;
    this.wal.length = this.synced + kept;
    // A torn record fails its checksum at start-up and is cut off, so only the count matters.
    const torn = lost > 0 && chance(rng, tearProbability);
    this.synced = this.wal.length; // what survived is on the platter now
    return { lostRecords: lost, torn };
  }
}

export class SimStorage implements LogReader {
  private readonly log = new EntryLog();
  private hs: HardState = emptyHardState;

  constructor(readonly disk: SimDisk, private readonly initialConf: ConfState) {}

  /** Rebuilds the state a restarted server sees from what survived on `disk`. */
  static recover(disk: SimDisk, initialConf: ConfState): SimStorage {
    const s = new SimStorage(disk, initialConf);
    const snap = disk.snapshot;
    if (snap) s.log.resetTo(snap.index, snap.term);
    for (const r of disk.wal) {
      if (r.kind === 'hard') s.hs = r.hs;
      else if (r.kind === 'base') s.log.resetTo(r.index, r.term);
      else {
        const ents = r.entries.filter((e) => e.index > s.log.baseIndex);
        if (ents.length === 0) continue;
        if (ents[0]!.index > s.log.lastIndex() + 1) {
          throw new Error(`sim disk: WAL gap, entries from ${ents[0]!.index} after last index ${s.log.lastIndex()}`);
        }
        s.log.append(ents);
      }
    }
    return s;
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    const snap = this.disk.snapshot;
    return { hardState: this.hs, confState: snap ? confStateOf(snap.configuration) : this.initialConf };
  }
  firstIndex(): number { return this.log.firstIndex(); }
  lastIndex(): number { return this.log.lastIndex(); }
  term(index: number): number | null { return this.log.term(index); }
  entries(lo: number, hi: number, maxCount: number): Entry[] { return this.log.slice(lo, hi, maxCount); }
  snapshotMeta(): SnapshotMeta {
    const s = this.disk.snapshot;
    return s ? { index: s.index, term: s.term, confState: confStateOf(s.configuration) } : { index: 0, term: 0, confState: { voters: [], learners: [] } };
  }
  snapshot(): Snapshot | null { return this.disk.snapshot ? encodeSnapshotForCore(this.disk.snapshot) : null; }
  hardStateNow(): HardState { return this.hs; }

  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    this.log.append(entries);
    this.disk.write({ kind: 'entries', entries });
  }
  setHardState(hs: HardState): void {
    this.hs = { ...hs };
    this.disk.write({ kind: 'hard', hs: this.hs });
  }
  /** A snapshot from the leader: durable snapshot file, then a base record, all fsynced. */
  installSnapshot(snap: StoredSnapshot): void {
    this.disk.snapshot = snap;
    this.log.resetTo(snap.index, snap.term);
    this.disk.write({ kind: 'base', index: snap.index, term: snap.term });
    this.disk.syncTo(this.disk.wal.length);
  }
  /** A local snapshot (durable at once) and compaction `trailing` entries behind it. */
  saveLocalSnapshot(snap: StoredSnapshot, trailing: number): void {
    this.disk.snapshot = snap;
    this.log.compact(Math.max(this.log.baseIndex, snap.index - trailing));
  }
  /** Terms of entries (from, to] that are still in the log (for the committed-prefix check). */
  termsUpTo(to: number): Map<number, number> {
    const out = new Map<number, number>();
    for (let i = this.log.firstIndex(); i <= Math.min(to, this.log.lastIndex()); i++) out.set(i, this.log.term(i)!);
    return out;
  }
}
