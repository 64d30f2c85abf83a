// Snapshot files under <dataDir>/raft/snapshots/. One file per snapshot (version 2):
//   "CSNP" | u32 LE version (2) | u32 LE meta length | meta | fsm bytes | u32 LE CRC-32C
// where meta is msgpack {index, term, configuration} and the CRC covers everything before it.
// The FSM bytes go last and raw so that they can be written piece by piece as the FSM produces
// them and read back straight into place: no snapshot is ever held in memory as a whole except
// while it is being restored or shipped to a follower. Version 1 files ("CSNP" | 1 | CRC of body |
// msgpack {index, term, configuration, fsm}) from older releases are still read.
// Written to a temp file, fsynced, renamed into place, and the directory fsynced
// (hashicorp/raft#229: snapshots that were not fsynced vanished after machine crashes). The newest
// `retain` snapshots are kept.

import * as fs from 'node:fs';
import { join } from 'node:path';
import { Packr, unpack } from 'msgpackr';
import { crc32c } from '../../lib/crc32c.js';
import type { RaftConfiguration } from '../api.js';
import type { Snapshot } from '../core/messages.js';
import type { StorageIo, StorageLogger } from './io.js';
import { type SnapshotToSave, type StoredSnapshot, confStateOf, encodeSnapshotForCore } from './storage.js';

const MAGIC = 0x434e5350; // "CSNP" read as a big-endian u32
const VERSION = 2;
const HEAD_BYTES = 12;
const NAME_RE = /^(\d{20})-(\d{20})\.snap$/;
/** Pieces in which a file's FSM bytes are checked against its CRC without reading them whole. */
const VERIFY_PIECE_BYTES = 1024 * 1024;

const packr = new Packr({ useRecords: false });

