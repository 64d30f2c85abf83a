// The few file operations whose count and ordering matter for durability, behind an interface
// so tests can count fdatasyncs (group commit) or inject failures. Everything else (open,
// read at start-up, rename) uses node:fs directly.

import * as fs from 'node:fs';

export interface StorageIo {
  /** Writes all of `buf` at `position`. */
  write(fd: number, buf: Uint8Array, position: number): Promise<void>;
  /** Writes zeros over [from, to): preallocation of a WAL segment (durable after the next fdatasync). */
  zeroFill(fd: number, from: number, to: number): Promise<void>;
  /** Makes the file's data (and the metadata needed to read it) durable. */
  fdatasync(fd: number): Promise<void>;
  /** Makes a directory's entries (creates, renames, unlinks) durable. */
  fsyncDir(path: string): Promise<void>;
}

export interface StorageLogger {
  info(msg: string, fields?: object): void;
  warn(msg: string, fields?: object): void;
  error(msg: string, fields?: object): void;
  debug(msg: string, fields?: object): void;
}

export const silentStorageLogger: StorageLogger = { info() {}, warn() {}, error() {}, debug() {} };

const ZEROS = new Uint8Array(1024 * 1024);

export const nodeStorageIo: StorageIo = {
  async write(fd, buf, position) {
    // Page-cache writes are short; doing them synchronously saves a thread-pool round trip per
    // batch. The fdatasync, which does wait for the device, runs off the event loop.
    let off = 0;
    while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off, position + off);
  },
  async zeroFill(fd, from, to) {
    for (let at = from; at < to; ) at += fs.writeSync(fd, ZEROS, 0, Math.min(ZEROS.length, to - at), at);
  },
  fdatasync(fd) {
    return new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
  },
  async fsyncDir(path) {
    const fd = fs.openSync(path, 'r');
    try {
      await new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
    } finally {
      fs.closeSync(fd);
    }
  },
};

/** Wraps an io and counts its durability calls. */
export function countingIo(inner: StorageIo = nodeStorageIo): StorageIo & { counts: { fdatasync: number; fsyncDir: number; write: number; zeroFill: number } } {
  const counts = { fdatasync: 0, fsyncDir: 0, write: 0, zeroFill: 0 };
  return {
    counts,
    write: (fd, buf, pos) => { counts.write++; return inner.write(fd, buf, pos); },
    zeroFill: (fd, from, to) => { counts.zeroFill++; return inner.zeroFill(fd, from, to); },
    fdatasync: (fd) => { counts.fdatasync++; return inner.fdatasync(fd); },
    fsyncDir: (p) => { counts.fsyncDir++; return inner.fsyncDir(p); },
  };
}
