// Linearizable reads without a log write (thesis §6.4, Consul's VerifyLeader): the callers of one
// event-loop turn share one ReadIndex round; once the core answers with a read index, they wait
// for the applied index to reach it. The driver feeds this queue and releases it after applies.

export interface ReadWaiter {
  resolve(): void;
  reject(e: Error): void;
}

export class ReadIndexQueue {
  /** Callers waiting for the next round to start. */
  private batch: ReadWaiter[] = [];
  /** Rounds started, keyed by their context, waiting for the core's answer. */
  private readonly rounds = new Map<string, { waiters: ReadWaiter[]; timer: NodeJS.Timeout }>();
  /** Rounds answered, waiting for the applied index to reach their read index. */
  private answered: { index: number; waiters: ReadWaiter[] }[] = [];
  private seq = 0;

  constructor(private readonly idPrefix: string) {}

  add(w: ReadWaiter): void {
    this.batch.push(w);
  }

  hasQueued(): boolean {
    return this.batch.length > 0;
  }

  /**
   * Starts one round for everything queued: returns its context for core.readIndex(), or null when
   * nothing is queued. `blocked` (no leader, shut down) rejects the queue instead. A round the core
   * never answers rejects with `timeout()` after `timeoutMs`.
   */
  startRound(blocked: Error | null, timeoutMs: number, timeout: () => Error): string | null {
    if (this.batch.length === 0) return null;
    const waiters = this.batch;
    this.batch = [];
    if (blocked) {
      for (const w of waiters) w.reject(blocked);
      return null;
    }
    const context = `${this.idPrefix}/${++this.seq}`;
    const timer = setTimeout(() => {
      const round = this.rounds.get(context);
      if (!round) return;
      this.rounds.delete(context);
      for (const w of round.waiters) w.reject(timeout());
    }, timeoutMs);
    timer.unref();
    this.rounds.set(context, { waiters, timer });
    return context;
  }

  /** The core's answer for a round: its reads may go once `index` is applied. */
  answer(index: number, context: string): void {
    const round = this.rounds.get(context);
    if (!round) return;
    clearTimeout(round.timer);
    this.rounds.delete(context);
    this.answered.push({ index, waiters: round.waiters });
  }

  /** Lets every answered round whose read index is applied go. */
  release(appliedIndex: number): void {
    if (this.answered.length === 0) return;
    const ready = this.answered.filter((r) => r.index <= appliedIndex);
    if (ready.length === 0) return;
    this.answered = this.answered.filter((r) => r.index > appliedIndex);
    for (const r of ready) for (const w of r.waiters) w.resolve();
  }

  /** Leadership was lost: rounds still waiting for the core can never be answered. */
  rejectRounds(err: Error): void {
    for (const round of this.rounds.values()) {
      clearTimeout(round.timer);
      for (const w of round.waiters) w.reject(err);
    }
    this.rounds.clear();
  }

  /** Shutdown or storage failure: everything rejects. */
  rejectAll(err: Error): void {
    for (const w of this.batch) w.reject(err);
    this.batch = [];
    this.rejectRounds(err);
    for (const r of this.answered) for (const w of r.waiters) w.reject(err);
    this.answered = [];
  }
}
