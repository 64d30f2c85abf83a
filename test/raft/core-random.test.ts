// Seeded random schedules over a 5-node core cluster: message loss, duplication and reordering,
// partitions, crashes with restart from what was persisted, snapshots with log compaction. After every step the Raft safety
// properties must hold; after healing, every node must converge (liveness).
//   election safety: at most one leader per term
//   state machine safety: every node applies the same entry at each index (applied logs are
//     prefixes of one another), and a committed entry never changes
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRng, randomInt, type Rng } from '../../src/lib/rng.js';
import { CoreCluster, bytes } from './support/core-cluster.js';

const IDS = ['1', '2', '3', '4', '5'];
const SEEDS = Number(process.env.RAFT_SIM_SEEDS ?? 30);
const STEPS = 3000;

function chance(rng: Rng, p: number): boolean {
  return rng.nextU32() / 2 ** 32 < p;
}

function runSeed(seed: number): void {
  const rng = seededRng(seed);
  const c = new CoreCluster(IDS, { seed, electionTicks: 10, heartbeatTicks: 2 });
  const leaderOfTerm = new Map<number, string>();
  const committed = new Map<number, string>(); // index -> "term:data"
  let proposals = 0;
  const check = (where: string) => {
    for (const n of c.nodes.values()) {
      const r = n.node.raft;
      if (r.role === 'leader') {
        const prev = leaderOfTerm.get(r.term);
        assert.ok(prev === undefined || prev === n.id, `seed ${seed} ${where}: two leaders in term ${r.term}: ${prev} and ${n.id}`);
        leaderOfTerm.set(r.term, n.id);
      }
      for (const e of n.applied) {
        const key = `${e.term}:${new TextDecoder().decode(e.data)}`;
        const prev = committed.get(e.index);
        assert.ok(prev === undefined || prev === key, `seed ${seed} ${where}: node ${n.id} applied ${key} at ${e.index}, another applied ${prev}`);
        committed.set(e.index, key);
      }
    }
  };
  for (let step = 0; step < STEPS; step++) {
    const roll = rng.nextU32() % 100;
    if (roll < 30) {
      c.get(IDS[randomInt(rng, IDS.length)]!).node.tick();
    } else if (roll < 80) {
      if (c.queue.length > 0) {
        const pos = randomInt(rng, Math.min(c.queue.length, 4)); // mild reordering
        if (chance(rng, 0.1)) c.queue.splice(pos, 1); // loss
        else {
          if (chance(rng, 0.02)) c.queue.push(structuredClone(c.queue[pos]!)); // duplication
          c.deliverAt(pos);
        }
      }
    } else if (roll < 92) {
      for (const id of c.leaders()) {
        const out = c.get(id).node.propose([bytes(`s${seed}-${proposals++}`)]);
        assert.ok(out.accepted);
      }
    } else if (roll < 95) {
      if (chance(rng, 0.5)) c.heal();
      else {
        const shuffled = [...IDS].sort(() => (rng.nextU32() & 1) - 0.5);
        const k = 1 + randomInt(rng, 2);
        c.heal();
        c.partition(shuffled.slice(0, k), shuffled.slice(k));
      }
    } else if (roll < 96) {
      c.restart(IDS[randomInt(rng, IDS.length)]!);
    } else if (roll < 98) {
      // Snapshot and compact (sometimes with no trailing entries), so lagging or restarted
      // followers must be caught up with InstallSnapshot.
      c.snapshotAndCompact(IDS[randomInt(rng, IDS.length)]!, randomInt(rng, 2) === 0 ? 0 : randomInt(rng, 10));
    }
    c.processReadies();
    check(`step ${step}`);
  }
  // Liveness: heal everything, deliver reliably; everyone converges on one log.
  c.heal();
  for (let round = 0; round < 300; round++) {
    c.tickAll(1);
    const ls = c.leaders();
    if (ls.length === 1) {
      const lead = c.get(ls[0]!).node.raft;
      if ([...c.nodes.values()].every((n) => n.node.raft.log.committed === lead.log.committed && n.node.raft.log.lastIndex() === lead.log.lastIndex())) break;
    }
  }
  check('after healing');
  const leaders = c.leaders();
  assert.equal(leaders.length, 1, `seed ${seed}: one leader after healing`);
  const want = c.get(leaders[0]!).node.raft.log.committed;
  for (const n of c.nodes.values()) assert.equal(n.node.raft.log.committed, want, `seed ${seed}: node ${n.id} converged`);
}

test(`random schedules with loss, reordering, partitions and restarts keep Raft's safety properties (${SEEDS} seeds)`, () => {
  for (let seed = 1; seed <= SEEDS; seed++) runSeed(seed);
});
