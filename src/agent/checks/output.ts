// Bounded capture of check output: a ring that keeps the last `max` bytes of a stream and counts the
// whole, so a check that prints megabytes costs at most `max` bytes of memory.
export class TailBuffer {
  private chunks: Buffer[] = [];
  private held = 0;
  total = 0;

  constructor(readonly max: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.max <= 0) return;
    if (chunk.length >= this.max) {
      this.chunks = [chunk.subarray(chunk.length - this.max)];
      this.held = this.max;
      return;
    }
    this.chunks.push(chunk);
    this.held += chunk.length;
    while (this.held - this.chunks[0]!.length >= this.max) this.held -= this.chunks.shift()!.length;
  }

  /** The kept bytes (the last `max` of the stream). */
  bytes(): Buffer {
    const all = Buffer.concat(this.chunks, this.held);
    return all.length > this.max ? all.subarray(all.length - this.max) : all;
  }

  text(): string {
    return this.bytes().toString('utf8');
  }

  /** Script and docker output: the tail, behind "Captured N of M bytes" when something was dropped. */
  captured(): string {
    const kept = this.bytes();
    const out = kept.toString('utf8');
    return this.total > kept.length ? `Captured ${kept.length} of ${this.total} bytes\n...\n${out}` : out;
  }
}
