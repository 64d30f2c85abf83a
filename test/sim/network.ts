// SimNetwork: seeded message delivery between servers with loss, delay (a long tail gives
// reordering), duplication and directed link cuts. Partitions are sets of cut links, so any
// shape (minority, majority, bridge, one-way) is a choice of cuts; they can change at any time,
// and a message in flight on a link cut before it lands is dropped.

import { type Rng } from '../../src/lib/rng.js';
import { chance, uniform } from './random.js';

export interface NetworkOptions {
  lossProbability: number;
  duplicateProbability: number;
  delayMsMin: number;
  /** Mean of the exponential part of the delay. */
  delayMsMean: number;
  /** Probability that a message takes a long detour (up to tailMsMax). */
  tailProbability: number;
  tailMsMax: number;
}

export const quietNetwork: NetworkOptions = {
  lossProbability: 0, duplicateProbability: 0, delayMsMin: 1, delayMsMean: 1, tailProbability: 0, tailMsMax: 0,
};

export type PartitionShape = 'none' | 'isolate' | 'split' | 'bridge' | 'one-way-out' | 'one-way-in';

export class SimNetwork<M> {
  private readonly cuts = new Set<string>();
  sent = 0;
  dropped = 0;
  /** When false, loss/duplication/tail are off (the convergence phase). */
  faulty = true;

  constructor(
    private readonly schedule: (delayMs: number, fn: () => void) => void,
    private readonly rng: Rng,
    private readonly opts: NetworkOptions,
    private readonly deliver: (from: string, to: string, msg: M) => void,
    private readonly clone: (msg: M) => M,
  ) {}

  send(from: string, to: string, msg: M): void {
    this.sent++;
    if (this.cuts.has(`${from}>${to}`) || (this.faulty && chance(this.rng, this.opts.lossProbability))) {
      this.dropped++;
      return;
    }
    const copies = this.faulty && chance(this.rng, this.opts.duplicateProbability) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const m = i === 0 ? msg : this.clone(msg);
      this.schedule(this.delay(), () => {
        if (this.cuts.has(`${from}>${to}`)) {
          this.dropped++;
          return;
        }
        this.deliver(from, to, m);
      });
    }
  }

  private delay(): number {
    const o = this.opts;
    if (this.faulty && chance(this.rng, o.tailProbability)) return uniform(this.rng, o.delayMsMin, Math.max(o.delayMsMin, o.tailMsMax));
    const u = (this.rng.nextU32() + 1) / 2 ** 32;
    return o.delayMsMin + -Math.log(u) * o.delayMsMean;
  }

  heal(): void {
    this.cuts.clear();
  }

  /** Replaces the cuts with `shape` over `ids`; `focus` is the node the shape centres on. */
  partition(shape: PartitionShape, ids: readonly string[], focus: string, rng: Rng): string {
    this.cuts.clear();
    const cutBoth = (a: readonly string[], b: readonly string[]) => {
      for (const x of a) for (const y of b) { this.cuts.add(`${x}>${y}`); this.cuts.add(`${y}>${x}`); }
    };
    const others = ids.filter((x) => x !== focus);
    switch (shape) {
      case 'none':
        return 'healed';
      case 'isolate':
        cutBoth([focus], others);
        return `isolate ${focus}`;
      case 'split': {
        const shuffled = shuffle(rng, ids);
        const small = shuffled.slice(0, Math.floor(ids.length / 2));
        cutBoth(small, shuffled.slice(small.length));
        return `split ${small.join(',')} | ${shuffled.slice(small.length).join(',')}`;
      }
      case 'bridge': {
        // focus talks to everyone; the rest are split in two halves that cannot talk.
        const rest = shuffle(rng, others);
        const a = rest.slice(0, Math.ceil(rest.length / 2));
        const b = rest.slice(a.length);
        cutBoth(a, b);
        return `bridge ${a.join(',')} | ${focus} | ${b.join(',')}`;
      }
      case 'one-way-out':
        for (const y of others) this.cuts.add(`${focus}>${y}`);
        return `${focus} cannot send`;
      case 'one-way-in':
        for (const y of others) this.cuts.add(`${y}>${focus}`);
        return `${focus} cannot receive`;
    }
  }
}

export function shuffle<T>(rng: Rng, xs: readonly T[]): T[] {
  const a = xs.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.nextU32() % (i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
