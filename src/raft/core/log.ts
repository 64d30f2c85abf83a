// RaftLog: the stable log (storage, read-only here) followed by the unstable tail the core has
// appended but the driver has not yet persisted and advanced. Indices are 1-based; index 0 with
// term 0 is the empty log's base.

import { assert } from '../../lib/assert.js';
import type { LogReader } from './log-storage.js';
import type { Entry, Snapshot } from './messages.js';

/** Entries not yet persisted: `entries[i]` has index `offset + i`; `snapshot` precedes them. */
class Unstable {
  snapshot: Snapshot | null = null;
  entries: Entry[] = [];
  /** How many of `entries` were handed out in a Ready that is not yet advanced. */
  offset: number;

  constructor(offset: number) {
    this.offset = offset;
  }

  maybeLastIndex(): number | null {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    if (this.snapshot) return this.snapshot.meta.index;
    return null;
  }

  maybeTerm(i: number): number | null {
    if (i < this.offset) {
      if (this.snapshot && this.snapshot.meta.index === i) return this.snapshot.meta.term;
      return null;
    }
    const last = this.maybeLastIndex();
    if (last === null || i > last) return null;
    return this.entries[i - this.offset]!.term;
  }

  stableTo(index: number, term: number): void {
    const t = this.maybeTerm(index);
    // Only entries that are still the same (same term) become stable; a newer leader may have
    // overwritten them in the meantime, in which case they will come out in a later Ready.
    if (t === term && index >= this.offset) {
      this.entries = this.entries.slice(index + 1 - this.offset);
      this.offset = index + 1;
    }
  }

  stableSnapTo(index: number): void {
    if (this.snapshot && this.snapshot.meta.index === index) this.snapshot = null;
  }

  restore(s: Snapshot): void {
    this.offset = s.meta.index + 1;
    this.entries = [];
    this.snapshot = s;
  }

  truncateAndAppend(ents: Entry[]): void {
    const after = ents[0]!.index;
    if (after === this.offset + this.entries.length) {
      this.entries = this.entries.concat(ents);
    } else if (after <= this.offset) {
      // Replace everything unstable; storage will be overwritten from `after` when persisted.
      this.offset = after;
      this.entries = ents.slice();
    } else {
      this.entries = this.entries.slice(0, after - this.offset).concat(ents);
    }
  }

  slice(lo: number, hi: number): Entry[] {
    assert(lo >= this.offset && hi <= this.offset + this.entries.length, `unstable.slice[${lo},${hi}) out of bounds`);
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}

export class RaftLog {
  readonly storage: LogReader;
  readonly unstable: Unstable;
  /** Highest index known to be committed. */
  committed: number;
  /** Highest index handed to the driver for applying (applied or being applied). */
  applied: number;

  constructor(storage: LogReader, applied: number) {
    this.storage = storage;
    this.unstable = new Unstable(storage.lastIndex() + 1);
    this.committed = storage.firstIndex() - 1;
    this.applied = Math.max(applied, storage.firstIndex() - 1);
  }

  firstIndex(): number {
    const s = this.unstable.snapshot;
    return s ? s.meta.index + 1 : this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  lastTerm(): number {
    const t = this.term(this.lastIndex());
    assert(t !== null, 'term of the last index must be known');
    return t;
  }

  /** Term of entry i, or null if it is compacted or not in the log. Index 0 has term 0. */
  term(i: number): number | null {
    if (i === 0) return 0;
    const u = this.unstable.maybeTerm(i);
    if (u !== null) return u;
    if (i < this.firstIndex() - 1 || i > this.lastIndex()) return null;
    return this.storage.term(i);
  }

  matchTerm(i: number, term: number): boolean {
    return this.term(i) === term;
  }

  /** Entries [lo, min(hi, lastIndex+1)), at most maxCount; null if lo is compacted. */
  slice(lo: number, hi: number, maxCount: number): Entry[] | null {
    if (lo < this.firstIndex()) return null;
    hi = Math.min(hi, this.lastIndex() + 1, lo + Math.max(1, maxCount));
    if (lo >= hi) return [];
    const u = this.unstable.offset;
    const stable = lo < u ? this.storage.entries(lo, Math.min(hi, u), hi - lo) : [];
    return hi > u ? stable.concat(this.unstable.slice(Math.max(lo, u), hi)) : stable;
  }

  isUpToDate(lastIndex: number, term: number): boolean {
    const myTerm = this.lastTerm();
    return term > myTerm || (term === myTerm && lastIndex >= this.lastIndex());
  }

  append(ents: Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    assert(ents[0]!.index - 1 >= this.committed, `append would overwrite committed entry ${this.committed}`);
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  /**
   * The follower side of AppendEntries: if the entry at `index` has `logTerm`, append `ents`
   * (dropping a conflicting suffix) and advance the commit index. Returns the last new index,
   * or null when the consistency check fails.
   */
  maybeAppend(index: number, logTerm: number, committed: number, ents: Entry[]): number | null {
    if (!this.matchTerm(index, logTerm)) return null;
    const lastNew = index + ents.length;
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      assert(ci > this.committed, `entry ${ci} conflicts with committed entry ${this.committed}`);
      this.append(ents.slice(ci - (index + 1)));
    }
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  /** First index in `ents` whose term differs from ours (or that we lack); 0 if none. */
  findConflict(ents: Entry[]): number {
    for (const e of ents) if (!this.matchTerm(e.index, e.term)) return e.index;
    return 0;
  }

  /**
   * The largest index <= `index` whose term is <= `term`, with that term: lets a leader skip a
   * whole term of mismatching entries per round trip instead of one entry.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (;;) {
      const t = this.term(index);
      if (t === null) return { index, term: 0 };
      if (t <= term) return { index, term: t };
      index--;
    }
  }

  commitTo(c: number): void {
    if (c > this.committed) {
      assert(c <= this.lastIndex(), `commit index ${c} is beyond the last index ${this.lastIndex()}`);
      this.committed = c;
    }
  }

  /** The leader's commit rule: only an entry of the current term is committed by counting replicas. */
  maybeCommit(maxIndex: number, term: number): boolean {
    if (maxIndex > this.committed && this.term(maxIndex) === term) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  appliedTo(i: number): void {
    if (i === 0) return;
    assert(i <= this.committed && i >= this.applied - 0, `applied(${i}) out of range [${this.applied}, ${this.committed}]`);
    this.applied = i;
  }

  hasNextCommittedEnts(): boolean {
    return this.committed > Math.max(this.applied, this.firstIndex() - 1);
  }

  nextCommittedEnts(maxCount: number): Entry[] {
    const lo = Math.max(this.applied + 1, this.firstIndex());
    if (this.committed < lo) return [];
    return this.slice(lo, this.committed + 1, maxCount) ?? [];
  }

  restore(s: Snapshot): void {
    this.committed = s.meta.index;
    this.unstable.restore(s);
  }
}
