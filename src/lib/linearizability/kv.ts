// A key-value history as Jepsen records it, and its check: one register per key with read,
// write and compare-and-set, partitioned by key (registers are independent, so the history is
// linearizable iff every key's sub-history is: Herlihy & Wing's locality).
//
// Event lines: {"process":P,"type":"invoke|ok|fail|info","f":"read|write|cas","key":K,"value":V,"time":T}
//   - read: invoke value null; ok value = what was read (null = absent).
//   - write: value = the written value.
//   - cas: value = [expected, new]; ok = swapped. A cas that found another value is "fail"
//     (Jepsen's convention: it had no effect), as is any operation known not to have happened.
//   - info: outcome unknown; the operation may or may not have taken effect, at any time after
//     its invocation. A process with an indeterminate operation must not invoke another.

import { type CheckResult, type Model, type TimedOp, type Verdict, checkPartition } from './checker.js';

export type KvValue = string | number | null;
export type KvFunction = 'read' | 'write' | 'cas';
export type EventType = 'invoke' | 'ok' | 'fail' | 'info';

export interface KvEvent {
  process: number | string;
  type: EventType;
  f: KvFunction;
  key: string;
  value: KvValue | [KvValue, KvValue];
  time: number;
}

export interface KvOp extends TimedOp {
  process: number | string;
  f: KvFunction;
  key: string;
  /** write: the value; cas: [expected, new]; read: the value read (definite reads only). */
  value: KvValue | [KvValue, KvValue];
  /** The outcome is unknown (info / never completed). */
  indeterminate: boolean;
  /** Position of the invocation in the event list. */
  eventIndex: number;
}

/** The register model: state is the current value (null = absent). */
export const registerModel: Model<KvValue, KvOp> = {
  init: () => null,
  step(state, op) {
    switch (op.f) {
      case 'read':
        return op.indeterminate || op.value === state ? { state } : null;
      case 'write':
        return { state: op.value as KvValue };
      case 'cas': {
        const [expected, next] = op.value as [KvValue, KvValue];
        if (state === expected) return { state: next };
        // A definite cas succeeded, so the value must have matched; an indeterminate one that did
        // run found another value and changed nothing.
        return op.indeterminate ? { state } : null;
      }
    }
  },
  equal: (a, b) => a === b,
  hash(s) {
    const str = s === null ? '\u0000null' : typeof s === 'number' ? `n${s}` : `s${s}`;
    let h = 0x811c9dc5;
    for (let i = 0; i < str.length; i++) h = Math.imul(h ^ str.charCodeAt(i), 0x01000193);
    return h >>> 0;
  },
};

/**
 * Pairs invocations with completions per process. Events are taken in list order; `time` orders
 * them and list position breaks ties (a simulator records events in the order they happened).
 * Throws RangeError on a malformed history (a completion without an invocation, an invocation
 * while the process has one outstanding, mismatched f/key).
 */
export function kvOperations(events: readonly KvEvent[]): KvOp[] {
  const open = new Map<number | string, KvOp>();
  const out: KvOp[] = [];
  // Times become ranks so that equal times keep list order.
  const rank = events.map((e, i) => ({ t: e.time, i })).sort((a, b) => a.t - b.t || a.i - b.i);
  const pos = new Array<number>(events.length);
  rank.forEach((r, k) => { pos[r.i] = k; });
  events.forEach((e, i) => {
    const where = `event ${i} (process ${String(e.process)})`;
    if (e.f !== 'read' && e.f !== 'write' && e.f !== 'cas') throw new RangeError(`${where}: unknown f ${String(e.f)}`);
    if (e.type === 'invoke') {
      if (open.has(e.process)) throw new RangeError(`${where}: invoked while another operation is outstanding`);
      if (e.f === 'cas' && !(Array.isArray(e.value) && e.value.length === 2)) throw new RangeError(`${where}: cas value must be [expected, new]`);
      const op: KvOp = { process: e.process, f: e.f, key: String(e.key), value: e.value, call: pos[i]!, ret: Infinity, indeterminate: true, eventIndex: i };
      open.set(e.process, op);
      out.push(op);
      return;
    }
    const op = open.get(e.process);
    if (!op) throw new RangeError(`${where}: ${e.type} without an invocation`);
    if (op.f !== e.f || op.key !== String(e.key)) throw new RangeError(`${where}: completion does not match its invocation`);
    open.delete(e.process);
    if (e.type === 'ok') {
      op.ret = pos[i]!;
      op.indeterminate = false;
      if (op.f === 'read') op.value = e.value as KvValue;
    } else if (e.type === 'fail') {
      op.ret = -1; // dropped below
    } else if (e.type !== 'info') {
      throw new RangeError(`${where}: unknown type ${String(e.type)}`);
    }
  });
  // Failed ops never happened; indeterminate reads constrain nothing.
  return pruneUnobserved(out.filter((o) => o.ret !== -1 && !(o.f === 'read' && o.indeterminate)));
}

