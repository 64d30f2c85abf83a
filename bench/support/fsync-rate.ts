// The disk's serial fsync rate: append 4 KiB and fdatasync, one after the other, for a fixed time, in a
// file in the given dir (the way a write-ahead log grows). This is the ceiling for a server that
// fsyncs once per write; group commit is what lets a server go past it.
import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export function measureFsyncRate(dir: string, seconds: number): { perSec: number; count: number; p50Ms: number; p99Ms: number } {
  const path = join(dir, 'fsync-probe');
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(4096, 0x5a);
  const times: number[] = [];
  try {
    const start = performance.now();
    const end = start + seconds * 1000;
    for (let t = start; t < end; ) {
      writeSync(fd, block);
      fdatasyncSync(fd);
      const now = performance.now();
      times.push(now - t);
      t = now;
    }
    const perSec = times.length / ((performance.now() - start) / 1000);
    times.sort((a, b) => a - b);
    return {
      perSec,
      count: times.length,
      p50Ms: times[Math.floor(times.length * 0.5)]!,
      p99Ms: times[Math.floor(times.length * 0.99)]!,
    };
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
}
