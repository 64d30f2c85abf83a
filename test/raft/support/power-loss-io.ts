// A StorageIo over real files that remembers, per file (by inode, so renames keep it), what an
// fdatasync made durable: the file's whole content as it stood when the fdatasync was called
// (later writes are not covered). capture() copies a data directory as it would look after a
// power cut at that instant: each file holds its durable content, overwritten up to a random
// point by what was written since, in file order (a torn piece of the unsynced writes). That
// covers appends and overwrites of preallocated space alike. Unlike kill -9 (which keeps the page
// cache), this exposes an acknowledgement sent before its fsync.
import * as fs from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { nodeStorageIo, type StorageIo } from '../../../src/raft/storage/io.js';
import { randomInt, type Rng } from '../../../src/lib/rng.js';

export class PowerLossIo implements StorageIo {
  private readonly durable = new Map<number, Buffer>();

  write(fd: number, buf: Uint8Array, position: number): Promise<void> {
    return nodeStorageIo.write(fd, buf, position);
  }

  zeroFill(fd: number, from: number, to: number): Promise<void> {
    return nodeStorageIo.zeroFill(fd, from, to);
  }

  async fdatasync(fd: number): Promise<void> {
    const { ino } = fs.fstatSync(fd);
    // The descriptor may be write-only; /proc/self/fd reopens the same file for reading.
    const content = fs.readFileSync(`/proc/self/fd/${fd}`);
    await nodeStorageIo.fdatasync(fd);
    this.durable.set(ino, content);
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
        const durable = this.durable.get(st.ino) ?? Buffer.alloc(0);
        // Bytes before the first difference are the same either way; the cut falls after it.
        let same = 0;
        while (same < content.length && same < durable.length && content[same] === durable[same]) same++;
        const cut = same + randomInt(rng, content.length - same + 1);
        const image = Buffer.concat([content.subarray(0, cut), durable.subarray(Math.min(cut, durable.length))]);
        const out = join(dst, relative(src, p));
        fs.mkdirSync(dirname(out), { recursive: true });
        fs.writeFileSync(out, image);
      }
    };
    fs.mkdirSync(dst, { recursive: true });
    walk(src);
  }
}
