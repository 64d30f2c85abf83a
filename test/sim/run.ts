// One simulated run (a seed): 3 or 5 SimServers over a SimNetwork, SimDisks that lose their
// unsynced tail on a crash, clients recording a history, and a fault schedule that cuts and heals
// partitions of every shape and crashes and restarts servers. Then everything heals, the cluster
// must converge, and the checks run:
//   online:  at most one leader per term; every server applies the same entry at each index, in
//            order (state machine safety)
//   after:   the cluster converged (liveness); the same committed prefix and the same FSM on all
//            servers; every acknowledged write is in every server's FSM; the client history is
//            linearizable (per-key register model).
// Every random choice comes from the seed, so a seed replays exactly.

import type { RaftConfiguration } from '../../src/raft/api.js';
import type { Entry, Message } from '../../src/raft/core/messages.js';
import { type KvEvent, checkKvHistory } from '../../src/lib/linearizability/index.js';
import type { Rng } from '../../src/lib/rng.js';
import { SimClock } from './clock.js';
import { type Mutation, mutationOptions } from './mutations.js';
import { type NetworkOptions, type PartitionShape, SimNetwork } from './network.js';
import { chance, forkRng, pick, uniform } from './random.js';
import { type ClientReply, type ClientRequest, SimServer } from './server.js';
import { Workload } from './workload.js';

export type ReadWorkload = 'consistent' | 'lease';

/** The read workload of a seed: fixed, or alternating by seed parity for "both". */
export function workloadOf(o: { workload: ReadWorkload | 'both' }, seed: number): ReadWorkload {
  return o.workload === 'both' ? (seed % 2 === 1 ? 'consistent' : 'lease') : o.workload;
}

export interface SimOptions {
  seed: number;
  ops: number;
  workload: ReadWorkload;
  mutation?: Mutation | null;
  /** Default true: partitions, crashes, loss, duplication, long delays. */
  faults?: boolean;
}

export interface SeedResult {
  seed: number;
  workload: ReadWorkload;
  servers: number;
  clients: number;
  violations: string[];
  /** The linearizability search ran out of budget on some key. */
  unknown: boolean;
  history: KvEvent[];
  stats: {
    virtualMs: number; events: number; ok: number; fail: number; info: number; crashes: number; partitions: number;
    leaders: number; messages: number; checkSteps: number;
  };
}

const TICK_MS = 50;

/** runSeed, with an exception (e.g. a core assertion) reported as a violation of the seed. */
export function runSeedSafe(o: SimOptions): SeedResult {
  try {
    return runSeed(o);
  } catch (err) {
    return {
      seed: o.seed, workload: o.workload, servers: 0, clients: 0, violations: [`t=0ms exception: ${String((err as Error)?.stack ?? err).split('\n').slice(0, 3).join(' | ')}`],
      unknown: false, history: [],
      stats: { virtualMs: 0, events: 0, ok: 0, fail: 0, info: 0, crashes: 0, partitions: 0, leaders: 0, messages: 0, checkSteps: 0 },
    };
  }
}

