// A StorageIo over real files that remembers, per file (by inode, so renames keep it), how
// many bytes an fdatasync has made durable. capture() copies a data directory as it would look
// after a power cut at that instant: each file keeps its synced prefix plus a random torn piece
// of whatever was written after it. Unlike kill -9 (which keeps the page cache), this exposes an
// acknowledgement sent before its fsync.
import * as fs from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { nodeStorageIo, type StorageIo } from '../../../src/raft/storage/io.js';
import { randomInt, type Rng } from '../../../src/lib/rng.js';

export class PowerLossIo implements StorageIo {
  private readonly synced = new Map<number, number>();

  write(fd: number, buf: Uint8Array, position: number): Promise<void> {
    return nodeStorageIo.write(fd, buf, position);
  }

  async fdatasync(fd: number): Promise<void> {
    const { ino, size } = fs.fstatSync(fd); // measured before: later writes are not covered
    await nodeStorageIo.fdatasync(fd);
    this.synced.set(ino, Math.max(this.synced.get(ino) ?? 0, size));
  }

  fsyncDir(path: string): Promise<void> {
    return nodeStorageIo.fsyncDir(path);
  }

  /** Writes the post-power-cut image of `src` into `dst`. Synchronous: one instant in time. */
  capture(src: string, dst: string, rng: Rng): void {
    const walk = (dir: string): void => {
      for (const name of fs.readdirSync(dir)) {
        const p = join(dir, name);
        const st = fs.statSync(p);
        if (st.isDirectory()) {
          fs.mkdirSync(join(dst, relative(src, p)), { recursive: true });
          walk(p);
          continue;
        }
        const content = fs.readFileSync(p);
        const durable = Math.min(this.synced.get(st.ino) ?? 0, content.length);
        const torn = randomInt(rng, content.length - durable + 1);
        const out = join(dst, relative(src, p));
        fs.mkdirSync(dirname(out), { recursive: true });
        fs.writeFileSync(out, content.subarray(0, durable + torn));
      }
    };
    fs.mkdirSync(dst, { recursive: true });
    walk(src);
  }
}
