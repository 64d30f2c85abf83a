// SWIM + serf cores under the deterministic simulator: join, failure detection, refutation, leave, partitions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimCluster, type SimNode } from './sim.js';
import { MpWriter, SerfMessageType } from '../../src/gossip/wire/index.js';

const SEED = Number(process.env.SEED ?? 7);

function cluster(n: number, opts: Partial<ConstructorParameters<typeof SimCluster>[0]> = {}): SimCluster {
  const sim = new SimCluster({ seed: SEED, lossProbability: 0, delayMsMin: 1, delayMsMean: 5, ...opts });
  for (let i = 0; i < n; i++) sim.addNode({ role: 'node', id: String(i) });
  return sim;
}

function allSee(sim: SimCluster, subject: SimNode, status: string, viewers = sim.nodes.filter((n) => n.up)): boolean {
  return viewers.every((v) => v === subject || sim.statusOf(v, subject) === status);
}

function joinAll(sim: SimCluster): void {
  const [first, ...rest] = sim.nodes;
  for (const n of rest) void sim.join(n, [first!]);
  const ok = sim.runUntil(() => sim.nodes.every((s) => sim.nodes.every((v) => sim.statusOf(v, s) === 'alive')), 30_000);
  assert.ok(ok, `cluster of ${sim.nodes.length} did not converge (seed ${SEED})`);
}

test('joining through one member converges on full membership with tags', () => {
  const sim = cluster(8);
  joinAll(sim);
  const m = sim.nodes[3]!.core.membersList().find((x) => x.name === 'node-5')!;
  assert.deepEqual(m.tags, { role: 'node', id: '5' });
  assert.equal(m.protocolMax, 5);
  assert.equal(m.delegateCur, 4);
});

test('a crashed member is suspected, then known failed by every other member', () => {
  const sim = cluster(6);
  joinAll(sim);
  const victim = sim.nodes[2]!;
  sim.crash(victim);
  const ok = sim.runUntil(() => allSee(sim, victim, 'failed'), 60_000);
  assert.ok(ok, `failure of ${victim.name} not detected by all (seed ${SEED})`);
  const ev = sim.nodes[0]!.events.find((e) => e.event.type === 'member-failed');
  assert.equal(ev && 'member' in ev.event ? ev.event.member.name : undefined, victim.name);
});

test('failure detection tolerates 10% packet loss without false failures among the living', () => {
  const sim = cluster(10, { lossProbability: 0.1 });
  joinAll(sim);
  sim.runFor(30_000);
  for (const s of sim.nodes) assert.ok(allSee(sim, s, 'alive'), `${s.name} wrongly failed under loss (seed ${SEED})`);
  const victim = sim.nodes[7]!;
  sim.crash(victim);
  assert.ok(sim.runUntil(() => allSee(sim, victim, 'failed'), 90_000));
});

test('a suspected member that is alive refutes with a higher incarnation', () => {
  const sim = cluster(5);
  joinAll(sim);
  const target = sim.nodes[4]!;
  const before = sim.nodes[0]!.core.swim.member(target.name)!.incarnation;
  // Cut the target off long enough to be suspected but not declared dead, then heal.
  sim.partition([target]);
  const suspected = sim.runUntil(() => sim.nodes[0]!.core.swim.member(target.name)!.state === 'suspect', 20_000);
  assert.ok(suspected, 'target was never suspected');
  sim.heal();
  const refuted = sim.runUntil(
    () => sim.nodes.every((v) => v === target || (v.core.swim.member(target.name)?.state === 'alive' &&
      v.core.swim.member(target.name)!.incarnation > before)),
    30_000,
  );
  assert.ok(refuted, 'refutation did not spread');
  assert.ok(allSee(sim, target, 'alive'));
});

test('a graceful leave is seen as left, not failed', async () => {
  const sim = cluster(5);
  joinAll(sim);
  const leaver = sim.nodes[1]!;
  let intentDone = false;
  sim.apply(leaver, leaver.core.leaveIntent(sim.now, () => { intentDone = true; }));
  assert.ok(sim.runUntil(() => intentDone, 10_000), 'leave intent was not broadcast');
  sim.apply(leaver, leaver.core.leaveMemberlist(sim.now, () => {}));
  sim.runFor(2_000);
  sim.crash(leaver);
  assert.ok(sim.runUntil(() => allSee(sim, leaver, 'left'), 30_000), 'leave did not spread as left');
  assert.ok(!sim.nodes[0]!.events.some((e) => e.event.type === 'member-failed'));
});

