// Gossip convergence in the deterministic simulator (issue #4): for 100 and 1,000 members with Consul's LAN
// defaults, how long (simulated) until a crashed member is known failed by every other member, and until a
// new member's join is known by all. Run: npm run bench:gossip [-- sizes=100,1000 seeds=3 loss=0]
import { SimCluster, type SimNode } from '../test/gossip/sim.js';
import { suspicionTimeoutMs } from '../src/gossip/swim/config.js';

const args = new Map(process.argv.slice(2).map((a) => a.split('=') as [string, string]));
const sizes = (args.get('sizes') ?? '100,1000').split(',').map(Number);
const seeds = Number(args.get('seeds') ?? 3);
const loss = Number(args.get('loss') ?? 0);

function settled(n: number, seed: number): SimCluster {
  const sim = new SimCluster({ seed, lossProbability: loss, delayMsMin: 1, delayMsMean: 3 });
  for (let i = 0; i < n; i++) sim.addNode({ role: 'node' });
  sim.seedFullMembership();
  sim.runFor(5_000);
  return sim;
}

function knownBy(sim: SimCluster, subject: SimNode, status: string): number {
  let k = 0;
  for (const v of sim.nodes) if (v !== subject && v.up && sim.statusOf(v, subject) === status) k++;
  return k;
}

function measure(n: number, seed: number) {
  const sim = settled(n, seed);
  const others = n - 1;
  // Failure: crash one member, time until every other member has it failed (serf's member-failed).
  const victim = sim.nodes[Math.floor(n / 2)]!;
  const t0 = sim.now;
  sim.crash(victim);
  let firstSuspect = -1;
  const failedAll = sim.runUntil(() => {
    if (firstSuspect < 0 && sim.nodes.some((v) => v.core.swim.member(victim.name)?.state === 'suspect')) firstSuspect = sim.now - t0;
    return knownBy(sim, victim, 'failed') >= others;
  }, 600_000, 100);
  const failMs = sim.now - t0;
  // Join: a new member joins through one existing member; time until all members list it alive.
  const newcomer = sim.addNode({ role: 'node' });
  const t1 = sim.now;
  void sim.join(newcomer, [sim.nodes[0]!]);
  const joinedAll = sim.runUntil(() => knownBy(sim, newcomer, 'alive') === n - 1, 600_000, 50);
  const joinMs = sim.now - t1;
  return { failMs: failedAll ? failMs : NaN, firstSuspect, joinMs: joinedAll ? joinMs : NaN, packets: sim.packetsSent };
}

const fmt = (ms: number) => (Number.isNaN(ms) ? 'timeout' : `${(ms / 1000).toFixed(1)} s`);
console.log(`gossip convergence (simulated time; LAN defaults: probe 1 s, timeout 500 ms, gossip 200 ms x3, suspicion mult 4, retransmit mult 4; loss ${loss * 100}%)`);
for (const n of sizes) {
  const rows: ReturnType<typeof measure>[] = [];
  const wall = Date.now();
  for (let s = 1; s <= seeds; s++) rows.push(measure(n, s));
  const avg = (f: (r: (typeof rows)[number]) => number) => rows.reduce((a, r) => a + f(r), 0) / rows.length;
  const min = suspicionTimeoutMs(4, n, 1000);
  console.log(
    `n=${n}: failure known by all ${rows.map((r) => fmt(r.failMs)).join(' / ')} (avg ${fmt(avg((r) => r.failMs))}; ` +
      `first suspicion avg ${fmt(avg((r) => r.firstSuspect))}); join known by all ${rows.map((r) => fmt(r.joinMs)).join(' / ')} ` +
      `(avg ${fmt(avg((r) => r.joinMs))}) [${((Date.now() - wall) / 1000).toFixed(1)} s wall]`,
  );
  console.log(
    `   memberlist's own bounds for n=${n}: suspicion timeout ${min / 1000} s (all ${4 - 2} confirmations) .. ${(6 * min) / 1000} s (none); ` +
      `detection starts within ~1-2 probe intervals (SWIM: e/(e-1) periods expected)`,
  );
}
