// Snapshot files under <dataDir>/raft/snapshots/. One file per snapshot:
//   "CSNP" | u32 LE version (1) | u32 LE CRC-32C of body | body
// where body is msgpack {index, term, configuration, fsm}. Written to a temp file, fsynced,
// renamed into place, and the directory fsynced (hashicorp/raft#229: snapshots that were not
// fsynced vanished after machine crashes). The newest `retain` snapshots are kept.

import * as fs from 'node:fs';
import { join } from 'node:path';
import { pack, unpack } from 'msgpackr';
import { crc32c } from '../../lib/crc32c.js';
import { releasePackBuffer } from '../../lib/msgpack-buffer.js';
import type { RaftConfiguration } from '../api.js';
import type { StorageIo, StorageLogger } from './io.js';
import type { StoredSnapshot } from './storage.js';

const MAGIC = 0x434e5350; // "CSNP" read as a big-endian u32
const VERSION = 1;
const NAME_RE = /^(\d{20})-(\d{20})\.snap$/;

export class SnapshotStore {
  constructor(
    private readonly dir: string,
    private readonly io: StorageIo,
    private readonly logger: StorageLogger,
    private readonly retain = 2,
  ) {
    fs.mkdirSync(dir, { recursive: true });
    // Temp files are leftovers of a crash during save; they were never renamed, so never used.
    for (const n of fs.readdirSync(dir)) if (n.endsWith('.tmp')) fs.rmSync(join(dir, n), { force: true });
  }

  async save(s: StoredSnapshot): Promise<void> {
    const body = pack({ index: s.index, term: s.term, configuration: s.configuration, fsm: s.fsm });
    releasePackBuffer(); // `body` keeps its bytes; msgpackr's shared buffer shrinks back
    const head = Buffer.alloc(12);
    head.writeUInt32BE(MAGIC, 0);
    head.writeUInt32LE(VERSION, 4);
    head.writeUInt32LE(crc32c(body), 8);
    const name = `${String(s.index).padStart(20, '0')}-${String(s.term).padStart(20, '0')}.snap`;
    const tmp = join(this.dir, `${name}.tmp`);
    const fd = fs.openSync(tmp, 'w');
    try {
      await this.io.write(fd, head, 0);
      await this.io.write(fd, body, head.length);
      await this.io.fdatasync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, join(this.dir, name));
    await this.io.fsyncDir(this.dir);
    this.prune();
  }

  /** Snapshot file names, newest first. */
  list(): string[] {
    return fs.readdirSync(this.dir).filter((n) => NAME_RE.test(n)).sort().reverse();
  }

  /**
   * Loads the newest snapshot that verifies. A damaged newer one is skipped with a warning: the
   * log still holds what followed the older one (compaction keeps trailing entries behind).
   */
  loadLatest(): StoredSnapshot | null {
    for (const name of this.list()) {
      const path = join(this.dir, name);
      try {
        return readSnapshotFile(path);
      } catch (err) {
        this.logger.warn('raft: skipping unreadable snapshot', { file: path, error: (err as Error).message });
      }
    }
    return null;
  }

  private prune(): void {
    for (const name of this.list().slice(this.retain)) {
      fs.rmSync(join(this.dir, name), { force: true });
      this.logger.debug('raft: pruned old snapshot', { file: name });
    }
  }
}

export function readSnapshotFile(path: string): StoredSnapshot {
  const buf = fs.readFileSync(path);
  if (buf.length < 12 || buf.readUInt32BE(0) !== MAGIC) throw new Error(`${path}: not a snapshot file`);
  if (buf.readUInt32LE(4) !== VERSION) throw new Error(`${path}: unsupported snapshot version ${buf.readUInt32LE(4)}`);
  const body = buf.subarray(12);
  if (crc32c(body) !== buf.readUInt32LE(8)) throw new Error(`${path}: snapshot CRC mismatch`);
  const v = unpack(body) as { index: number; term: number; configuration: RaftConfiguration; fsm: Uint8Array };
  if (!Number.isInteger(v.index) || !Number.isInteger(v.term) || !(v.fsm instanceof Uint8Array) || !Array.isArray(v.configuration?.servers)) {
    throw new Error(`${path}: malformed snapshot body`);
  }
  return { index: v.index, term: v.term, configuration: v.configuration, fsm: v.fsm };
}
