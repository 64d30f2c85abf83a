// Small helpers over the seeded Rng.
import { type Rng, seededRng } from '../../src/lib/rng.js';

export function chance(rng: Rng, p: number): boolean {
  return p > 0 && rng.nextU32() / 2 ** 32 < p;
}

export function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (rng.nextU32() / 2 ** 32) * (hi - lo);
}

export function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.nextU32() % xs.length]!;
}

/** An independent stream for one subsystem, derived from the seed and a label. */
export function forkRng(seed: number, label: string): Rng {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return seededRng((h ^ Math.imul(seed, 0x9e3779b1)) >>> 0);
}
