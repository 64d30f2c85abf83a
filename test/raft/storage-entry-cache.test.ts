// DiskStorage keeps only the newest CACHED_ENTRIES entries' data in memory; older retained entries
// are read back from their WAL records when asked for (a follower catching up, recovery).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { CACHED_ENTRIES, DiskStorage } from '../../src/raft/storage/disk-storage.js';
import { EntryType, type Entry } from '../../src/raft/core/messages.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'conclave-cache-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const payload = (index: number, term: number): string => `entry ${index} of term ${term} ${'p'.repeat(index % 50)}`;
const ent = (index: number, term: number): Entry => ({ index, term, type: EntryType.Normal, data: new TextEncoder().encode(payload(index, term)) });

/** Appends entries [from, to] in batches of `batch`, syncing after each batch, as the driver does. */
async function appendRange(s: DiskStorage, from: number, to: number, term: number, batch = 37): Promise<void> {
  for (let i = from; i <= to; i += batch) {
    const ents: Entry[] = [];
    for (let j = i; j <= Math.min(to, i + batch - 1); j++) ents.push(ent(j, term));
    s.append(ents);
    s.setHardState({ term, vote: 'n1', commit: Math.min(to, i + batch - 1) });
    await s.sync(true);
  }
}

function checkAll(s: DiskStorage, from: number, to: number, termOf: (i: number) => number): void {
  // In pieces of different sizes, so reads start and end inside WAL records.
  for (let lo = from; lo <= to;) {
    const got = s.entries(lo, to + 1, 53);
    assert.ok(got.length > 0);
    for (const e of got) {
      assert.equal(e.term, termOf(e.index));
      assert.equal(new TextDecoder().decode(e.data), payload(e.index, e.term), `entry ${e.index}`);
    }
    lo += got.length;
  }
}

test('only the newest entries keep their data in memory; older ones are read back from the WAL', async (t) => {
  const dir = tempDir(t);
  const s = await DiskStorage.open({ dataDir: dir, segmentBytesMax: 64 * 1024 });
  const last = CACHED_ENTRIES * 3;
  await appendRange(s, 1, last, 1);
  assert.ok(s.segmentCount() > 2, 'the entries span several segments');
  const inMemory = s.entriesInMemory();
  assert.ok(inMemory >= CACHED_ENTRIES && inMemory < CACHED_ENTRIES + 40, `entries with data in memory: ${inMemory}`);
  checkAll(s, 1, last, () => 1);
  assert.equal(s.term(5), 1, 'terms of evicted entries are still known without reading');
  await s.close();

  const r = await DiskStorage.open({ dataDir: dir, segmentBytesMax: 64 * 1024 });
  const after = r.entriesInMemory();
  assert.ok(after >= CACHED_ENTRIES && after < CACHED_ENTRIES + 40, `after a reopen: ${after}`);
  checkAll(r, 1, last, () => 1);
  await r.close();
});

test('an overwritten suffix and compaction behind a snapshot keep reads right', async (t) => {
  const dir = tempDir(t);
  const s = await DiskStorage.open({ dataDir: dir, segmentBytesMax: 64 * 1024 });
  await appendRange(s, 1, 3000, 1);
  // A new leader overwrites everything from 2500 on (entries still cached), in term 2.
  await appendRange(s, 2500, 2600, 2);
  const termOf = (i: number) => (i >= 2500 ? 2 : 1);
  assert.equal(s.lastIndex(), 2600);
  checkAll(s, 1, 2600, termOf);
  await appendRange(s, 2601, 5000, 2);
  const termOf2 = (i: number) => (i >= 2500 ? 2 : 1);
  checkAll(s, 1, 5000, termOf2);

  await s.saveSnapshot({ index: 4000, term: 2, configuration: { servers: [], index: 0 }, fsm: new Uint8Array([1]) }, false);
  s.compact(3000);
  await appendRange(s, 5001, 5100, 2);
  assert.equal(s.firstIndex(), 3001);
  checkAll(s, 3001, 5100, termOf2);
  await s.close();

  const r = await DiskStorage.open({ dataDir: dir, segmentBytesMax: 64 * 1024 });
  assert.ok(r.firstIndex() <= 3001);
  checkAll(r, r.firstIndex(), 5100, termOf2);
  await r.close();
});

test('a snapshot from the leader that resets the log leaves nothing stale behind', async (t) => {
  const dir = tempDir(t);
  const s = await DiskStorage.open({ dataDir: dir });
  await appendRange(s, 1, 2000, 1);
  await s.saveSnapshot({ index: 9000, term: 3, configuration: { servers: [], index: 0 }, fsm: new Uint8Array([2]) }, true);
  await appendRange(s, 9001, 9000 + CACHED_ENTRIES + 500, 3);
  checkAll(s, 9001, 9000 + CACHED_ENTRIES + 500, () => 3);
  assert.ok(s.entriesInMemory() < CACHED_ENTRIES + 40);
  await s.close();
});
