// SimClock: virtual time and the one event queue that drives a simulation. Events run in
// (time, insertion order); nothing is real-timed, so a seed replays exactly.

interface SimEvent {
  t: number;
  seq: number;
  fn: () => void;
}

export class SimClock {
  /** Virtual milliseconds since the start of the run. */
  now = 0;
  private seq = 0;
  private readonly heap: SimEvent[] = [];
  /** Events run so far (a cost measure). */
  events = 0;

  /** Runs `fn` after `delayMs` of virtual time (>= 0). */
  schedule(delayMs: number, fn: () => void): void {
    const e = { t: this.now + Math.max(0, delayMs), seq: this.seq++, fn };
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  /** Runs events until virtual time `until` or until `stop()` is true (checked between events). */
  runUntil(until: number, stop: () => boolean = () => false): void {
    const h = this.heap;
    while (h.length > 0 && h[0]!.t <= until) {
      if (stop()) return;
      const e = this.pop();
      this.now = e.t;
      this.events++;
      e.fn();
    }
    if (!stop()) this.now = Math.max(this.now, until);
  }

  private pop(): SimEvent {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.t < b.t || (a.t === b.t && a.seq < b.seq);
}