/** A snapshot file that verified: its metadata, and where its FSM bytes are. */
export interface SnapshotFile {
  index: number;
  term: number;
  configuration: RaftConfiguration;
  path: string;
  version: 1 | 2;
  fsmOffset: number;
  fsmLength: number;
}

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

  /** Writes `s` durably; an FSM stream is consumed piece by piece, each piece written at once. */
  async save(s: SnapshotToSave): Promise<SnapshotFile> {
    const meta = Buffer.from(packr.pack({ index: s.index, term: s.term, configuration: s.configuration }));
    const head = Buffer.alloc(HEAD_BYTES);
    head.writeUInt32BE(MAGIC, 0);
    head.writeUInt32LE(VERSION, 4);
    head.writeUInt32LE(meta.length, 8);
    const name = `${String(s.index).padStart(20, '0')}-${String(s.term).padStart(20, '0')}.snap`;
    const tmp = join(this.dir, `${name}.tmp`);
    const fd = fs.openSync(tmp, 'w');
    let pos = 0;
    let crc = 0;
    const put = async (b: Uint8Array): Promise<void> => {
      if (b.length === 0) return;
      crc = crc32c(b, crc);
      await this.io.write(fd, b, pos);
      pos += b.length;
    };
    try {
      await put(head);
      await put(meta);
      if (s.fsm instanceof Uint8Array) await put(s.fsm);
      else for (const piece of s.fsm.chunks()) await put(piece);
      const tail = Buffer.alloc(4);
      tail.writeUInt32LE(crc >>> 0, 0);
      await this.io.write(fd, tail, pos);
      await this.io.fdatasync(fd);
    } catch (err) {
      fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    fs.closeSync(fd);
    fs.renameSync(tmp, join(this.dir, name));
    await this.io.fsyncDir(this.dir);
    this.prune();
    const fsmOffset = HEAD_BYTES + meta.length;
    return { index: s.index, term: s.term, configuration: s.configuration, path: join(this.dir, name), version: 2, fsmOffset, fsmLength: pos - fsmOffset };
  }

  /** Snapshot file names, newest first. */
  list(): string[] {
    return fs.readdirSync(this.dir).filter((n) => NAME_RE.test(n)).sort().reverse();
  }

  /**
   * The newest snapshot that verifies (its FSM bytes are checked, not kept). A damaged newer one
   * is skipped with a warning: the log still holds what followed the older one (compaction keeps
   * trailing entries behind).
   */
  loadLatest(): SnapshotFile | null {
    for (const name of this.list()) {
      const path = join(this.dir, name);
      try {
        return verifySnapshotFile(path);
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

/** Checks a snapshot file's framing and CRC, reading its FSM bytes in pieces; returns where they are. */
export function verifySnapshotFile(path: string): SnapshotFile {
  const fd = fs.openSync(path, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const head = readAt(fd, 0, Math.min(size, HEAD_BYTES), path);
    if (head.length < HEAD_BYTES || head.readUInt32BE(0) !== MAGIC) throw new Error(`${path}: not a snapshot file`);
    const version = head.readUInt32LE(4);
    if (version === 1) return legacyFile(path, readV1(path));
    if (version !== VERSION) throw new Error(`${path}: unsupported snapshot version ${version}`);
    const metaLength = head.readUInt32LE(8);
    const fsmOffset = HEAD_BYTES + metaLength;
    if (fsmOffset + 4 > size) throw new Error(`${path}: snapshot truncated`);
    const meta = readAt(fd, HEAD_BYTES, metaLength, path);
    let crc = crc32c(meta, crc32c(head));
    const piece = Buffer.allocUnsafe(Math.min(VERIFY_PIECE_BYTES, Math.max(1, size - 4 - fsmOffset)));
    for (let at = fsmOffset; at < size - 4;) {
      const n = fs.readSync(fd, piece, 0, Math.min(piece.length, size - 4 - at), at);
      if (n <= 0) throw new Error(`${path}: snapshot truncated`);
      crc = crc32c(piece.subarray(0, n), crc);
      at += n;
    }
    if ((crc >>> 0) !== readAt(fd, size - 4, 4, path).readUInt32LE(0)) throw new Error(`${path}: snapshot CRC mismatch`);
    const m = decodeMeta(meta, path);
    return { ...m, path, version: 2, fsmOffset, fsmLength: size - 4 - fsmOffset };
  } finally {
    fs.closeSync(fd);
  }
}

/** The whole snapshot, FSM bytes included, read from its file and checked against its CRC again. */
export function readSnapshot(f: SnapshotFile): StoredSnapshot {
  if (f.version === 1) return readV1(f.path);
  const fsm = Buffer.allocUnsafeSlow(f.fsmLength);
  readFsmInto(f, fsm);
  return { index: f.index, term: f.term, configuration: f.configuration, fsm };
}

/**
 * The snapshot as the core ships it in MsgSnap (encodeSnapshotForCore's msgpack {configuration,
 * fsm}), built in one buffer with the FSM bytes read from the file straight into place.
 */
export function readSnapshotForCore(f: SnapshotFile): Snapshot {
  if (f.version === 1) return encodeSnapshotForCore(readV1(f.path));
  const parts = [
    Uint8Array.of(0x82), // map of two entries
    Buffer.from(packr.pack('configuration')),
    Buffer.from(packr.pack(f.configuration)),
    Buffer.from(packr.pack('fsm')),
    Uint8Array.of(0xc6, (f.fsmLength >>> 24) & 0xff, (f.fsmLength >>> 16) & 0xff, (f.fsmLength >>> 8) & 0xff, f.fsmLength & 0xff), // bin 32
  ];
  const prefix = parts.reduce((n, p) => n + p.length, 0);
  const data = Buffer.allocUnsafeSlow(prefix + f.fsmLength);
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  readFsmInto(f, data.subarray(prefix));
  return { meta: { index: f.index, term: f.term, confState: confStateOf(f.configuration) }, data };
}

function readFsmInto(f: SnapshotFile, into: Buffer): void {
  const fd = fs.openSync(f.path, 'r');
  try {
    const before = readAt(fd, 0, f.fsmOffset, f.path);
    let got = 0;
    while (got < f.fsmLength) {
      const n = fs.readSync(fd, into, got, f.fsmLength - got, f.fsmOffset + got);
      if (n <= 0) throw new Error(`${f.path}: snapshot truncated`);
      got += n;
    }
    const crc = crc32c(into, crc32c(before)) >>> 0;
    if (crc !== readAt(fd, f.fsmOffset + f.fsmLength, 4, f.path).readUInt32LE(0)) throw new Error(`${f.path}: snapshot CRC mismatch`);
  } finally {
    fs.closeSync(fd);
  }
}

function readAt(fd: number, position: number, length: number, path: string): Buffer {
  const b = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, b, got, length - got, position + got);
    if (n <= 0) throw new Error(`${path}: snapshot truncated`);
    got += n;
  }
  return b;
}

function decodeMeta(meta: Uint8Array, path: string): { index: number; term: number; configuration: RaftConfiguration } {
  const v = packr.unpack(meta) as { index: number; term: number; configuration: RaftConfiguration };
  if (!Number.isInteger(v?.index) || !Number.isInteger(v.term) || !Array.isArray(v.configuration?.servers)) {
    throw new Error(`${path}: malformed snapshot metadata`);
  }
  return { index: v.index, term: v.term, configuration: v.configuration };
}

function legacyFile(path: string, s: StoredSnapshot): SnapshotFile {
  return { index: s.index, term: s.term, configuration: s.configuration, path, version: 1, fsmOffset: 0, fsmLength: s.fsm.length };
}

/** A version 1 file, read whole. */
function readV1(path: string): StoredSnapshot {
  const buf = fs.readFileSync(path);
  if (buf.length < HEAD_BYTES || buf.readUInt32BE(0) !== MAGIC) throw new Error(`${path}: not a snapshot file`);
  if (buf.readUInt32LE(4) !== 1) throw new Error(`${path}: not a version 1 snapshot`);
  const body = buf.subarray(HEAD_BYTES);
  if (crc32c(body) !== buf.readUInt32LE(8)) throw new Error(`${path}: snapshot CRC mismatch`);
  const v = unpack(body) as { index: number; term: number; configuration: RaftConfiguration; fsm: Uint8Array };
  if (!Number.isInteger(v.index) || !Number.isInteger(v.term) || !(v.fsm instanceof Uint8Array) || !Array.isArray(v.configuration?.servers)) {
    throw new Error(`${path}: malformed snapshot body`);
  }
  return { index: v.index, term: v.term, configuration: v.configuration, fsm: v.fsm };
}
