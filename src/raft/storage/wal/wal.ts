// The write-ahead log: numbered segment files under <dataDir>/raft/wal/, each a sequence of
// framed records (record.ts). Appends are buffered in memory and written with one write and
// one fdatasync per flush() (group commit). A segment that grows past segmentBytesMax is closed
// after a flush and the next batch starts a new one, headed by the current hard state and base
// so that older segments can be deleted once compaction has passed them.
//
// The active segment is kept zero-filled ahead of its end (preallocateBytes at a time), as etcd
// does: a batch then overwrites blocks the file already has, and its fdatasync flushes only data,
// not a new file size through the filesystem journal (on ext4 that halves the cost of each
// fdatasync). A segment is trimmed to its records before the next one starts, so only the last
// segment ever ends in zeros, and the scanner reads them as its end (record.ts).

import * as fs from 'node:fs';
import { join } from 'node:path';
import type { Entry, HardState } from '../../core/messages.js';
import { emptyHardState } from '../../core/messages.js';
import { EntryLog } from '../entry-log.js';
import type { StorageIo, StorageLogger } from '../io.js';
import { WalCorruptionError, type ScanResult, type WalRecord, decodeRecord, encodeRecord, scanSegment } from './record.js';

const SEGMENT_RE = /^(\d{16})\.wal$/;
export const SEGMENT_BYTES_MAX_DEFAULT = 64 * 1024 * 1024;
export const PREALLOCATE_BYTES_DEFAULT = 4 * 1024 * 1024;

interface Segment {
  seq: number;
  path: string;
  /** Highest entry index ever written to the segment (0 if none): it only holds entries <= this. */
  maxIndex: number;
  /** End of the records. */
  bytes: number;
  /** File size: records, then zeros up to here. */
  allocated: number;
}

export interface WalOptions {
  dir: string;
  io: StorageIo;
  logger: StorageLogger;
  segmentBytesMax?: number;
  /** How far ahead of the records the active segment is zero-filled. Default min(4 MiB, segmentBytesMax). */
  preallocateBytes?: number;
}

/** Where one entries record is: segment sequence number, offset and length (header included). */
export interface RecordLocation {
  seq: number;
  offset: number;
  length: number;
}

/** An entries record on disk, with the Entry objects it was written from (or replayed into). */
export interface WrittenEntries {
  entries: Entry[];
  loc: RecordLocation;
}

/** What the WAL held at start-up. `log.baseTerm` is -1 when the base entry's term is unknown. */
export interface WalReplay {
  hardState: HardState;
  log: EntryLog;
  /** Every entries record replayed into `log`, in order (entries the log later dropped included). */
  written: WrittenEntries[];
}

export class Wal {
  private readonly segments: Segment[];
  private fd: number;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** The entries records among `pending`: where each starts in the batch. */
  private pendingEntries: Array<{ at: number; length: number; entries: Entry[] }> = [];
  private pendingMaxIndex = 0;
  private removeUpTo = 0;
  private closed = false;
  private syncs = 0;
  /** The active segment has writes not yet covered by an fdatasync (commit-only hard states). */
  private dirty = false;

  private constructor(private readonly opts: WalOptions & { segmentBytesMax: number; preallocateBytes: number }, segments: Segment[], fd: number) {
    this.segments = segments;
    this.fd = fd;
  }

