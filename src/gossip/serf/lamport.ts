// A Lamport clock (serf lamport.go). Values are uint64 in Go; here safe integers, far beyond any real use.
export class LamportClock {
  private counter: number;
  constructor(start = 0) {
    this.counter = start;
  }
  time(): number {
    return this.counter;
  }
  /** Returns the new value. */
  increment(): number {
    return ++this.counter;
  }
  /** Moves the clock past an observed time: afterwards time() > v. */
  witness(v: number): void {
    if (v < this.counter) return;
    this.counter = v + 1;
  }
}