export function runSeed(o: SimOptions): SeedResult {
  const faults = o.faults ?? true;
  const rng = forkRng(o.seed, 'params');
  const n = chance(rng, 0.5) ? 3 : 5;
  const ids = Array.from({ length: n }, (_, i) => `s${i + 1}`);
  const clients = 3 + (rng.nextU32() % 8);
  const netOpts: NetworkOptions = faults
    ? {
        lossProbability: uniform(rng, 0, 0.15), duplicateProbability: uniform(rng, 0, 0.05),
        delayMsMin: uniform(rng, 0.2, 3), delayMsMean: uniform(rng, 0.5, 20),
        tailProbability: uniform(rng, 0, 0.02), tailMsMax: uniform(rng, 100, 1500),
      }
    : { lossProbability: 0, duplicateProbability: 0, delayMsMin: 0.5, delayMsMean: 2, tailProbability: 0, tailMsMax: 0 };
  // Per-server clock drift, well inside the lease bound (lease 10 ticks < election 20 ticks).
  const drift = new Map(ids.map((id) => [id, uniform(rng, -0.05, 0.05)]));
  const serverOpts = {
    tickMs: TICK_MS, fsyncMs: uniform(rng, 0.2, 8), snapshotEvery: 30 + (rng.nextU32() % 400),
    trailingLogs: rng.nextU32() % 50, entriesPerMessageMax: pick(rng, [1, 3, 8, 64]), inflightMessagesMax: pick(rng, [1, 4, 256]),
    ...mutationOptions(o.mutation ?? null),
  };
  // Targeted faults: a server may crash right after granting a vote or acknowledging entries,
  // the moments where durability matters most.
  const crashAfterAckProbability = faults ? pick(rng, [0, 0.002, 0.01, 0.03]) : 0;
  const configuration: RaftConfiguration = { servers: ids.map((id) => ({ id, address: id, suffrage: 'voter' as const })), index: 1 };

  const clock = new SimClock();
  const faultRng = forkRng(o.seed, 'faults');
  let faulting = faults;
  const violations: string[] = [];
  const violate = (s: string) => { if (violations.length < 20) violations.push(`t=${clock.now.toFixed(1)}ms ${s}`); };
  const leaderOfTerm = new Map<number, string>();
  const maxTermSent = new Map<string, number>();
  const votes = new Map<string, string>();
  const canonical = new Map<number, string>();
  const servers = new Map<string, SimServer>();

  const net = new SimNetwork<Message>(
    (d, fn) => clock.schedule(d, fn), forkRng(o.seed, 'net'), netOpts,
    (_from, to, m) => servers.get(to)?.receive(m),
    (m) => ({ ...m }),
  );
  const hooks = {
    schedule: (d: number, fn: () => void) => clock.schedule(d, fn),
    send: (from: string, to: string, m: Message) => {
      // Durability promises: a term a server has spoken in, and a vote it has granted, must
      // survive its crashes (pre-votes carry a future term and promise nothing).
      if (m.type !== 'MsgPreVote' && m.type !== 'MsgPreVoteResp') maxTermSent.set(from, Math.max(maxTermSent.get(from) ?? 0, m.term));
      if (m.type === 'MsgVoteResp' && !m.reject) {
        const prev = votes.get(`${from}@${m.term}`);
        if (prev !== undefined && prev !== to) violate(`double vote: ${from} voted for ${prev} and ${to} in term ${m.term}`);
        votes.set(`${from}@${m.term}`, to);
      }
      net.send(from, to, m);
      if (faulting && !m.reject && (m.type === 'MsgVoteResp' || m.type === 'MsgAppResp') && chance(faultRng, crashAfterAckProbability)) {
        clock.schedule(0, () => crashAndRestart(servers.get(from)!));
      }
    },
    onLeader: (id: string, term: number) => {
      const prev = leaderOfTerm.get(term);
      if (prev !== undefined && prev !== id) violate(`election safety: ${prev} and ${id} both leader in term ${term}`);
      leaderOfTerm.set(term, id);
      // Leader completeness: a new leader's log holds every entry any server has applied.
      const log = servers.get(id)!.core!.raft.log;
      for (const [index, d] of canonical) {
        const t = log.term(index);
        if (t !== null && t !== Number(d.slice(0, d.indexOf(':')))) {
          violate(`leader completeness: ${id} became leader of term ${term} with term ${t} at index ${index}, where ${d} was applied`);
          break;
        }
        if (t === null && index > log.lastIndex()) {
          violate(`leader completeness: ${id} became leader of term ${term} without applied index ${index} (last ${log.lastIndex()})`);
          break;
        }
      }
    },
    onApply: (id: string, e: Entry) => {
      const s = servers.get(id)!;
      if (e.index !== s.appliedIndex + 1) violate(`apply order: ${id} applied index ${e.index} after ${s.appliedIndex}`);
      const d = `${e.term}:${digest(e.data)}`;
      const prev = canonical.get(e.index);
      if (prev === undefined) canonical.set(e.index, d);
      else if (prev !== d) violate(`state machine safety: ${id} applied ${d} at index ${e.index}, another server applied ${prev}`);
    },
  };
  for (const id of ids) servers.set(id, new SimServer(id, configuration, serverOpts, hooks, o.seed));
  for (const s of servers.values()) {
    s.start();
    startTicking(s);
  }
  function startTicking(s: SimServer): void {
    const inc = s.incarnation;
    const period = TICK_MS * (1 + drift.get(s.id)!);
    const loop = () => {
      if (s.incarnation !== inc || !s.up) return;
      s.tick();
      clock.schedule(period, loop);
    };
    clock.schedule(uniform(rng, 0, period), loop);
  }

  // Clients reach servers over a reliable link with a small delay; a down server drops requests.
  const clientRng = forkRng(o.seed, 'clients');
  const workload = new Workload(
    { clients, ops: o.ops, keys: Math.max(1, Math.ceil(o.ops / 150)), readMode: o.workload, timeoutMs: 1500, thinkMsMax: 20 },
    ids,
    {
      schedule: (d, fn) => clock.schedule(d, fn),
      now: () => clock.now,
      request: (server: string, req: ClientRequest, reply: (r: ClientReply) => void) => {
        clock.schedule(uniform(clientRng, 0.1, 2), () => {
          const s = servers.get(server)!;
          // A crashed process refuses the connection: the client knows the request did not land.
          if (!s.up) return clock.schedule(uniform(clientRng, 0.1, 2), () => reply({ type: 'fail', reason: 'connection refused', leader: null }));
          s.handle(req, (r) => clock.schedule(uniform(clientRng, 0.1, 2), () => reply(r)));
        });
      },
    },
    clientRng,
  );
  workload.start();

  // Faults.
  let crashes = 0;
  let partitions = 0;
  const leader = (): string | null => {
    for (const s of servers.values()) if (s.up && s.core?.raft.role === 'leader') return s.id;
    return null;
  };
  function restart(s: SimServer): void {
    if (s.up) return;
    s.start();
    const term = s.core!.raft.term;
    const spoke = maxTermSent.get(s.id) ?? 0;
    if (term < spoke) violate(`durability: ${s.id} restarted at term ${term} after sending messages in term ${spoke}`);
    startTicking(s);
  }
  function crashAndRestart(s: SimServer): void {
    if (!s.up || !faulting) return;
    s.crash(faultRng, 0.5);
    crashes++;
    clock.schedule(uniform(faultRng, 50, 3000), () => restart(s));
  }
  const partitionLoop = () => {
    if (!faulting) return;
    const shape = pickShape(faultRng);
    const focus = chance(faultRng, 0.5) ? leader() ?? pick(faultRng, ids) : pick(faultRng, ids);
    net.partition(shape, ids, focus, faultRng);
    if (shape !== 'none') partitions++;
    clock.schedule(uniform(faultRng, 300, 4000), partitionLoop);
  };
  const crashLoop = () => {
    if (!faulting) return;
    const up = ids.filter((id) => servers.get(id)!.up);
    if (up.length > 0) {
      const target = chance(faultRng, 0.5) ? leader() ?? pick(faultRng, up) : pick(faultRng, up);
      crashAndRestart(servers.get(target)!);
    }
    clock.schedule(uniform(faultRng, 300, 5000), crashLoop);
  };
  if (faults) {
    clock.schedule(uniform(faultRng, 200, 2000), partitionLoop);
    clock.schedule(uniform(faultRng, 200, 3000), crashLoop);
  }

  // Phase 1: the workload under faults.
  const limit = 600_000 + o.ops * 200;
  clock.runUntil(limit, () => workload.invoked >= o.ops && workload.outstanding === 0);
  if (workload.invoked < o.ops || workload.outstanding > 0) violate(`liveness: workload did not finish (${workload.invoked}/${o.ops} invoked, ${workload.outstanding} outstanding)`);
  workload.stopped = true;

  // Phase 2: heal everything and let the cluster converge.
  faulting = false;
  net.heal();
  net.faulty = false;
  for (const s of servers.values()) restart(s);
  const deadline = clock.now + 60_000;
  while (clock.now < deadline && !converged(servers)) clock.runUntil(clock.now + 100);
  if (!converged(servers)) violate(`liveness: no convergence within 60 s after healing (${describe(servers)})`);
  else finalChecks(servers, workload.acked, violate);

  const check = checkKvHistory(workload.history, { budgetPerKey: 2_000_000, stopAtFirstIllegal: violations.length > 0 });
  if (check.verdict === 'illegal') {
    for (const p of check.problems.filter((x) => x.verdict === 'illegal').slice(0, 3)) {
      const op = p.stuckAt;
      violate(`linearizability: key ${p.key} is not linearizable${op ? ` (cannot place ${op.f} ${JSON.stringify(op.value)} by process ${op.process}, history event ${op.eventIndex})` : ''}`);
    }
  }
  const count = (t: string) => workload.history.filter((e) => e.type === t).length;
  return {
    seed: o.seed, workload: o.workload, servers: n, clients, violations, unknown: check.verdict === 'unknown', history: workload.history,
    stats: {
      virtualMs: Math.round(clock.now), events: clock.events, ok: count('ok'), fail: count('fail'), info: count('info'), crashes, partitions,
      leaders: leaderOfTerm.size, messages: net.sent, checkSteps: check.steps,
    },
  };
}

