// Clients: each runs one operation at a time (read, write or cas on one of many keys) against
// the server it believes is the leader, and records a Jepsen-style history. A request or its
// reply may be lost (server down); a client that hears nothing within its timeout records
// "info" and continues as a new process, as Knossos requires. Clients never retry a write.

import type { KvEvent, KvValue } from '../../src/lib/linearizability/index.js';
import type { Rng } from '../../src/lib/rng.js';
import { pick, uniform } from './random.js';
import type { ClientReply, ClientRequest } from './server.js';

export interface WorkloadOptions {
  clients: number;
  ops: number;
  keys: number;
  readMode: 'consistent' | 'lease';
  timeoutMs: number;
  thinkMsMax: number;
}

export interface ClientTransport {
  schedule(delayMs: number, fn: () => void): void;
  now(): number;
  /** Delivers `req` to `server` (or drops it if the server is down) and routes its reply back. */
  request(server: string, req: ClientRequest, reply: (r: ClientReply) => void): void;
}

export class Workload {
  readonly history: KvEvent[] = [];
  invoked = 0;
  outstanding = 0;
  private nextProcess = 0;
  private valueSeq = 0;
  /** Recently written values per key, so cas often has a chance to succeed. */
  private readonly recent = new Map<string, KvValue[]>();
  /** Acknowledged writes/cas (command IDs) for the durability check. */
  readonly acked: string[] = [];
  stopped = false;

  constructor(
    private readonly opts: WorkloadOptions,
    private readonly servers: readonly string[],
    private readonly net: ClientTransport,
    private readonly rng: Rng,
  ) {}

  start(): void {
    for (let c = 0; c < this.opts.clients; c++) {
      const client = { process: this.nextProcess++, leader: pick(this.rng, this.servers) };
      this.net.schedule(uniform(this.rng, 0, 50), () => this.issue(client));
    }
  }

  private record(process: number, type: KvEvent['type'], f: KvEvent['f'], key: string, value: KvEvent['value']): void {
    this.history.push({ process, type, f, key, value, time: this.net.now() });
  }

  private issue(client: { process: number; leader: string }): void {
    if (this.stopped || this.invoked >= this.opts.ops) return;
    this.invoked++;
    this.outstanding++;
    const key = `k${this.rng.nextU32() % this.opts.keys}`;
    const roll = this.rng.nextU32() % 100;
    let req: ClientRequest;
    const id = `c${client.process}-${this.invoked}`;
    if (roll < 45) {
      req = { f: 'read', key, mode: this.opts.readMode };
      this.record(client.process, 'invoke', 'read', key, null);
    } else if (roll < 80) {
      const value = ++this.valueSeq;
      req = { f: 'write', key, value, id };
      this.record(client.process, 'invoke', 'write', key, value);
    } else {
      const seen = this.recent.get(key) ?? [];
      const expected = seen.length > 0 && this.rng.nextU32() % 8 !== 0 ? pick(this.rng, seen) : null;
      const value = ++this.valueSeq;
      req = { f: 'cas', key, expected, value, id };
      this.record(client.process, 'invoke', 'cas', key, [expected, value]);
    }
    let done = false;
    const complete = (r: ClientReply | null) => {
      if (done) return;
      done = true;
      this.outstanding--;
      const invokeValue = req.f === 'cas' ? [req.expected, req.value] as [KvValue, KvValue] : req.f === 'write' ? req.value : null;
      if (r === null || r.type === 'info') {
        this.record(client.process, 'info', req.f, key, invokeValue);
        client.process = this.nextProcess++; // an indeterminate op ends the process
        client.leader = pick(this.rng, this.servers);
      } else if (r.type === 'ok') {
        this.record(client.process, 'ok', req.f, key, req.f === 'read' ? (r.value ?? null) : invokeValue);
        if (req.f !== 'read') {
          this.acked.push(req.id);
          this.remember(key, req.value);
        } else if (r.value !== undefined && r.value !== null) {
          this.remember(key, r.value);
        }
      } else {
        this.record(client.process, 'fail', req.f, key, invokeValue);
        if (r.reason !== 'cas mismatch') client.leader = r.leader ?? pick(this.rng, this.servers);
      }
      const pause = r?.type === 'fail' && r.reason !== 'cas mismatch' ? uniform(this.rng, 100, 500) : uniform(this.rng, 0, this.opts.thinkMsMax);
      this.net.schedule(pause, () => this.issue(client));
    };
    // Like a client library following leader hints: a request a server refused outright (not the
    // leader, no lease) is sent again to the hinted or another server, within the same timeout.
    let attempts = 0;
    let inFlight = false;
    const attempt = () => {
      if (done) return;
      attempts++;
      inFlight = true;
      this.net.request(client.leader, req, (r) => {
        inFlight = false;
        if (done) return;
        if (r.type === 'fail' && r.reason !== 'cas mismatch' && attempts < 10) {
          client.leader = r.leader ?? pick(this.rng, this.servers.filter((s) => s !== client.leader));
          this.net.schedule(r.leader ? 0 : uniform(this.rng, 20, 100), attempt);
          return;
        }
        complete(r);
      });
    };
    this.net.schedule(this.opts.timeoutMs, () => complete(inFlight ? null : { type: 'fail', reason: 'timeout between attempts', leader: null }));
    attempt();
  }

  private remember(key: string, v: KvValue): void {
    let l = this.recent.get(key);
    if (!l) this.recent.set(key, (l = []));
    l.push(v);
    if (l.length > 4) l.shift();
  }
}
