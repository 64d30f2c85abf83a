// A client workload against real agents' HTTP KV API that records a Jepsen-style history for the
// linearizability checker (src/lib/linearizability): writes, ?consistent reads and CAS over many
// keys from several concurrent workers, each request to a random live server, retried on errors.
//
// CAS is Consul's ?cas=<ModifyIndex>: a worker reads (value, index) with ?consistent, then puts
// with ?cas=index. Every written value is unique, so "index matches" is "value matches" and the
// operation is recorded as cas([read value, new value]) (?cas=0: the key must be absent = null).
// A request whose outcome is unknown (timeout, reset, 500 while committing) is recorded as `info`
// and its worker continues as a new process, as the checker requires.
//
// Separately, `unique` writes go to keys written once each: every acknowledged one must exist at
// the end (a direct check of "no acknowledged write is lost" that needs no search).

import type { KvEvent } from '../../../src/lib/linearizability/index.js';

export interface WorkloadOptions {
  /** Base URLs of the servers that are up right now (asked before each request). */
  bases: () => string[];
  prefix: string;
  keys: number;
  workers: number;
  /** Per-request timeout. */
  timeoutMs?: number;
  seed?: number;
}

type Outcome = { kind: 'ok'; status: number; text: string } | { kind: 'refused' } | { kind: 'unknown'; why: string };

export class KvWorkload {
  readonly events: KvEvent[] = [];
  /** Unique keys whose write was acknowledged. */
  readonly ackedUnique: string[] = [];
  acked = 0;
  indeterminate = 0;
  failedReads = 0;
  private stopping = false;
  /** The last request got no definite answer (error or 5xx): back off briefly. */
  private lastFailed = false;
  private running: Promise<void>[] = [];
  private rngState: number;
  private readonly t0 = performance.now();

  constructor(private readonly o: WorkloadOptions) {
    this.rngState = (o.seed ?? 1) >>> 0 || 1;
  }

  start(): void {
    for (let w = 0; w < this.o.workers; w++) this.running.push(this.worker(w));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.running);
  }

  key(i: number): string {
    return `${this.o.prefix}/k${i}`;
  }

  private rand(n: number): number {
    // xorshift32: deterministic choices; the timing of real processes is not.
    let x = this.rngState;
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    this.rngState = x;
    return x % n;
  }

  private now(): number {
    return performance.now() - this.t0;
  }

  private async request(method: string, path: string, body?: string): Promise<Outcome> {
    const bases = this.o.bases();
    if (bases.length === 0) return { kind: 'refused' };
    const base = bases[this.rand(bases.length)]!;
    this.lastFailed = true;
    try {
      const r = await fetch(base + path, { method, body, signal: AbortSignal.timeout(this.o.timeoutMs ?? 5000) });
      const text = await r.text();
      this.lastFailed = r.status >= 500;
      return { kind: 'ok', status: r.status, text };
    } catch (err) {
      const code = (err as { cause?: { code?: string } }).cause?.code;
      // Refused: the request never reached a server, so it had no effect.
      if (code === 'ECONNREFUSED') return { kind: 'refused' };
      return { kind: 'unknown', why: code ?? (err as Error).name };
    }
  }

  /** A ?consistent read recorded in the history; returns the value and ModifyIndex, or null on failure. */
  async read(process: string, key: string): Promise<{ value: string | null; index: number } | null> {
    this.events.push({ process, type: 'invoke', f: 'read', key, value: null, time: this.now() });
    const r = await this.request('GET', `/v1/kv/${key}?consistent`);
    const time = this.now();
    if (r.kind === 'ok' && r.status === 404) {
      this.events.push({ process, type: 'ok', f: 'read', key, value: null, time });
      return { value: null, index: 0 };
    }
    if (r.kind === 'ok' && r.status === 200) {
      const [e] = JSON.parse(r.text) as { Value: string | null; ModifyIndex: number }[];
      const value = e!.Value === null ? '' : Buffer.from(e!.Value, 'base64').toString('utf8');
      this.events.push({ process, type: 'ok', f: 'read', key, value, time });
      return { value, index: e!.ModifyIndex };
    }
    // A read has no effect, so a failed one is simply a failure.
    this.failedReads++;
    this.events.push({ process, type: 'fail', f: 'read', key, value: null, time });
    return null;
  }

  /** Records the end of a write or CAS; returns whether the process must be replaced (info). */
  private finishWrite(process: string, f: 'write' | 'cas', key: string, value: KvEvent['value'], r: Outcome): 'ok' | 'fail' | 'info' {
    const time = this.now();
    let type: 'ok' | 'fail' | 'info';
    if (r.kind === 'ok' && r.status === 200) type = r.text.trim() === 'true' ? 'ok' : 'fail';
    else if (r.kind === 'refused') type = 'fail';
    else type = 'info'; // 500 (leadership lost while committing), timeout or reset: may have applied
    this.events.push({ process, type, f, key, value, time });
    if (type === 'ok') this.acked++;
    if (type === 'info') this.indeterminate++;
    return type;
  }

  private async worker(w: number): Promise<void> {
    let gen = 0;
    let n = 0;
    let process = `${w}.${gen}`;
    while (!this.stopping) {
      const key = this.key(this.rand(this.o.keys));
      const dice = this.rand(10);
      let outcome: 'ok' | 'fail' | 'info' = 'ok';
      if (dice < 3) {
        await this.read(process, key);
      } else if (dice < 6) {
        const value = `w${w}-${++n}`;
        this.events.push({ process, type: 'invoke', f: 'write', key, value, time: this.now() });
        outcome = this.finishWrite(process, 'write', key, value, await this.request('PUT', `/v1/kv/${key}`, value));
      } else if (dice < 8) {
        const cur = await this.read(process, key);
        if (cur) {
          const value = `w${w}-${++n}`;
          const v: [string | null, string] = [cur.value, value];
          this.events.push({ process, type: 'invoke', f: 'cas', key, value: v, time: this.now() });
          outcome = this.finishWrite(process, 'cas', key, v, await this.request('PUT', `/v1/kv/${key}?cas=${cur.index}`, value));
        }
      } else {
        const ukey = `${this.o.prefix}/u/${w}-${++n}`;
        const r = await this.request('PUT', `/v1/kv/${ukey}`, 'x');
        if (r.kind === 'ok' && r.status === 200 && r.text.trim() === 'true') {
          this.ackedUnique.push(ukey);
          this.acked++;
        }
      }
      if (outcome === 'info') process = `${w}.${++gen}`;
      // While there is no leader (or no server), retry after a pause instead of spinning.
      if (this.lastFailed || this.o.bases().length === 0) await new Promise((r) => setTimeout(r, 25));
    }
  }
}
