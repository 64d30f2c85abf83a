// The driver's cluster operations: transferLeadership (resolves once the target leads),
// bootstrapCluster (only on a node without raft state) and open({recover}) (Consul's peers.json
// outage recovery: a cluster that lost 2 of 3 servers comes back with the survivor alone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RaftNode } from '../../src/raft/node.js';
import { RaftError, type RaftServer } from '../../src/raft/api.js';
import { seededRng } from '../../src/lib/rng.js';
import { CountingFsm } from './support/counting-fsm.js';
import { MemoryNetwork } from './support/memory-transport.js';
import { waitUntil } from '../support/wait.js';

const enc = new TextEncoder();
const servers: RaftServer[] = ['n1', 'n2', 'n3'].map((id, i) => ({ id, address: `127.0.0.${i + 2}:8300`, suffrage: 'voter' }));


interface Opened { nodes: Map<string, RaftNode>; fsms: Map<string, CountingFsm>; net: MemoryNetwork }

async function openAll(t: { after(fn: () => Promise<void>): void }, o: { bootstrap?: boolean; dirs?: Map<string, string>; snapshotThreshold?: number } = {}): Promise<Opened> {
  const net = new MemoryNetwork();
  const nodes = new Map<string, RaftNode>();
  const fsms = new Map<string, CountingFsm>();
  for (const [i, s] of servers.entries()) {
    const fsm = new CountingFsm();
    fsms.set(s.id, fsm);
    nodes.set(s.id, await RaftNode.open({
      id: s.id, address: s.address, dataDir: o.dirs?.get(s.id) ?? null, fsm, bootstrap: o.bootstrap === false ? undefined : servers,
      transport: net.transportFor(s.id, s.address), tickMs: 5, rng: seededRng(31 + i), snapshotThreshold: o.snapshotThreshold,
    }));
  }
  t.after(async () => { for (const n of nodes.values()) await n.close(); });
  return { nodes, fsms, net };
}

async function leaderOf(nodes: Map<string, RaftNode>): Promise<[string, RaftNode]> {
  await waitUntil(() => [...nodes.values()].filter((n) => n.isLeader()).length === 1, 'a single leader');
  return [...nodes.entries()].find(([, n]) => n.isLeader())!;
}

test('transferLeadership hands over to the named voter, or to the most up-to-date one', async (t) => {
  const c = await openAll(t);
  const [id1, l1] = await leaderOf(c.nodes);
  await l1.propose(enc.encode('a'));
  const target = servers.map((s) => s.id).find((x) => x !== id1)!;
  await l1.transferLeadership(target);
  assert.equal(c.nodes.get(target)!.isLeader(), true);
  assert.equal(l1.isLeader(), false);
  await c.nodes.get(target)!.propose(enc.encode('b'));

  const l2 = c.nodes.get(target)!;
  await l2.transferLeadership();
  const [id3] = await leaderOf(c.nodes);
  assert.notEqual(id3, target);
  const r = await c.nodes.get(id3)!.propose(enc.encode('c'));
  await waitUntil(() => [...c.nodes.values()].every((n) => n.status().appliedIndex >= r.index), 'all to apply');
  for (const f of c.fsms.values()) assert.deepEqual(f.applied.map((x) => x.data), ['a', 'b', 'c']);
});

test('transferLeadership refuses itself, unknown servers, and followers', async (t) => {
  const c = await openAll(t);
  const [id, l] = await leaderOf(c.nodes);
  await assert.rejects(l.transferLeadership(id), /cannot transfer leadership to itself/);
  await assert.rejects(l.transferLeadership('nope'), (e: unknown) => (e as { code?: string }).code === 'ERR_NOT_FOUND');
  const follower = [...c.nodes.values()].find((n) => !n.isLeader())!;
  await assert.rejects(follower.transferLeadership(), (e: unknown) => e instanceof RaftError && /ERR_RAFT_(NOT|NO)_LEADER/.test(e.code));
  assert.equal(l.isLeader(), true, 'refused requests change nothing');
});