/**
 * Drops indeterminate writes and cas whose new value nobody observed (no read returned it, no
 * cas expected it) on that key. Such an operation can always be linearized as "never happened"
 * (after everything else), and taking effect earlier could only make a later read or cas fail,
 * so removing it changes no verdict; it keeps timed-out operations from multiplying the search.
 */
function pruneUnobserved(ops: KvOp[]): KvOp[] {
  const observed = new Set<string>();
  const k = (key: string, v: KvValue) => `${key}\u0000${typeof v}\u0000${String(v)}`;
  for (const o of ops) {
    if (o.f === 'read') observed.add(k(o.key, o.value as KvValue));
    else if (o.f === 'cas') observed.add(k(o.key, (o.value as [KvValue, KvValue])[0]));
  }
  return ops.filter((o) => {
    if (!o.indeterminate || o.f === 'read') return true;
    const written = o.f === 'write' ? (o.value as KvValue) : (o.value as [KvValue, KvValue])[1];
    return observed.has(k(o.key, written));
  });
}

export interface KvCheckResult {
  verdict: Verdict;
  /** Per key, only keys that are not 'ok'. */
  problems: { key: string; verdict: Verdict; steps: number; stuckAt: KvOp | null }[];
  keys: number;
  ops: number;
  steps: number;
}

/**
 * Checks a KV history. `budgetPerKey` bounds each key's search (default 2,000,000 steps);
 * `stopAtFirstIllegal` skips the remaining keys once one is illegal. The verdict is 'illegal' if any key is, else 'unknown' if any key ran out of budget, else 'ok'.
 */
export function checkKvHistory(events: readonly KvEvent[], opts: { budgetPerKey?: number; stopAtFirstIllegal?: boolean } = {}): KvCheckResult {
  const ops = kvOperations(events);
  const byKey = new Map<string, KvOp[]>();
  for (const o of ops) {
    let l = byKey.get(o.key);
    if (!l) byKey.set(o.key, (l = []));
    l.push(o);
  }
  const problems: KvCheckResult['problems'] = [];
  let steps = 0;
  for (const [key, kops] of [...byKey].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const r: CheckResult = checkPartition(registerModel, kops, opts.budgetPerKey ?? 2_000_000);
    steps += r.steps;
    if (r.verdict !== 'ok') problems.push({ key, verdict: r.verdict, steps: r.steps, stuckAt: r.stuckAt === null ? null : kops[r.stuckAt]! });
    if (r.verdict === 'illegal' && opts.stopAtFirstIllegal) break;
  }
  const verdict: Verdict = problems.some((p) => p.verdict === 'illegal') ? 'illegal' : problems.length > 0 ? 'unknown' : 'ok';
  return { verdict, problems, keys: byKey.size, ops: ops.length, steps };
}

/** Parses JSON-lines history text (blank lines ignored). Throws RangeError naming the bad line. */
export function parseKvHistory(text: string): KvEvent[] {
  const out: KvEvent[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw new RangeError(`history line ${i + 1}: not JSON`);
    }
    const e = v as KvEvent;
    if (typeof e !== 'object' || e === null || typeof e.time !== 'number' || typeof e.type !== 'string' || typeof e.f !== 'string' || e.key === undefined) {
      throw new RangeError(`history line ${i + 1}: expected {process,type,f,key,value,time}`);
    }
    out.push(e);
  });
  return out;
}
