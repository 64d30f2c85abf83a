// Leader election: basic elections in 3- and 5-node clusters, pre-vote, check-quorum, the sole
// voter's immediate campaign, and non-voters that never campaign.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoreCluster, bytes } from './support/core-cluster.js';

test('a campaigning node in a 3-node cluster becomes leader and everyone follows it', () => {
  const c = new CoreCluster(['1', '2', '3']);
  c.elect('1');
  assert.deepEqual(c.leaders(), ['1']);
  for (const id of ['2', '3']) {
    assert.equal(c.get(id).node.raft.role, 'follower');
    assert.equal(c.get(id).node.raft.lead, '1');
    assert.equal(c.get(id).node.raft.term, 1);
  }
  // The leader's no-op of term 1 is committed everywhere.
  for (const id of ['1', '2', '3']) assert.equal(c.get(id).node.raft.log.committed, 1);
});

test('ticking alone elects exactly one leader in a 5-node cluster', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const c = new CoreCluster(['1', '2', '3', '4', '5'], { seed });
    let rounds = 0;
    while (c.leaders().length === 0) {
      assert.ok(++rounds < 200, `seed ${seed}: no leader after 200 ticks`);
      c.tickAll(1);
    }
    c.tickAll(5);
    const leaders = c.leaders();
    assert.equal(leaders.length, 1, `seed ${seed}: leaders ${leaders.join(',')}`);
    const term = c.get(leaders[0]!).node.raft.term;
    for (const n of c.nodes.values()) {
      assert.equal(n.node.raft.term, term);
      assert.equal(n.node.raft.lead, leaders[0]);
    }
  }
});

test('pre-vote: a partitioned node does not raise its term or depose the leader when it returns', () => {
  const c = new CoreCluster(['1', '2', '3']);
  c.elect('1');
  c.isolate('3');
  for (let i = 0; i < 100; i++) {
    c.tick('3');
    c.stabilize();
    // keep the majority side alive
    c.tick('1');
    c.tick('2');
    c.stabilize();
  }
  assert.equal(c.get('3').node.raft.term, 1, 'pre-vote never succeeds, so the term stays');
  assert.notEqual(c.get('3').node.raft.role, 'leader');
  c.heal();
  c.tickAll(30);
  assert.deepEqual(c.leaders(), ['1']);
  assert.equal(c.get('1').node.raft.term, 1, 'the returning node did not force a new term');
  assert.equal(c.get('3').node.raft.lead, '1');
});

test('without pre-vote and check-quorum the same partition does disrupt the leader (contrast)', () => {
  const c = new CoreCluster(['1', '2', '3'], { preVote: false, checkQuorum: false });
  c.elect('1');
  c.isolate('3');
  for (let i = 0; i < 100; i++) {
    c.tick('3');
    c.tick('1');
    c.tick('2');
    c.stabilize();
  }
  assert.ok(c.get('3').node.raft.term > 1, 'the isolated node kept campaigning');
  c.heal();
  c.tickAll(30);
  assert.ok(c.get('1').node.raft.term > 1, 'the old leader was forced into a new term by the returning node');
});

test('check-quorum: a leader cut off from the majority steps down within an election timeout', () => {
  const c = new CoreCluster(['1', '2', '3'], { electionTicks: 10 });
  c.elect('1');
  c.isolate('1');
  for (let i = 0; i < 21; i++) {
    c.tick('1');
    c.stabilize();
  }
  assert.equal(c.get('1').node.raft.role, 'follower');
  assert.equal(c.get('1').node.raft.lead, '');
  // The majority side elects a new leader meanwhile.
  let rounds = 0;
  while (!['2', '3'].some((id) => c.get(id).node.raft.role === 'leader')) {
    assert.ok(++rounds < 200);
    c.tick('2');
    c.tick('3');
    c.stabilize();
  }
});

test('a sole voter campaigns and becomes leader on its first tick', () => {
  const c = new CoreCluster(['only']);
  c.tick('only');
  c.stabilize();
  assert.deepEqual(c.leaders(), ['only']);
  const out = c.get('only').node.propose([bytes('x')]);
  assert.ok(out.accepted);
  c.stabilize();
  assert.deepEqual(c.appliedData('only'), ['x']);
});

test('a non-voter never campaigns and does not count toward the commit quorum', () => {
  const c = new CoreCluster(['1', '2', '3', '4'], { learners: ['4'] });
  c.isolate('4');
  for (let i = 0; i < 100; i++) {
    c.tick('4');
    c.stabilize();
  }
  assert.equal(c.get('4').node.raft.role, 'follower');
  assert.equal(c.get('4').node.raft.term, 0);
  c.heal();
  c.elect('1');
  c.get('1').node.propose([bytes('a')]);
  c.stabilize();
  assert.deepEqual(c.appliedData('4'), ['a'], 'the non-voter receives the log');
  // With both other voters down, the non-voter's acknowledgement must not commit anything.
  c.isolate('2');
  c.isolate('3');
  const out = c.get('1').node.propose([bytes('b')]);
  assert.ok(out.accepted);
  c.stabilize();
  assert.equal(c.get('4').node.raft.log.lastIndex(), out.lastIndex, 'the non-voter has the entry');
  assert.ok(c.get('1').node.raft.log.committed < out.lastIndex, 'but it is not committed');
});