test('user events reach every member once and are deduplicated', () => {
  const sim = cluster(6);
  joinAll(sim);
  sim.apply(sim.nodes[2]!, sim.nodes[2]!.core.userEvent(sim.now, 'deploy', Buffer.from('v2'), false));
  const got = () => sim.nodes.map((n) => n.events.filter((e) => e.event.type === 'user').length);
  assert.ok(sim.runUntil(() => got().every((c) => c >= 1), 20_000));
  sim.runFor(20_000);
  assert.deepEqual(got(), sim.nodes.map(() => 1));
});

test('force-leave turns a failed member into left, and prune erases it', () => {
  const sim = cluster(4);
  joinAll(sim);
  const victim = sim.nodes[3]!;
  sim.crash(victim);
  assert.ok(sim.runUntil(() => allSee(sim, victim, 'failed'), 60_000));
  sim.apply(sim.nodes[0]!, sim.nodes[0]!.core.forceLeave(sim.now, victim.name, false, () => {}));
  assert.ok(sim.runUntil(() => allSee(sim, victim, 'left'), 20_000));
  sim.apply(sim.nodes[1]!, sim.nodes[1]!.core.forceLeave(sim.now, victim.name, true, () => {}));
  assert.ok(sim.runUntil(() => allSee(sim, victim, 'none'), 20_000));
});

test('failed members are reaped after the reconnect timeout', () => {
  const sim = new SimCluster({ seed: SEED, lossProbability: 0, delayMsMin: 1, delayMsMean: 5 });
  for (let i = 0; i < 4; i++) sim.addNode({});
  for (const n of sim.nodes) (n.core.config as { reconnectTimeoutMs: number }).reconnectTimeoutMs = 60_000;
  joinAll(sim);
  const victim = sim.nodes[1]!;
  sim.crash(victim);
  assert.ok(sim.runUntil(() => allSee(sim, victim, 'failed'), 60_000));
  assert.ok(sim.runUntil(() => allSee(sim, victim, 'none'), 120_000), 'failed member not reaped');
  assert.ok(sim.nodes[0]!.events.some((e) => e.event.type === 'member-reap'));
});

test('a partition heals through push/pull and the reconnect loop', () => {
  const sim = cluster(6);
  joinAll(sim);
  const [a, b] = [sim.nodes.slice(0, 3), sim.nodes.slice(3)];
  sim.partition(a, b);
  assert.ok(sim.runUntil(() => a.every((v) => b.every((s) => sim.statusOf(v, s) === 'failed')), 90_000));
  sim.heal();
  const healed = sim.runUntil(() => sim.nodes.every((s) => allSee(sim, s, 'alive')), 300_000);
  assert.ok(healed, `partition did not heal (seed ${SEED})`);
});

test('the same seed replays the same run', () => {
  const run = () => {
    const sim = cluster(6, { lossProbability: 0.05 });
    joinAll(sim);
    sim.crash(sim.nodes[5]!);
    sim.runFor(20_000);
    return [sim.now, sim.packetsSent, sim.nodes.map((n) => n.events.length).join(',')].join('|');
  };
  assert.equal(run(), run());
});

test('serf queries we cannot answer are still relayed once to every member', () => {
  const sim = cluster(6);
  joinAll(sim);
  const query = new MpWriter().byte(SerfMessageType.query).mapHeader(5)
    .str('LTime').uint(500).str('ID').uint(77).str('Flags').uint(0).str('Name').str('_serf_ping').str('Payload').nil()
    .finish();
  sim.nodes[0]!.core.notifyMsg(sim.now, query);
  assert.ok(sim.runUntil(() => sim.nodes.every((n) => n.core.queryClock.time() > 500), 20_000), 'query did not spread');
  sim.runFor(10_000);
  assert.ok(sim.nodes.every((n) => n.core.stats(false).query_queue === '0'));
});
