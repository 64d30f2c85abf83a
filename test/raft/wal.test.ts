// The write-ahead log: round trip, torn tails, corruption in the middle, group commit, segment
// rollover with compaction, and snapshot files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { DiskStorage } from '../../src/raft/storage/disk-storage.js';
import { countingIo } from '../../src/raft/storage/io.js';
import { WalCorruptionError } from '../../src/raft/storage/wal/record.js';
import { crc32c } from '../../src/lib/crc32c.js';
import { ent, memLogger, recordsEnd, segments, tempDir } from './support/wal-files.js';

test('crc32c matches the standard check value', () => {
  assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(0)), 0);
  const a = new TextEncoder().encode('hello, ');
  const b = new TextEncoder().encode('world and more bytes to cross the 8-byte stride');
  const ab = new Uint8Array([...a, ...b]);
  assert.equal(crc32c(b, crc32c(a)), crc32c(ab), 'incremental equals one-shot');
});

test('entries and hard state survive a close and reopen, including an overwritten suffix', async (t) => {
  const dir = tempDir(t);
  const s = await DiskStorage.open({ dataDir: dir });
  s.append([ent(1, 1), ent(2, 1), ent(3, 1)]);
  s.setHardState({ term: 1, vote: 'a', commit: 1 });
  await s.sync(true);
  s.append([ent(3, 2, 'replaced'), ent(4, 2)]);
  s.setHardState({ term: 2, vote: 'b', commit: 3 });
  await s.sync(true);
  await s.close();

  const r = await DiskStorage.open({ dataDir: dir });
  assert.deepEqual(r.hardStateNow(), { term: 2, vote: 'b', commit: 3 });
  assert.equal(r.firstIndex(), 1);
  assert.equal(r.lastIndex(), 4);
  const got = r.entries(1, 5, 100).map((e) => [e.index, e.term, new TextDecoder().decode(e.data)]);
  assert.deepEqual(got, [[1, 1, 'e1'], [2, 1, 'e2'], [3, 2, 'replaced'], [4, 2, 'e4']]);
  await r.close();
});

test('a torn tail (partial last record) is cut off with a warning; earlier batches survive', async (t) => {
  const dir = tempDir(t);
  const s = await DiskStorage.open({ dataDir: dir });
  s.append([ent(1, 1), ent(2, 1)]);
  await s.sync(true);
  s.append([ent(3, 1), ent(4, 1)]);
  await s.sync(true);
  await s.close();
  const [seg] = segments(dir);
  const size = recordsEnd(seg!);
  fs.truncateSync(seg!, size - 3); // the crash tore the second batch's record

  const logger = memLogger();
  const r = await DiskStorage.open({ dataDir: dir, logger });
  assert.equal(r.lastIndex(), 2);
  const warn = logger.lines.find((l) => l.level === 'warn');
  assert.ok(warn && /torn/.test(warn.msg), 'a warning names the torn write');
  assert.ok(fs.statSync(seg!).size < size - 3, 'the file was truncated to the last good record');
  // The log continues cleanly after the cut.
  r.append([ent(3, 2)]);
  await r.sync(true);
  await r.close();
  const again = await DiskStorage.open({ dataDir: dir });
  assert.equal(again.lastIndex(), 3);
  assert.equal(again.term(3), 2);
  await again.close();
});

test('a bad checksum on the last record is treated as a torn write', async (t) => {
  const dir = tempDir(t);
  const s = await DiskStorage.open({ dataDir: dir });
  s.append([ent(1, 1)]);
  await s.sync(true);
  s.append([ent(2, 1, 'last batch')]);
  await s.sync(true);
  await s.close();
  const [seg] = segments(dir);
  const buf = fs.readFileSync(seg!);
  buf[recordsEnd(seg!) - 2] ^= 0xff;
  fs.writeFileSync(seg!, buf);
  const logger = memLogger();
  const r = await DiskStorage.open({ dataDir: dir, logger });
  assert.equal(r.lastIndex(), 1);
  assert.ok(logger.lines.some((l) => l.level === 'warn' && JSON.stringify(l.fields).includes('checksum mismatch on the last record')));
  await r.close();
});

