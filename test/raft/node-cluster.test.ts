// Three RaftNodes over an in-memory transport: election, replication through the driver,
// NOT_LEADER with the leader's address, failover, and InstallSnapshot to a lagging follower.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RaftNode } from '../../src/raft/node.js';
import { RaftError, type RaftServer } from '../../src/raft/api.js';
import { seededRng } from '../../src/lib/rng.js';
import { CountingFsm } from './support/counting-fsm.js';
import { MemoryNetwork } from './support/memory-transport.js';
import { waitUntil } from '../support/wait.js';

const enc = new TextEncoder();
const servers: RaftServer[] = ['n1', 'n2', 'n3'].map((id, i) => ({ id, address: `127.0.0.${i + 2}:8300`, suffrage: 'voter' }));


async function cluster(t: { after(fn: () => Promise<void> | void): void }, extra: { snapshotThreshold?: number; trailingLogs?: number } = {}) {
  const net = new MemoryNetwork();
  const fsms = new Map<string, CountingFsm>();
  const nodes = new Map<string, RaftNode>();
  for (const [i, s] of servers.entries()) {
    const fsm = new CountingFsm();
    fsms.set(s.id, fsm);
    nodes.set(s.id, await RaftNode.open({
      id: s.id, address: s.address, dataDir: null, fsm, bootstrap: servers, transport: net.transportFor(s.id, s.address),
      tickMs: 5, rng: seededRng(7 + i), snapshotIntervalMs: 20, ...extra,
    }));
  }
  t.after(async () => { for (const n of nodes.values()) await n.close(); });
  const leader = async (): Promise<RaftNode> => {
    await waitUntil(() => [...nodes.values()].filter((n) => n.isLeader()).length === 1, 'a single leader', 10_000, () => JSON.stringify([...nodes.values()].map((n) => [n.status().role, n.status().term, n.status().leaderId, n.status().commitIndex])) + ' delivered=' + net.delivered);
    return [...nodes.values()].find((n) => n.isLeader())!;
  };
  return { net, fsms, nodes, leader };
}

test('three nodes elect a leader, replicate proposals, and followers redirect to it', async (t) => {
  const c = await cluster(t);
  const leader = await c.leader();
  const leaderId = leader.status().leaderId!;
  const rs = await Promise.all(Array.from({ length: 50 }, (_, i) => leader.propose(enc.encode(`v${i}`))));
  assert.equal(rs[49]!.result, 50);
  const last = rs[49]!.index;
  await waitUntil(() => [...c.nodes.values()].every((n) => n.status().appliedIndex >= last), 'followers to apply');
  const digests = new Set([...c.fsms.values()].map((f) => `${f.count}/${f.digest}`));
  assert.equal(digests.size, 1, 'all FSMs identical');

  const follower = [...c.nodes.values()].find((n) => !n.isLeader())!;
  await assert.rejects(follower.propose(enc.encode('x')), (e: unknown) => {
    assert.ok(e instanceof RaftError);
    assert.equal(e.code, 'ERR_RAFT_NOT_LEADER');
    assert.equal(e.leaderAddress, servers.find((s) => s.id === leaderId)!.address);
    return true;
  });
  await leader.verifyLeader();
  await waitUntil(() => leader.leaseValid(), 'the leader lease (a quorum acknowledged heartbeats)');
  assert.equal(follower.leaseValid(), false, 'followers never hold the lease');
  await assert.rejects(follower.verifyLeader(), (e: unknown) => e instanceof RaftError && e.code === 'ERR_RAFT_NOT_LEADER');
  assert.equal(follower.status().leaderAddress, servers.find((s) => s.id === leaderId)!.address);
  assert.ok(follower.status().lastContactMs >= 0);
});