function pickShape(rng: Rng): PartitionShape {
  const r = rng.nextU32() % 100;
  if (r < 30) return 'none';
  if (r < 50) return 'isolate';
  if (r < 65) return 'split';
  if (r < 80) return 'bridge';
  if (r < 90) return 'one-way-out';
  return 'one-way-in';
}

function converged(servers: Map<string, SimServer>): boolean {
  let lead: SimServer | null = null;
  for (const s of servers.values()) {
    if (!s.up || !s.core) return false;
    if (s.core.raft.role === 'leader') lead = s;
  }
  if (!lead) return false;
  const r = lead.core!.raft;
  const last = r.log.lastIndex();
  if (r.log.term(r.log.committed) !== r.term || r.log.committed !== last) return false;
  for (const s of servers.values()) {
    const c = s.core!.raft;
    if (c.lead !== lead.id || c.log.committed !== last || s.appliedIndex !== last) return false;
  }
  return true;
}

function finalChecks(servers: Map<string, SimServer>, acked: readonly string[], violate: (s: string) => void): void {
  const list = [...servers.values()];
  const commit = list[0]!.core!.raft.log.committed;
  const terms = list.map((s) => s.storage.termsUpTo(commit));
  for (let i = 1; i < list.length; i++) {
    for (const [idx, t] of terms[i]!) {
      const t0 = terms[0]!.get(idx);
      if (t0 !== undefined && t0 !== t) violate(`committed prefix: differs at ${idx}, ${list[0]!.id} has term ${t0}, ${list[i]!.id} has ${t}`);
    }
  }
  const d0 = list[0]!.fsm.digest();
  for (const s of list.slice(1)) if (s.fsm.digest() !== d0) violate(`FSM state of ${s.id} differs from ${list[0]!.id}`);
  for (const s of list) {
    const missing = acked.filter((id) => !s.fsm.appliedIds.has(id));
    if (missing.length > 0) violate(`acknowledged write lost: ${s.id} lacks ${missing.length} (first ${missing[0]})`);
  }
}

function describe(servers: Map<string, SimServer>): string {
  return [...servers.values()].map((s) => {
    const r = s.core?.raft;
    return r ? `${s.id}:${r.role} t${r.term} c${r.log.committed} a${s.appliedIndex} l${r.log.lastIndex()}` : `${s.id}:down`;
  }).join(' ');
}

function digest(data: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i]!, 0x01000193);
  return `${data.length}/${(h >>> 0).toString(16)}`;
}
