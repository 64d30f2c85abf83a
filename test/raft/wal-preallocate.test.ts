// The active WAL segment is zero-filled ahead of its records (so a batch's fdatasync flushes data,
// not a new file size). These tests pin what that changes: zeros read as the normal end, closed
// segments are trimmed, and the torn writes a crash can leave inside preallocated space (unwritten
// sectors of the last, unsynced batch) are cut off while corruption still stops start-up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { DiskStorage } from '../../src/raft/storage/disk-storage.js';
import { countingIo } from '../../src/raft/storage/io.js';
import { WalCorruptionError } from '../../src/raft/storage/wal/record.js';
import { ent, memLogger, recordsEnd, segments, tempDir } from './support/wal-files.js';

/** Two synced batches; the second is one record big enough to span several 512-byte sectors. */
async function twoBatches(dir: string): Promise<{ seg: string; secondStart: number; secondEnd: number }> {
  const s = await DiskStorage.open({ dataDir: dir });
  s.append([ent(1, 1), ent(2, 1)]);
  await s.sync(true);
  const [seg] = segments(dir);
  const secondStart = recordsEnd(seg!);
  s.append([ent(3, 1, 'y'.repeat(3000))]);
  await s.sync(true);
  await s.close();
  return { seg: seg!, secondStart, secondEnd: recordsEnd(seg!) };
}

test('the active segment is zero-filled past its records; a restart reads the zeros as its end, silently', async (t) => {
  const dir = tempDir(t);
  const io = countingIo();
  const s = await DiskStorage.open({ dataDir: dir, io });
  s.append([ent(1, 1), ent(2, 1)]);
  await s.sync(true);
  await s.close();
  const [seg] = segments(dir);
  assert.equal(io.counts.zeroFill, 1, 'one preallocation for the first batch');
  assert.ok(fs.statSync(seg!).size > recordsEnd(seg!) + 1024 * 1024, 'the file extends well past its records');

  const logger = memLogger();
  const r = await DiskStorage.open({ dataDir: dir, logger });
  assert.equal(r.lastIndex(), 2);
  assert.deepEqual(logger.lines.filter((l) => l.level === 'warn'), [], 'zeros after the records are not a torn write');
  r.append([ent(3, 1, 'after restart')]);
  await r.sync(true);
  await r.close();
  const again = await DiskStorage.open({ dataDir: dir });
  assert.equal(again.lastIndex(), 3);
  assert.equal(new TextDecoder().decode(again.entries(3, 4, 1)[0]!.data), 'after restart');
  await again.close();
});

test('a closed segment is trimmed to its records before the next one starts', async (t) => {
  const dir = tempDir(t);
  const s = await DiskStorage.open({ dataDir: dir, segmentBytesMax: 1024 });
  for (let i = 1; i <= 60; i++) {
    s.append([ent(i, 1, `entry-${i}-${'z'.repeat(40)}`)]);
    await s.sync(true);
  }
  await s.close();
  const segs = segments(dir);
  assert.ok(segs.length > 2, `several segments (${segs.length})`);
  for (const seg of segs.slice(0, -1)) assert.equal(fs.statSync(seg).size, recordsEnd(seg), `${seg} ends at its last record`);
  const r = await DiskStorage.open({ dataDir: dir, segmentBytesMax: 1024 });
  assert.equal(r.lastIndex(), 60);
  await r.close();
});

test('an unsynced batch with an unwritten (zero) sector is a torn write: cut off, earlier batches kept', async (t) => {
  const dir = tempDir(t);
  const { seg, secondStart, secondEnd } = await twoBatches(dir);
  const buf = fs.readFileSync(seg);
  // The disk wrote the record's first sectors but not a later one inside it.
  const sector = Math.ceil((secondStart + 600) / 512) * 512;
  assert.ok(sector + 512 < secondEnd, 'the record spans the zeroed sector');
  buf.fill(0, sector, sector + 512);
  fs.writeFileSync(seg, buf);
  const logger = memLogger();
  const r = await DiskStorage.open({ dataDir: dir, logger });
  assert.equal(r.lastIndex(), 2);
  assert.ok(logger.lines.some((l) => l.level === 'warn' && /torn/.test(l.msg)));
  await r.close();
});

test('an unsynced batch whose first sector was not written (zero header, data after) is a torn write', async (t) => {
  const dir = tempDir(t);
  const { seg, secondStart } = await twoBatches(dir);
  const buf = fs.readFileSync(seg);
  buf.fill(0, secondStart, Math.ceil((secondStart + 1) / 512) * 512);
  fs.writeFileSync(seg, buf);
  const logger = memLogger();
  const r = await DiskStorage.open({ dataDir: dir, logger });
  assert.equal(r.lastIndex(), 2);
  assert.ok(logger.lines.some((l) => l.level === 'warn' && JSON.stringify(l.fields).includes('zeroed record header')));
  await r.close();
});

test('a flipped byte in a record that other records follow is still corruption, preallocated or not', async (t) => {
  const dir = tempDir(t);
  const { seg, secondStart } = await twoBatches(dir);
  const s = await DiskStorage.open({ dataDir: dir });
  s.append([ent(4, 1)]);
  await s.sync(true);
  await s.close();
  const buf = fs.readFileSync(seg);
  buf[secondStart + 100] ^= 0x01; // no sector of the record is zero, and a record follows
  fs.writeFileSync(seg, buf);
  await assert.rejects(DiskStorage.open({ dataDir: dir }), (err: unknown) => {
    assert.ok(err instanceof WalCorruptionError);
    assert.equal(err.offset, secondStart);
    return true;
  });
});
