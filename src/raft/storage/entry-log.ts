// EntryLog: the retained log entries in memory, after a base (index, term) that stands for
// everything compacted away. `entries[i]` has index `base.index + 1 + i`. Both storages keep
// their entries here; the disk storage additionally writes them to the WAL.

import { assert } from '../../lib/assert.js';
import type { Entry } from '../core/messages.js';

export class EntryLog {
  baseIndex = 0;
  baseTerm = 0;
  entries: Entry[] = [];

  firstIndex(): number {
    return this.baseIndex + 1;
  }

  lastIndex(): number {
    return this.baseIndex + this.entries.length;
  }

  term(i: number): number | null {
    if (i === this.baseIndex) return this.baseTerm;
    if (i < this.baseIndex || i > this.lastIndex()) return null;
    return this.entries[i - this.baseIndex - 1]!.term;
  }

  slice(lo: number, hi: number, maxCount: number): Entry[] {
    assert(lo > this.baseIndex && hi <= this.lastIndex() + 1, `entries [${lo}, ${hi}) outside (${this.baseIndex}, ${this.lastIndex()}]`);
    const end = Math.min(hi, lo + Math.max(1, maxCount));
    return this.entries.slice(lo - this.baseIndex - 1, end - this.baseIndex - 1);
  }

  /** Appends entries, replacing any existing suffix from `ents[0].index`. */
  append(ents: readonly Entry[]): void {
    if (ents.length === 0) return;
    const first = ents[0]!.index;
    assert(first > this.baseIndex, `append at ${first} is at or below the compacted base ${this.baseIndex}`);
    assert(first <= this.lastIndex() + 1, `append at ${first} leaves a gap after ${this.lastIndex()}`);
    if (first <= this.lastIndex()) this.entries.length = first - this.baseIndex - 1;
    for (const e of ents) this.entries.push(e);
  }

  /** Drops entries up to and including `index`, which becomes the base. */
  compact(index: number): void {
    if (index <= this.baseIndex) return;
    assert(index <= this.lastIndex(), `compact(${index}) beyond last index ${this.lastIndex()}`);
    this.baseTerm = this.term(index)!;
    this.entries = this.entries.slice(index - this.baseIndex);
    this.baseIndex = index;
  }

  /**
   * Makes (index, term) the base: entries after it are kept if the log agrees at `index`,
   * otherwise the log restarts empty after it. A base at or below the current one changes
   * nothing (WAL segment headers repeat older bases).
   */
  resetTo(index: number, term: number): void {
    if (index === this.baseIndex && this.baseTerm === -1) {
      // WAL replay: the base's term was unknown until now (see Wal's gap handling).
      this.baseTerm = term;
      return;
    }
    if (index <= this.baseIndex) return;
    if (this.term(index) === term) {
      this.compact(index);
      return;
    }
    this.baseIndex = index;
    this.baseTerm = term;
    this.entries = [];
  }
}
