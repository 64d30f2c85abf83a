// Seeded randomness for cores and the simulator; crypto randomness for IDs.
import { randomFillSync } from 'node:crypto';

export interface Rng {
  /** Uniform 32-bit unsigned integer. */
  nextU32(): number;
}

/** Returns an integer in [0, n). */
export function randomInt(rng: Rng, n: number): number {
  return n <= 0 ? 0 : rng.nextU32() % n;
}

/** xorshift128+-style seeded generator (sfc32), small and fast; deterministic for a seed. */
export function seededRng(seed: number): Rng {
  let a = 0x9e3779b9 ^ seed;
  let b = 0x243f6a88 ^ (seed * 31);
  let c = 0xb7e15162 ^ (seed * 17);
  let d = 1;
  const next = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) next();
  return { nextU32: next };
}

// Crypto randomness drawn 4 KiB at a time, as node's randomUUID does: one call into the CSPRNG per
// 1,024 numbers rather than per number (gossip draws several every 200 ms, on every agent).
const POOL = Buffer.alloc(4096);
let poolAt = POOL.length;

export const systemRng: Rng = {
  nextU32: () => {
    if (poolAt === POOL.length) {
      randomFillSync(POOL);
      poolAt = 0;
    }
    const v = POOL.readUInt32LE(poolAt);
    poolAt += 4;
    return v;
  },
};