test('a transfer to an unreachable voter times out and the leader takes proposals again', async (t) => {
  const c = await openAll(t);
  const [id, l] = await leaderOf(c.nodes);
  const target = servers.map((s) => s.id).find((x) => x !== id)!;
  c.net.isolate(target);
  const transfer = l.transferLeadership(target);
  await assert.rejects(l.propose(enc.encode('during')), /leadership transfer in progress/);
  await assert.rejects(transfer, (e: unknown) => e instanceof RaftError && e.code === 'ERR_RAFT_TIMEOUT');
  assert.equal(l.isLeader(), true);
  await l.propose(enc.encode('after'));
});

test('bootstrapCluster writes the configuration only on nodes without raft state', async (t) => {
  const c = await openAll(t, { bootstrap: false });
  for (const n of c.nodes.values()) assert.equal(n.status().configuration.servers.length, 0, 'no configuration yet');
  const results = await Promise.all([...c.nodes.values()].map((n) => n.bootstrapCluster(servers)));
  assert.deepEqual(results, [true, true, true]);
  const [, l] = await leaderOf(c.nodes);
  assert.deepEqual(l.status().configuration.servers.map((s) => s.id).sort(), ['n1', 'n2', 'n3']);
  await l.propose(enc.encode('x'));
  for (const n of c.nodes.values()) assert.equal(await n.bootstrapCluster(servers), false, 'a second bootstrap is refused');
  await assert.rejects(l.bootstrapCluster([{ id: '', address: '', suffrage: 'voter' }]), /raft bootstrap/);
});

test('peers.json recovery: after losing 2 of 3 servers, the survivor alone recovers with its data', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'raft-recover-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dirs = new Map(servers.map((s) => [s.id, join(root, s.id)]));
  const c = await openAll(t, { dirs, snapshotThreshold: 20 });
  const [, l] = await leaderOf(c.nodes);
  for (let i = 0; i < 50; i++) await l.propose(enc.encode(`w${i}`));
  await l.takeSnapshot();
  for (let i = 50; i < 60; i++) await l.propose(enc.encode(`w${i}`));
  const survivor = servers.map((s) => s.id).find((x) => !c.nodes.get(x)!.isLeader())!;
  const want = c.fsms.get(survivor)!;
  await waitUntil(() => want.count === 60, 'the survivor to apply everything');
  const wantDigest = want.digest;
  for (const n of c.nodes.values()) await n.close();

  // Without recovery the survivor stays leaderless: its configuration still needs 2 of 3.
  const net = new MemoryNetwork();
  const self = servers.find((s) => s.id === survivor)!;
  const fsm = new CountingFsm();
  const node = await RaftNode.open({
    id: survivor, address: self.address, dataDir: dirs.get(survivor)!, fsm, recover: [self],
    transport: net.transportFor(survivor, self.address), tickMs: 5, rng: seededRng(5),
  });
  t.after(() => node.close());
  await waitUntil(() => node.isLeader(), 'the survivor to lead alone');
  assert.equal(fsm.count, 60);
  assert.equal(fsm.digest, wantDigest);
  assert.deepEqual(node.status().configuration.servers, [self]);
  const r = await node.propose(enc.encode('after recovery'));
  assert.equal(r.result, 61);
  await node.close();

  // The recovered state is durable: a plain restart (no peers.json) comes back the same.
  const fsm2 = new CountingFsm();
  const again = await RaftNode.open({ id: survivor, address: self.address, dataDir: dirs.get(survivor)!, fsm: fsm2, tickMs: 5, rng: seededRng(6) });
  t.after(() => again.close());
  await waitUntil(() => again.isLeader(), 'the restarted survivor to lead');
  await waitUntil(() => fsm2.count === 61, 'the replay');
  assert.deepEqual(again.status().configuration.servers, [self]);
});
