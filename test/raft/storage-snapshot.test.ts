// Snapshot files of DiskStorage: FSM state written as a stream of pieces, held on disk only (read
// back for restore and for shipping to a follower), and version 1 files of older releases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { pack } from 'msgpackr';
import { DiskStorage } from '../../src/raft/storage/disk-storage.js';
import { MemoryStorage } from '../../src/raft/storage/memory-storage.js';
import { decodeSnapshotFromCore } from '../../src/raft/storage/storage.js';
import type { SnapshotStream } from '../../src/raft/api.js';
import { EntryType } from '../../src/raft/core/messages.js';
import { crc32c } from '../../src/lib/crc32c.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'conclave-snap-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function memLogger() {
  const lines: { level: string; msg: string }[] = [];
  const at = (level: string) => (msg: string) => { lines.push({ level, msg }); };
  return { lines, info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') };
}

const conf = { servers: [{ id: 'n1', address: '127.0.0.1:8300', suffrage: 'voter' as const }], index: 1 };

/** Deterministic bytes: byte i is (i * 7 + seed) & 0xff. */
function pattern(length: number, seed = 0): Uint8Array {
  const b = new Uint8Array(length);
  for (let i = 0; i < length; i++) b[i] = (i * 7 + seed) & 0xff;
  return b;
}

/** A stream that hands out `total` bytes of pattern() in pieces of `piece` bytes, all in ONE reused buffer. */
function reusingStream(total: number, piece: number): SnapshotStream & { pieces: number } {
  const whole = pattern(total);
  const buf = new Uint8Array(piece);
  const s = {
    pieces: 0,
    length: 0,
    *chunks() {
      s.length = 0;
      for (let at = 0; at < total; at += piece) {
        const n = Math.min(piece, total - at);
        buf.set(whole.subarray(at, at + n));
        s.pieces++;
        s.length += n;
        yield buf.subarray(0, n);
      }
    },
  };
  return s;
}

async function withEntries(dir: string, last: number): Promise<DiskStorage> {
  const s = await DiskStorage.open({ dataDir: dir });
  for (let i = 1; i <= last; i++) s.append([{ index: i, term: 1, type: EntryType.Normal, data: new Uint8Array([i]) }]);
  s.setHardState({ term: 1, vote: 'n1', commit: last });
  await s.sync(true);
  return s;
}

test('a streamed snapshot is written piece by piece and read back whole, for restore and for a follower', async (t) => {
  const dir = tempDir(t);
  const s = await withEntries(dir, 10);
  const stream = reusingStream(300_000, 4096);
  await s.saveSnapshot({ index: 8, term: 1, configuration: conf, fsm: stream }, false);
  assert.ok(stream.pieces > 70, `consumed in pieces (${stream.pieces})`);
  assert.equal(stream.length, 300_000);
  const expected = pattern(300_000);

  const stored = s.latestSnapshot()!;
  assert.equal(stored.index, 8);
  assert.deepEqual(stored.configuration, conf);
  assert.ok(Buffer.from(stored.fsm).equals(expected), 'restore gets every byte in order');

  const wire = s.snapshot()!;
  assert.deepEqual(wire.meta, { index: 8, term: 1, confState: { voters: ['n1'], learners: [] } });
  const decoded = decodeSnapshotFromCore(wire);
  assert.deepEqual(decoded.configuration, conf);
  assert.ok(Buffer.from(decoded.fsm).equals(expected), 'the MsgSnap payload decodes to the same bytes');
  await s.close();

  const r = await DiskStorage.open({ dataDir: dir });
  assert.ok(Buffer.from(r.latestSnapshot()!.fsm).equals(expected), 'and again after a reopen');
  await r.close();
});

test('the snapshot bytes are read from the file each time, not kept in memory', async (t) => {
  const dir = tempDir(t);
  const s = await withEntries(dir, 5);
  await s.saveSnapshot({ index: 5, term: 1, configuration: conf, fsm: pattern(1000, 3) }, false);
  const file = join(dir, 'raft', 'snapshots', s.snapshotFiles()[0]!);
  assert.ok(Buffer.from(s.latestSnapshot()!.fsm).equals(pattern(1000, 3)));

  // Damage one FSM byte on disk: a storage that held the bytes would not notice.
  const buf = fs.readFileSync(file);
  buf[buf.length - 100] ^= 0xff;
  fs.writeFileSync(file, buf);
  assert.throws(() => s.latestSnapshot(), /CRC mismatch/);
  assert.equal(s.snapshot(), null, 'an unreadable snapshot is not shipped');
  assert.equal(s.snapshotMeta().index, 5, 'its metadata is still known');
  await s.close();
});

test('an InstallSnapshot (whole bytes, log reset) is stored the same way', async (t) => {
  const dir = tempDir(t);
  const s = await withEntries(dir, 3);
  await s.saveSnapshot({ index: 50, term: 4, configuration: conf, fsm: pattern(5000, 1) }, true);
  assert.equal(s.firstIndex(), 51);
  assert.ok(Buffer.from(s.latestSnapshot()!.fsm).equals(pattern(5000, 1)));
  await s.close();
  const r = await DiskStorage.open({ dataDir: dir });
  assert.equal(r.latestSnapshot()!.index, 50);
  assert.equal(r.hardStateNow().commit, 50);
  await r.close();
});

test('a version 1 snapshot file from an older release is still read and shipped', async (t) => {
  const dir = tempDir(t);
  const snaps = join(dir, 'raft', 'snapshots');
  fs.mkdirSync(snaps, { recursive: true });
  const fsm = pattern(2000, 9);
  const body = Buffer.from(pack({ index: 7, term: 2, configuration: conf, fsm }));
  const head = Buffer.alloc(12);
  head.writeUInt32BE(0x434e5350, 0);
  head.writeUInt32LE(1, 4);
  head.writeUInt32LE(crc32c(body), 8);
  fs.writeFileSync(join(snaps, `${'7'.padStart(20, '0')}-${'2'.padStart(20, '0')}.snap`), Buffer.concat([head, body]));

  const s = await DiskStorage.open({ dataDir: dir, logger: memLogger() });
  assert.equal(s.snapshotMeta().index, 7);
  assert.equal(s.firstIndex(), 8, 'the log continues after the snapshot');
  assert.ok(Buffer.from(s.latestSnapshot()!.fsm).equals(fsm));
  assert.ok(Buffer.from(decodeSnapshotFromCore(s.snapshot()!).fsm).equals(fsm));
  await s.close();
});

test('a truncated newest snapshot is skipped at open in favour of the previous one', async (t) => {
  const dir = tempDir(t);
  const s = await withEntries(dir, 10);
  await s.saveSnapshot({ index: 4, term: 1, configuration: conf, fsm: reusingStream(10_000, 1000) }, false);
  await s.saveSnapshot({ index: 9, term: 1, configuration: conf, fsm: reusingStream(20_000, 1000) }, false);
  const newest = join(dir, 'raft', 'snapshots', s.snapshotFiles()[0]!);
  await s.close();
  fs.truncateSync(newest, fs.statSync(newest).size - 10);
  const logger = memLogger();
  const r = await DiskStorage.open({ dataDir: dir, logger });
  assert.equal(r.latestSnapshot()!.index, 4);
  assert.ok(Buffer.from(r.latestSnapshot()!.fsm).equals(pattern(10_000)));
  assert.ok(logger.lines.some((l) => l.level === 'warn' && /snapshot/.test(l.msg)));
  await r.close();
});

test('MemoryStorage copies a stream out (its pieces share one buffer)', async () => {
  const m = new MemoryStorage();
  await m.saveSnapshot({ index: 3, term: 1, configuration: conf, fsm: reusingStream(10_000, 999) }, true);
  assert.ok(Buffer.from(m.latestSnapshot()!.fsm).equals(pattern(10_000)));
  assert.ok(Buffer.from(decodeSnapshotFromCore(m.snapshot()!).fsm).equals(pattern(10_000)));
});