  static async open(opts: WalOptions): Promise<{ wal: Wal; replay: WalReplay }> {
    const segmentBytesMax = opts.segmentBytesMax ?? SEGMENT_BYTES_MAX_DEFAULT;
    const o = { ...opts, segmentBytesMax, preallocateBytes: opts.preallocateBytes ?? Math.min(PREALLOCATE_BYTES_DEFAULT, segmentBytesMax) };
    fs.mkdirSync(o.dir, { recursive: true });
    const names = fs.readdirSync(o.dir).filter((n) => SEGMENT_RE.test(n)).sort();
    const segments: Segment[] = [];
    const replay: WalReplay = { hardState: emptyHardState, log: new EntryLog(), written: [] };
    for (let i = 0; i < names.length; i++) {
      const path = join(o.dir, names[i]!);
      const isLast = i === names.length - 1;
      const buf = fs.readFileSync(path);
      const scan = scanSegment(buf, path, isLast);
      let allocated = buf.length;
      if (scan.torn) {
        o.logger.warn('raft: cutting off a torn write at the end of the WAL', { file: path, reason: scan.torn, keptBytes: scan.validBytes, droppedBytes: buf.length - scan.validBytes });
        fs.truncateSync(path, scan.validBytes);
        const tfd = fs.openSync(path, 'r+');
        try { await o.io.fdatasync(tfd); } finally { fs.closeSync(tfd); }
        allocated = scan.validBytes;
      }
      const seg: Segment = { seq: Number(SEGMENT_RE.exec(names[i]!)![1]), path, maxIndex: 0, bytes: scan.validBytes, allocated };
      applyRecords(replay, scan, path, i === 0, seg);
      segments.push(seg);
    }
    let fd: number;
    if (segments.length === 0) {
      const seg: Segment = { seq: 1, path: join(o.dir, segmentName(1)), maxIndex: 0, bytes: 0, allocated: 0 };
      fd = fs.openSync(seg.path, 'w');
      await o.io.fsyncDir(o.dir);
      segments.push(seg);
    } else {
      fd = fs.openSync(segments[segments.length - 1]!.path, 'r+');
    }
    return { wal: new Wal(o, segments, fd), replay };
  }

  appendEntries(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const at = this.pendingBytes;
    const b = this.push({ kind: 'entries', entries: entries as Entry[] });
    this.pendingEntries.push({ at, length: b.length, entries: entries as Entry[] });
    this.pendingMaxIndex = Math.max(this.pendingMaxIndex, entries[entries.length - 1]!.index);
  }

  appendHardState(hs: HardState): void {
    this.push({ kind: 'hardState', hardState: hs });
  }

  appendBase(index: number, term: number): void {
    this.push({ kind: 'base', index, term });
  }

  /** After the next flush, delete closed segments that hold only entries <= index. */
  removeSegmentsUpTo(index: number): void {
    this.removeUpTo = Math.max(this.removeUpTo, index);
  }

  private push(r: WalRecord): Uint8Array {
    const b = encodeRecord(r);
    this.pending.push(b);
    this.pendingBytes += b.length;
    return b;
  }

  /** The entries of the record at `loc`, read back from its segment. */
  readEntries(loc: RecordLocation): Entry[] {
    const seg = this.segments.find((s) => s.seq === loc.seq);
    if (!seg) throw new Error(`raft WAL: segment ${loc.seq} is gone (its entries were compacted)`);
    const buf = Buffer.allocUnsafe(loc.length);
    const fd = fs.openSync(seg.path, 'r');
    try {
      let got = 0;
      while (got < loc.length) {
        const n = fs.readSync(fd, buf, got, loc.length - got, loc.offset + got);
        if (n <= 0) throw new WalCorruptionError(seg.path, loc.offset, 'record cut short on reading an entry back');
        got += n;
      }
    } finally {
      fs.closeSync(fd);
    }
    const rec = decodeRecord(buf, seg.path, loc.offset);
    if (rec.kind !== 'entries') throw new WalCorruptionError(seg.path, loc.offset, 'expected an entries record');
    return rec.entries;
  }

  hasPending(): boolean {
    return this.pending.length > 0;
  }

  syncCount(): number {
    return this.syncs;
  }

  /**
   * Writes everything appended since the last flush in one write and, if `mustSync`, one
   * fdatasync. `header` supplies the records that open a new segment (current hard state/base).
   * Returns where the entries records went.
   */
  async flush(mustSync: boolean, header: () => WalRecord[]): Promise<WrittenEntries[]> {
    if (this.closed) throw new Error('raft WAL is closed');
    if (this.pending.length === 0) return [];
    let active = this.segments[this.segments.length - 1]!;
    let newSegment = false;
    if (active.bytes >= this.opts.segmentBytesMax) {
      // Only the last segment may end in a torn record or zeros, so a closed segment is trimmed
      // to its records and made fully durable first.
      if (active.allocated > active.bytes) {
        fs.ftruncateSync(this.fd, active.bytes);
        active.allocated = active.bytes;
        this.dirty = true;
      }
      if (this.dirty) await this.syncActive();
      active = this.rollover(header());
      newSegment = true;
    }
    const buf = concat(this.pending, this.pendingBytes);
    const maxIndex = this.pendingMaxIndex;
    const base = active.bytes;
    const written = this.pendingEntries.map((p) => ({ entries: p.entries, loc: { seq: active.seq, offset: base + p.at, length: p.length } }));
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingMaxIndex = 0;
    this.pendingEntries = [];
    if (active.bytes + buf.length > active.allocated) await this.preallocate(active, active.bytes + buf.length + this.opts.preallocateBytes);
    await this.opts.io.write(this.fd, buf, active.bytes);
    active.bytes += buf.length;
    active.maxIndex = Math.max(active.maxIndex, maxIndex);
    this.dirty = true;
    // A fresh segment's directory entry must be durable before anything in it is acknowledged.
    if (newSegment) await this.opts.io.fsyncDir(this.opts.dir);
    if (mustSync || newSegment) await this.syncActive();
    if (this.removeUpTo > 0) this.removeOldSegments();
    return written;
  }

