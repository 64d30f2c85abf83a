// A trivial replicated state machine for driver tests: counts commands and folds their bytes
// into a running CRC, so two FSMs are equal iff they applied the same commands in order.
import { pack, unpack } from 'msgpackr';
import { crc32c } from '../../../src/lib/crc32c.js';
import type { StateMachine } from '../../../src/raft/api.js';

export class CountingFsm implements StateMachine {
  count = 0;
  digest = 0;
  lastIndex = 0;
  restores = 0;
  /** Every applied (index, command) since the last restore. */
  readonly applied: { index: number; data: string }[] = [];

  apply(index: number, _term: number, data: Uint8Array): unknown {
    if (index <= this.lastIndex) throw new Error(`apply out of order: ${index} after ${this.lastIndex}`);
    this.lastIndex = index;
    this.count++;
    this.digest = crc32c(data, this.digest);
    this.applied.push({ index, data: new TextDecoder().decode(data) });
    return this.count;
  }

  snapshot(): Uint8Array {
    return pack({ count: this.count, digest: this.digest, lastIndex: this.lastIndex });
  }

  restore(data: Uint8Array, index: number): void {
    const s = unpack(data) as { count: number; digest: number; lastIndex: number };
    this.count = s.count;
    this.digest = s.digest;
    this.lastIndex = index;
    this.restores++;
    this.applied.length = 0;
  }
}
