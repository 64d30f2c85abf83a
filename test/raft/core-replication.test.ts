// Log replication, the commit rule for earlier-term entries, ReadIndex and the leader lease.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoreCluster, bytes } from './support/core-cluster.js';

test('proposals on the leader replicate and apply in the same order on all 5 nodes', () => {
  const c = new CoreCluster(['1', '2', '3', '4', '5']);
  c.elect('2');
  const want: string[] = [];
  for (let i = 0; i < 50; i++) {
    const batch = [bytes(`a${i}`), bytes(`b${i}`)];
    want.push(`a${i}`, `b${i}`);
    assert.ok(c.get('2').node.propose(batch).accepted);
    if (i % 7 === 0) c.stabilize();
  }
  c.stabilize();
  for (const id of ['1', '2', '3', '4', '5']) assert.deepEqual(c.appliedData(id), want, `node ${id}`);
});

test('followers reject proposals; the leader batches many entries per append', () => {
  const c = new CoreCluster(['1', '2', '3']);
  c.elect('1');
  assert.deepEqual(c.get('2').node.propose([bytes('x')]), { accepted: false, reason: 'not-leader' });
  const before = c.sent.length;
  const out = c.get('1').node.propose(Array.from({ length: 100 }, (_, i) => bytes(`p${i}`)));
  assert.ok(out.accepted);
  assert.equal(out.lastIndex - out.firstIndex, 99);
  c.stabilize();
  const apps = c.sent.slice(before).filter((m) => m.type === 'MsgApp' && m.entries.length > 0 && m.to === '2');
  assert.deepEqual(apps.map((m) => m.entries.length), [64, 36], 'one batch travels in MsgApps of up to 64 entries');
  assert.equal(c.appliedData('2').length, 100);
});

test('a lagging follower is probed back to the leader log and catches up', () => {
  const c = new CoreCluster(['1', '2', '3']);
  c.elect('1');
  c.isolate('3');
  for (let i = 0; i < 200; i++) c.get('1').node.propose([bytes(`v${i}`)]);
  c.stabilize();
  assert.equal(c.appliedData('3').length, 0);
  assert.equal(c.appliedData('2').length, 200);
  c.heal();
  c.tickAll(3);
  assert.deepEqual(c.appliedData('3'), c.appliedData('1'));
  assert.equal(c.get('1').node.raft.prs.get('3')!.state, 'replicate');
});

test('a follower with a divergent uncommitted suffix has it overwritten by the new leader', () => {
  // Node 3 has two entries of term 2 the others never saw; 1 and 2 moved on to term 3.
  const c = new CoreCluster(['1', '2', '3'], {
    logs: {
      '1': { terms: [1, 3, 3], term: 3, commit: 1 },
      '2': { terms: [1, 3], term: 3, commit: 1 },
      '3': { terms: [1, 2, 2], term: 2, commit: 1 },
    },
  });
  c.elect('1');
  c.get('1').node.propose([bytes('z')]);
  c.stabilize();
  const terms = (id: string) => {
    const r = c.get(id).node.raft.log;
    return Array.from({ length: r.lastIndex() }, (_, i) => r.term(i + 1));
  };
  assert.deepEqual(terms('3'), terms('1'));
  assert.deepEqual(terms('1'), [1, 3, 3, 4, 4]);
  assert.equal(c.get('3').node.raft.log.committed, 5);
});