  /** Zero-fills the active segment up to `size` (made durable by the flush's fdatasync). */
  private async preallocate(active: Segment, size: number): Promise<void> {
    await this.opts.io.zeroFill(this.fd, active.allocated, size);
    active.allocated = size;
  }

  private async syncActive(): Promise<void> {
    await this.opts.io.fdatasync(this.fd);
    this.syncs++;
    this.dirty = false;
  }

  /** Starts the next segment (the caller has made the previous one fully durable). */
  private rollover(header: WalRecord[]): Segment {
    const prev = this.segments[this.segments.length - 1]!;
    fs.closeSync(this.fd);
    const seg: Segment = { seq: prev.seq + 1, path: join(this.opts.dir, segmentName(prev.seq + 1)), maxIndex: 0, bytes: 0, allocated: 0 };
    this.fd = fs.openSync(seg.path, 'w');
    this.segments.push(seg);
    const head = header.map(encodeRecord);
    const headBytes = head.reduce((n, b) => n + b.length, 0);
    this.pending = head.concat(this.pending);
    this.pendingBytes += headBytes;
    for (const p of this.pendingEntries) p.at += headBytes;
    this.opts.logger.debug('raft: started WAL segment', { file: seg.path });
    return seg;
  }

  private removeOldSegments(): void {
    let n = 0;
    while (n < this.segments.length - 1 && this.segments[n]!.maxIndex <= this.removeUpTo) n++;
    if (n === 0) return;
    for (const seg of this.segments.splice(0, n)) {
      try {
        fs.unlinkSync(seg.path);
        this.opts.logger.debug('raft: removed compacted WAL segment', { file: seg.path });
      } catch (err) {
        this.opts.logger.warn('raft: could not remove WAL segment', { file: seg.path, error: String(err) });
      }
    }
  }

  segmentCount(): number {
    return this.segments.length;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.dirty) await this.syncActive();
    } finally {
      this.closed = true;
      fs.closeSync(this.fd);
    }
  }
}

function segmentName(seq: number): string {
  return `${String(seq).padStart(16, '0')}.wal`;
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Replays one segment's records into `replay`. */
function applyRecords(replay: WalReplay, scan: ScanResult, file: string, firstSegment: boolean, seg: Segment): void {
  const log = replay.log;
  let sawEntries = false;
  for (let i = 0; i < scan.records.length; i++) {
    const r = scan.records[i]!;
    switch (r.kind) {
      case 'hardState':
        replay.hardState = r.hardState;
        break;
      case 'base':
        log.resetTo(r.index, r.term);
        break;
      case 'entries': {
        if (r.entries.length === 0) break;
        let ents = r.entries;
        seg.maxIndex = Math.max(seg.maxIndex, ents[ents.length - 1]!.index);
        ents = ents.filter((e) => e.index > log.baseIndex);
        if (ents.length === 0) break;
        const first = ents[0]!.index;
        if (first > log.lastIndex() + 1) {
          // The oldest remaining segment starts after entries that lived in segments deleted by
          // compaction; its header's base predates them. Restart the log here; a later base
          // record (written at compaction) or the snapshot pins the base term down.
          if (!(firstSegment && !sawEntries)) {
            throw new WalCorruptionError(file, 0, `gap in the log: entry ${first} follows ${log.lastIndex()}`);
          }
          log.baseIndex = first - 1;
          log.baseTerm = -1;
          log.entries = [];
        }
        log.append(ents);
        replay.written.push({ entries: ents, loc: { seq: seg.seq, offset: scan.offsets[i]!, length: scan.lengths[i]! } });
        sawEntries = true;
        break;
      }
    }
  }
}
