// Lifeguard pieces: the local health score (awareness.go) and the suspicion timer whose timeout shrinks as
// independent peers confirm the suspicion (suspicion.go).

/** Local health: 0 is healthy; each point stretches probe intervals by one more probe interval. */
export class Awareness {
  private score = 0;
  constructor(private readonly max: number) {}

  applyDelta(delta: number): void {
    this.score = Math.min(this.max - 1, Math.max(0, this.score + delta));
  }

  healthScore(): number {
    return this.score;
  }

  scaleTimeout(ms: number): number {
    return ms * (this.score + 1);
  }
}

/**
 * remainingSuspicionTime: the timeout falls from max toward min as log(n+1)/log(k+1) of the k expected
 * confirmations arrive; `elapsed` since the suspicion started is subtracted.
 */
export function remainingSuspicionTime(n: number, k: number, elapsedMs: number, minMs: number, maxMs: number): number {
  const frac = Math.log(n + 1) / Math.log(k + 1);
  const raw = maxMs / 1000 - frac * (maxMs / 1000 - minMs / 1000);
  let timeout = Math.floor(1000 * raw);
  if (timeout < minMs) timeout = minMs;
  return timeout - elapsedMs;
}

/** One member's suspicion: when it started, who confirmed it, when it fires. Pure: the owner arms the timer. */
export class Suspicion {
  private n = 0;
  private readonly confirmations = new Set<string>();
  /** Absolute time at which the suspicion times out. */
  deadline: number;

  constructor(
    from: string,
    readonly k: number,
    readonly minMs: number,
    readonly maxMs: number,
    readonly start: number,
    /** StateChange of the member when it became suspect: the timeout only applies if it is unchanged. */
    readonly stateChange: number,
  ) {
    this.confirmations.add(from);
    this.deadline = start + (k < 1 ? minMs : maxMs);
  }

  confirmationCount(): number {
    return this.n;
  }

  /** Records a confirmation from a new peer; returns true if it was new (then re-gossip and re-arm). */
  confirm(now: number, from: string): boolean {
    if (this.n >= this.k) return false;
    if (this.confirmations.has(from)) return false;
    this.confirmations.add(from);
    this.n++;
    const remaining = remainingSuspicionTime(this.n, this.k, now - this.start, this.minMs, this.maxMs);
    this.deadline = now + Math.max(0, remaining);
    return true;
  }
}
