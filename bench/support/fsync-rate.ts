// The disk's serial fsync rate: write 4 KiB and fdatasync, one after the other, in a file in the given
// dir. Two ways, interleaved so that other load on the machine hits both alike:
//   append      the file grows with every write; each fdatasync must
//               also make the new file size durable, which costs an extra journal commit on ext4;
//   overwrite   into a file zero-filled beforehand (what a WAL with preallocated segments does,
//               etcd's and Conclave's alike); only data goes to disk.
// The rate is the ceiling for a server that fsyncs once per write; group commit is what lets a
// server go past it.
import { closeSync, fdatasyncSync, fsyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface FsyncRate {
  perSec: number;
  count: number;
  p50Ms: number;
  p99Ms: number;
}

const BLOCK_BYTES = 4096;
const PREALLOCATED_BYTES = 64 * 1024 * 1024;

export function measureFsyncRate(dir: string, seconds: number): { append: FsyncRate; overwrite: FsyncRate } {
  const appendPath = join(dir, 'fsync-append');
  const overwritePath = join(dir, 'fsync-overwrite');
  const appendFd = openSync(appendPath, 'w');
  const overwriteFd = openSync(overwritePath, 'w');
  const block = Buffer.alloc(BLOCK_BYTES, 0x5a);
  const append: number[] = [];
  const overwrite: number[] = [];
  try {
    const zeros = Buffer.alloc(1024 * 1024);
    for (let off = 0; off < PREALLOCATED_BYTES; off += zeros.length) writeSync(overwriteFd, zeros, 0, zeros.length, off);
    fsyncSync(overwriteFd);
    const end = performance.now() + seconds * 1000;
    for (let i = 0; performance.now() < end; i++) {
      let t = performance.now();
      writeSync(appendFd, block, 0, BLOCK_BYTES, i * BLOCK_BYTES);
      fdatasyncSync(appendFd);
      append.push(performance.now() - t);
      t = performance.now();
      writeSync(overwriteFd, block, 0, BLOCK_BYTES, (i * BLOCK_BYTES) % PREALLOCATED_BYTES);
      fdatasyncSync(overwriteFd);
      overwrite.push(performance.now() - t);
    }
    return { append: summarise(append), overwrite: summarise(overwrite) };
  } finally {
    closeSync(appendFd);
    closeSync(overwriteFd);
    rmSync(appendPath, { force: true });
    rmSync(overwritePath, { force: true });
  }
}

function summarise(latenciesMs: number[]): FsyncRate {
  const totalMs = latenciesMs.reduce((a, b) => a + b, 0);
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    perSec: sorted.length / (totalMs / 1000),
    count: sorted.length,
    p50Ms: sorted[Math.floor(sorted.length * 0.5)]!,
    p99Ms: sorted[Math.floor(sorted.length * 0.99)]!,
  };
}
