// Length-prefixed frames: a 4-byte big-endian length, then that many bytes of msgpack.
// The decoder is incremental and bounded: a length past the cap is a protocol error, never an allocation.
import { Packr } from 'msgpackr';

export const FRAME_BYTES_MAX = 64 * 1024 * 1024;
const HEADER = 4;

export const packr = new Packr({ useRecords: false, int64AsType: 'bigint', moreTypes: false });

export class FrameError extends Error {
  override name = 'FrameError';
}

export function encodeFrame(value: unknown): Buffer {
  const body = packr.pack(value);
  if (body.length > FRAME_BYTES_MAX) throw new FrameError(`frame of ${body.length} bytes exceeds ${FRAME_BYTES_MAX}`);
  const out = Buffer.allocUnsafe(HEADER + body.length);
  out.writeUInt32BE(body.length, 0);
  body.copy(out, HEADER);
  return out;
}

export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxBytes = FRAME_BYTES_MAX) {}

  /** Feeds bytes; returns every complete decoded frame. Throws FrameError on a bad frame. */
  push(chunk: Buffer): unknown[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: unknown[] = [];
    for (;;) {
      if (this.buffered < HEADER) break;
      const head = this.peek(HEADER);
      const len = head.readUInt32BE(0);
      if (len > this.maxBytes) throw new FrameError(`frame length ${len} exceeds ${this.maxBytes}`);
      if (this.buffered < HEADER + len) break;
      const frame = this.take(HEADER + len).subarray(HEADER);
      try {
        out.push(packr.unpack(frame));
      } catch (err) {
        throw new FrameError(`undecodable frame: ${(err as Error).message}`);
      }
    }
    return out;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length >= n) return this.chunks[0]!;
    const all = Buffer.concat(this.chunks);
    this.chunks = [all];
    return all;
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const head = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return head;
  }
}