test('an entry from an earlier term is not committed by counting replicas, only behind a current-term entry', () => {
  // Node 2 holds entry 2 of term 1, which node 3 lacks. Node 2 wins term 2, and (one entry per
  // MsgApp) node 3 first acknowledges index 2 alone: a majority holds it, yet it must not commit.
  const c = new CoreCluster(['1', '2', '3'], {
    entriesPerMessageMax: 1,
    logs: {
      '1': { terms: [1], term: 1, commit: 1 },
      '2': { terms: [1, 1], term: 1, commit: 1 },
      '3': { terms: [1], term: 1, commit: 1 },
    },
  });
  c.isolate('1');
  const leader = c.get('2').node.raft;
  let sawMajorityOnOldEntry = false;
  c.onStep = (m) => {
    if (leader.role !== 'leader' || m.type !== 'MsgAppResp' || m.to !== '2') return;
    const match3 = leader.prs.get('3')!.match;
    if (match3 === 2) {
      sawMajorityOnOldEntry = true;
      assert.equal(leader.log.committed, 1, 'index 2 (term 1) is on a majority but must stay uncommitted');
    }
  };
  c.elect('2');
  assert.equal(leader.role, 'leader');
  assert.equal(leader.term, 2);
  assert.ok(sawMajorityOnOldEntry, 'the scenario reached the interesting state');
  // Once the term-2 no-op (index 3) reaches node 3, both commit together.
  assert.equal(leader.log.committed, 3);
  assert.equal(c.get('3').node.raft.log.committed, 3);
});

test('ReadIndex on the leader and via a follower returns the commit index after a quorum round', () => {
  const c = new CoreCluster(['1', '2', '3']);
  c.elect('1');
  c.get('1').node.propose([bytes('a'), bytes('b')]);
  c.stabilize();
  const commit = c.get('1').node.raft.log.committed;
  const beforeHeartbeats = c.sent.filter((m) => m.type === 'MsgHeartbeat').length;
  c.get('1').node.readIndex('r1');
  c.stabilize();
  assert.deepEqual(c.get('1').readStates, [{ index: commit, context: 'r1' }]);
  assert.ok(c.sent.filter((m) => m.type === 'MsgHeartbeat' && m.context === 'r1').length >= 2);
  assert.ok(c.sent.filter((m) => m.type === 'MsgHeartbeat').length > beforeHeartbeats);

  c.get('3').node.readIndex('r2');
  c.stabilize();
  assert.deepEqual(c.get('3').readStates, [{ index: commit, context: 'r2' }]);
});

test('ReadIndex on a leader cut off from the quorum never answers', () => {
  const c = new CoreCluster(['1', '2', '3']);
  c.elect('1');
  c.isolate('1');
  c.get('1').node.readIndex('lost');
  c.stabilize();
  c.tick('1', 3);
  c.stabilize();
  assert.deepEqual(c.get('1').readStates, []);
});

test('ReadIndex waits until the new leader has committed an entry of its own term', () => {
  const c = new CoreCluster(['1', '2', '3']);
  c.get('1').node.campaign();
  // Deliver only the election, keep the leader's MsgApp (carrying the no-op) back.
  let guard = 0;
  while (c.get('1').node.raft.role !== 'leader') {
    assert.ok(++guard < 20);
    c.processReadies();
    const q = c.queue;
    c.queue = [];
    for (const m of q) c.get(m.to).node.step(m);
  }
  c.processReadies();
  c.queue = c.queue.filter((m) => m.type !== 'MsgApp');
  c.get('1').node.readIndex('early');
  c.processReadies();
  assert.deepEqual(c.get('1').readStates, []);
  assert.equal(c.queue.filter((m) => m.context === 'early').length, 0, 'no heartbeat round before the no-op commits');
  c.tickAll(2); // heartbeats make followers fetch the no-op; it commits; the read is released
  assert.deepEqual(c.get('1').readStates.map((r) => r.context), ['early']);
  assert.ok(c.get('1').readStates[0]!.index >= 1);
});

test('the leader holds a lease while a quorum acknowledges it and loses it when cut off', () => {
  const c = new CoreCluster(['1', '2', '3'], { electionTicks: 10 });
  c.elect('1');
  c.tickAll(2);
  assert.equal(c.get('1').node.hasLease(), true);
  c.isolate('1');
  for (let i = 0; i < 6; i++) {
    c.tick('1');
    c.stabilize();
  }
  assert.equal(c.get('1').node.hasLease(), false, 'lease (5 ticks) expired before check-quorum (10 ticks)');
  assert.equal(c.get('1').node.raft.role, 'leader');
});