test('a corrupt record in the middle stops start-up with an error naming the file and offset', async (t) => {
  const dir = tempDir(t);
  const s = await DiskStorage.open({ dataDir: dir });
  s.append([ent(1, 1)]);
  await s.sync(true);
  const [seg] = segments(dir);
  const firstRecordEnd = recordsEnd(seg!);
  s.append([ent(2, 1)]);
  await s.sync(true);
  s.append([ent(3, 1)]);
  await s.sync(true);
  await s.close();
  const buf = fs.readFileSync(seg!);
  buf[firstRecordEnd + 10] ^= 0x55; // inside the second record's payload; a third record follows
  fs.writeFileSync(seg!, buf);
  await assert.rejects(DiskStorage.open({ dataDir: dir }), (err: unknown) => {
    assert.ok(err instanceof WalCorruptionError);
    assert.equal(err.file, seg);
    assert.equal(err.offset, firstRecordEnd);
    assert.match(err.message, new RegExp(`${seg!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} at offset ${firstRecordEnd}`));
    return true;
  });
});

test('group commit: many appends and hard states between syncs cost one write and one fdatasync', async (t) => {
  const dir = tempDir(t);
  const io = countingIo();
  const s = await DiskStorage.open({ dataDir: dir, io });
  const base = { ...io.counts };
  for (let i = 1; i <= 100; i++) {
    s.append([ent(i, 1)]);
    s.setHardState({ term: 1, vote: 'x', commit: i - 1 });
  }
  await s.sync(true);
  assert.equal(io.counts.fdatasync - base.fdatasync, 1);
  assert.equal(io.counts.write - base.write, 1);
  // A commit-only hard state change is written but not fsynced.
  s.setHardState({ term: 1, vote: 'x', commit: 100 });
  await s.sync(false);
  assert.equal(io.counts.fdatasync - base.fdatasync, 1);
  // Nothing buffered: no I/O at all.
  await s.sync(true);
  assert.equal(io.counts.write - base.write, 2);
  assert.equal(io.counts.fdatasync - base.fdatasync, 1);
  await s.close();
});

test('segments roll over, and compaction behind a snapshot deletes old ones; reopen keeps the tail', async (t) => {
  const dir = tempDir(t);
  const s = await DiskStorage.open({ dataDir: dir, segmentBytesMax: 512 });
  for (let i = 1; i <= 200; i++) {
    s.append([ent(i, 1, `payload-${i}-${'x'.repeat(20)}`)]);
    s.setHardState({ term: 1, vote: 'n1', commit: i });
    await s.sync(true);
  }
  const before = segments(dir).length;
  assert.ok(before > 5, `expected several segments, got ${before}`);
  await s.saveSnapshot({ index: 150, term: 1, configuration: { servers: [{ id: 'n1', address: 'a:1', suffrage: 'voter' }], index: 1 }, fsm: new Uint8Array([1, 2, 3]) }, false);
  s.compact(150 - 20); // keep 20 trailing entries
  s.append([ent(201, 1)]);
  await s.sync(true);
  const after = segments(dir).length;
  assert.ok(after < before, `segments deleted (${before} -> ${after})`);
  assert.equal(s.firstIndex(), 131);
  await s.close();

  const r = await DiskStorage.open({ dataDir: dir });
  assert.ok(r.firstIndex() <= 131 + 1, `first index ${r.firstIndex()}`);
  assert.equal(r.lastIndex(), 201);
  assert.equal(r.term(r.firstIndex() - 1), 1, 'the base term is known');
  assert.equal(new TextDecoder().decode(r.entries(200, 201, 1)[0]!.data), `payload-200-${'x'.repeat(20)}`);
  assert.equal(r.latestSnapshot()!.index, 150);
  assert.deepEqual(r.hardStateNow(), { term: 1, vote: 'n1', commit: 200 });
  await r.close();
});

test('snapshots: newest two kept; a damaged newest one falls back to the previous', async (t) => {
  const dir = tempDir(t);
  const s = await DiskStorage.open({ dataDir: dir });
  for (let i = 1; i <= 10; i++) s.append([ent(i, 1)]);
  await s.sync(true);
  const conf = { servers: [{ id: 'n1', address: 'a:1', suffrage: 'voter' as const }], index: 0 };
  for (const idx of [3, 6, 9]) await s.saveSnapshot({ index: idx, term: 1, configuration: conf, fsm: new Uint8Array([idx]) }, false);
  const files = s.snapshotFiles();
  assert.equal(files.length, 2);
  await s.close();
  const newest = join(dir, 'raft', 'snapshots', files[0]!);
  const buf = fs.readFileSync(newest);
  buf[buf.length - 1] ^= 1;
  fs.writeFileSync(newest, buf);
  const logger = memLogger();
  const r = await DiskStorage.open({ dataDir: dir, logger });
  assert.equal(r.latestSnapshot()!.index, 6);
  assert.deepEqual([...r.latestSnapshot()!.fsm], [6]);
  assert.ok(logger.lines.some((l) => l.level === 'warn' && /snapshot/.test(l.msg)));
  await r.close();
});