test('when the leader is cut off, the others elect a new one and keep committing', async (t) => {
  const c = await cluster(t);
  const old = await c.leader();
  const oldId = old.status().leaderId!;
  await old.propose(enc.encode('before'));
  c.net.isolate(oldId);
  const others = [...c.nodes.entries()].filter(([id]) => id !== oldId).map(([, n]) => n);
  await waitUntil(() => others.some((n) => n.isLeader()), 'a new leader on the majority side');
  // check-quorum makes the isolated leader step down on its own
  await waitUntil(() => !old.isLeader(), 'the old leader to step down');
  const fresh = others.find((n) => n.isLeader())!;
  const r = await fresh.propose(enc.encode('after'));
  c.net.heal(oldId);
  await waitUntil(() => old.status().appliedIndex >= r.index, 'the old leader to catch up');
  assert.equal(c.fsms.get(oldId)!.applied.at(-1)!.data, 'after');
});

test('a follower that fell behind the compacted log is caught up with InstallSnapshot', async (t) => {
  const c = await cluster(t, { snapshotThreshold: 50, trailingLogs: 5 });
  const leader = await c.leader();
  const lagging = [...c.nodes.keys()].find((id) => !c.nodes.get(id)!.isLeader())!;
  c.net.isolate(lagging);
  for (let round = 0; round < 4; round++) {
    await Promise.all(Array.from({ length: 40 }, (_, i) => leader.propose(enc.encode(`s${round}-${i}`))));
  }
  await waitUntil(() => leader.status().lastSnapshotIndex > 100, 'the leader to snapshot and compact');
  const target = leader.status().appliedIndex;
  c.net.heal(lagging);
  const lag = c.nodes.get(lagging)!;
  await waitUntil(() => lag.status().appliedIndex >= target, 'the lagging follower to catch up');
  const fsm = c.fsms.get(lagging)!;
  assert.ok(fsm.restores >= 1, 'it was restored from a snapshot, not replayed');
  assert.equal(fsm.count, c.fsms.get(leader.status().leaderId!)!.count);
  assert.equal(fsm.digest, c.fsms.get(leader.status().leaderId!)!.digest);
  assert.ok(lag.status().lastSnapshotIndex > 0);
});

test('membership: a new server joins as a voter, then is removed; one change at a time', async (t) => {
  const c = await cluster(t);
  const leader = await c.leader();
  await leader.propose(enc.encode('before join'));
  const fsm4 = new CountingFsm();
  const n4 = await RaftNode.open({
    id: 'n4', address: '127.0.0.5:8300', dataDir: null, fsm: fsm4, transport: c.net.transportFor('n4', '127.0.0.5:8300'),
    tickMs: 5, rng: seededRng(99),
  });
  t.after(() => n4.close());
  assert.equal(n4.isLeader(), false, 'a server without configuration never campaigns');

  const joining = leader.addServer({ id: 'n4', address: '127.0.0.5:8300', suffrage: 'voter' });
  await assert.rejects(leader.addServer({ id: 'n5', address: '127.0.0.6:8300', suffrage: 'voter' }),
    (e: unknown) => (e as { code?: string }).code === 'ERR_CONFLICT');
  await joining;
  assert.deepEqual(leader.status().configuration.servers.map((s) => s.id).sort(), ['n1', 'n2', 'n3', 'n4']);
  assert.equal(leader.stats().num_peers, '3');
  const r = await leader.propose(enc.encode('after join'));
  await waitUntil(() => n4.status().appliedIndex >= r.index, 'the new server to catch up');
  assert.equal(fsm4.applied.at(-1)!.data, 'after join');
  assert.equal(n4.status().configuration.servers.length, 4);

  await leader.removeServer('n4');
  assert.equal(leader.status().configuration.servers.length, 3);
  await assert.rejects(leader.removeServer('n4'), (e: unknown) => (e as { code?: string }).code === 'ERR_NOT_FOUND');
  const r2 = await leader.propose(enc.encode('after removal'));
  assert.ok(r2.index > r.index);
});
