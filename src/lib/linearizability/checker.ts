// A linearizability checker in the style of Wing & Gong's search with Lowe's memo table, as
// Porcupine implements it: every operation becomes a call entry and a return entry in one
// time-ordered doubly linked list; the search linearizes the earliest call it can, unlinking its
// two entries, and backtracks when it meets the return of an operation it has not linearized.
// A memo of (set of linearized operations, model state) pairs prunes repeated configurations.
//
// Indeterminate operations (timed out, crashed) have `ret = Infinity` and a model step that
// accepts any outcome; linearizing one after everything else stands for "it never happened".
//
// Pure: no I/O, clock or randomness. The caller partitions the history (e.g. by key) and gives
// each partition a step budget; an exhausted budget answers "unknown", never "ok".

export interface Model<S, Op> {
  init(): S;
  /** Applies `op` to `state`: null when the operation's recorded output is impossible in `state`. */
  step(state: S, op: Op): { state: S } | null;
  /** Equality of states (for the memo table). */
  equal(a: S, b: S): boolean;
  /** A 32-bit hash consistent with `equal`. */
  hash(s: S): number;
}

export interface TimedOp {
  /** Invocation time. */
  call: number;
  /** Completion time; Infinity for an indeterminate operation. Must be >= call. */
  ret: number;
}

export type Verdict = 'ok' | 'illegal' | 'unknown';

export interface CheckResult {
  verdict: Verdict;
  /** Search steps used. */
  steps: number;
  /**
   * For 'illegal': the longest prefix of operations (indexes into the input) that could be
   * linearized, in linearization order, and the operations whose return was reached unlinearized.
   */
  longestPrefix: number[];
  stuckAt: number | null;
}

const CALL = 0;
const RET = 1;

/** Checks one partition (operations on one object). `budget` bounds the search steps. */
export function checkPartition<S, Op extends TimedOp>(model: Model<S, Op>, ops: readonly Op[], budget: number): CheckResult {
  const n = ops.length;
  if (n === 0) return { verdict: 'ok', steps: 0, longestPrefix: [], stuckAt: null };
  for (const o of ops) {
    if (!(o.ret >= o.call)) throw new RangeError(`operation returns (${o.ret}) before it is called (${o.call})`);
  }
  // Entries 0..2n-1: entry 2i is op i's call, 2i+1 its return. Sorted by time, calls before
  // returns at equal times (closed intervals overlap), then by input order for determinism.
  const order = new Int32Array(2 * n);
  for (let i = 0; i < 2 * n; i++) order[i] = i;
  const timeOf = (e: number) => (e & 1 ? ops[e >> 1]!.ret : ops[e >> 1]!.call);
  const sorted = Array.from(order).sort((a, b) => timeOf(a) - timeOf(b) || (a & 1) - (b & 1) || a - b);
  const HEAD = 2 * n;
  const next = new Int32Array(2 * n + 1).fill(-1);
  const prev = new Int32Array(2 * n + 1).fill(-1);
  let last = HEAD;
  for (const e of sorted) {
    next[last] = e;
    prev[e] = last;
    last = e;
  }
  const unlink = (e: number) => {
    next[prev[e]!] = next[e]!;
    if (next[e]! !== -1) prev[next[e]!] = prev[e]!;
  };
  const relink = (e: number) => {
    next[prev[e]!] = e;
    if (next[e]! !== -1) prev[next[e]!] = e;
  };
  const lift = (callEntry: number) => {
    unlink(callEntry);
    unlink(callEntry + 1);
  };
  // Undo in reverse order of unlinking.
  const unlift = (callEntry: number) => {
    relink(callEntry + 1);
    relink(callEntry);
  };

  const words = (n + 31) >>> 5;
  const bits = new Uint32Array(words);
  const memo = new Map<number, { bits: Uint32Array; state: S }[]>();
  const seen = (state: S): boolean => {
    let h = model.hash(state) ^ 0x811c9dc5;
    for (let i = 0; i < words; i++) h = Math.imul(h ^ bits[i]!, 0x01000193);
    h >>>= 0;
    const bucket = memo.get(h);
    if (bucket) {
      for (const c of bucket) {
        if (model.equal(c.state, state) && sameBits(c.bits, bits)) return true;
      }
      bucket.push({ bits: bits.slice(), state });
    } else {
      memo.set(h, [{ bits: bits.slice(), state }]);
    }
    return false;
  };

  const stack: { entry: number; state: S }[] = [];
  let longest: number[] = [];
  let stuckAt: number | null = null;
  let state = model.init();
  let entry = next[HEAD]!;
  let steps = 0;
  while (next[HEAD]! !== -1) {
    if (++steps > budget) return { verdict: 'unknown', steps, longestPrefix: [], stuckAt: null };
    if ((entry & 1) === CALL) {
      const i = entry >> 1;
      const r = model.step(state, ops[i]!);
      if (r !== null) {
        bits[i >>> 5]! |= 1 << (i & 31);
        if (!seen(r.state)) {
          stack.push({ entry, state });
          state = r.state;
          lift(entry);
          entry = next[HEAD]!;
          continue;
        }
        bits[i >>> 5]! &= ~(1 << (i & 31));
      }
      entry = next[entry]!;
    } else {
      // The return of an operation not yet linearized: this prefix fails.
      if (stack.length > longest.length) {
        longest = stack.map((s) => s.entry >> 1);
        stuckAt = entry >> 1;
      }
      const top = stack.pop();
      if (!top) return { verdict: 'illegal', steps, longestPrefix: longest, stuckAt: stuckAt ?? (entry >> 1) };
      const i = top.entry >> 1;
      state = top.state;
      bits[i >>> 5]! &= ~(1 << (i & 31));
      unlift(top.entry);
      entry = next[top.entry]!;
    }
  }
  void RET;
  return { verdict: 'ok', steps, longestPrefix: [], stuckAt: null };
}

function sameBits(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
