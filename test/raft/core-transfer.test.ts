// Leadership transfer (etcd's MsgTransferLeader / MsgTimeoutNow): the leader stops taking
// proposals, brings the target up to date, then tells it to campaign at once; the target's vote
// requests pass its peers' leader lease. Also: a leader that removes itself hands over the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoreCluster, bytes } from './support/core-cluster.js';
import { EntryType } from '../../src/raft/core/messages.js';
import { encodeConfiguration } from '../../src/raft/storage/configuration.js';

test('transfer to an up-to-date follower: it wins at once, in the next term, without pre-vote', () => {
  const c = new CoreCluster(['1', '2', '3']);
  c.elect('1');
  c.get('1').node.propose([bytes('a')]);
  c.stabilize();
  const sentBefore = c.sent.length;
  c.get('1').node.transferLeader('2');
  c.stabilize();
  assert.deepEqual(c.leaders(), ['2']);
  assert.equal(c.get('2').node.raft.term, 2);
  const traffic = c.sent.slice(sentBefore);
  assert.ok(traffic.some((m) => m.type === 'MsgTimeoutNow' && m.from === '1' && m.to === '2'));
  assert.ok(!traffic.some((m) => m.type === 'MsgPreVote'), 'a transfer campaign skips pre-vote');
  assert.ok(traffic.filter((m) => m.type === 'MsgVote').every((m) => m.context === 'CampaignTransfer'));
  // Nothing is lost: the new leader commits on top of the old entries.
  c.get('2').node.propose([bytes('b')]);
  c.stabilize();
  for (const id of ['1', '2', '3']) assert.deepEqual(c.appliedData(id), ['a', 'b']);
});

test('a lagging target is caught up first, and proposals are refused while the transfer runs', () => {
  const c = new CoreCluster(['1', '2', '3']);
  c.elect('1');
  c.isolate('3');
  for (let i = 0; i < 5; i++) c.get('1').node.propose([bytes(`x${i}`)]);
  c.stabilize();
  c.get('1').node.transferLeader('3');
  c.stabilize();
  assert.deepEqual(c.leaders(), ['1'], 'cannot finish while the target is unreachable');
  const refused = c.get('1').node.propose([bytes('during')]);
  assert.deepEqual(refused, { accepted: false, reason: 'transferring' });
  c.heal();
  // The next heartbeat response from 3 makes the leader send the missing entries, then TimeoutNow.
  c.tick('1', 1);
  c.stabilize();
  assert.deepEqual(c.leaders(), ['3']);
  assert.deepEqual(c.appliedData('3'), ['x0', 'x1', 'x2', 'x3', 'x4']);
});

test('a transfer that cannot finish is abandoned after an election timeout; proposals resume', () => {
  const c = new CoreCluster(['1', '2', '3'], { electionTicks: 10 });
  c.elect('1');
  c.partition(['1', '2'], ['3']);
  c.get('1').node.transferLeader('3');
  c.stabilize();
  assert.equal(c.get('1').node.raft.leadTransferee, '3');
  for (let i = 0; i < 10; i++) {
    c.tick('1');
    c.tick('2');
    c.stabilize();
  }
  assert.equal(c.get('1').node.raft.leadTransferee, '');
  assert.deepEqual(c.leaders(), ['1']);
  assert.equal(c.get('1').node.propose([bytes('after')]).accepted, true);
});

test('transfer requests for a non-voter, for the leader itself, or on a follower change nothing', () => {
  const c = new CoreCluster(['1', '2', '3', '4'], { learners: ['4'] });
  c.elect('1');
  c.get('1').node.transferLeader('4');
  c.get('1').node.transferLeader('1');
  c.get('1').node.transferLeader('nobody');
  c.get('2').node.transferLeader('3');
  c.stabilize();
  assert.equal(c.get('1').node.raft.leadTransferee, '');
  assert.equal(c.get('2').node.raft.leadTransferee, '');
  assert.deepEqual(c.leaders(), ['1']);
  assert.ok(!c.sent.some((m) => m.type === 'MsgTimeoutNow'));
});

test('TimeoutNow from someone other than the known leader is ignored', () => {
  const c = new CoreCluster(['1', '2', '3']);
  c.elect('1');
  c.get('2').node.step({ ...c.sent.find((m) => m.type === 'MsgApp' && m.to === '2')!, type: 'MsgTimeoutNow', from: '3', entries: [] });
  c.stabilize();
  assert.deepEqual(c.leaders(), ['1']);
  assert.equal(c.get('2').node.raft.term, 1);
});

test('a leader that removes itself sends TimeoutNow to the most up-to-date voter, which takes over', () => {
  const c = new CoreCluster(['1', '2', '3']);
  c.elect('1');
  const conf = encodeConfiguration([{ id: '2', address: '2', suffrage: 'voter' }, { id: '3', address: '3', suffrage: 'voter' }]);
  const out = c.get('1').node.proposeConfChange(conf);
  assert.equal(out.accepted, true);
  // Let the entry commit everywhere, then apply the conf state as the driver does when applying.
  c.stabilize();
  const sentBefore = c.sent.length;
  for (const id of ['1', '2', '3']) {
    const n = c.get(id);
    if (n.applied.some((e) => e.type === EntryType.ConfChange)) n.node.applyConfState({ voters: ['2', '3'], learners: [] });
  }
  c.stabilize();
  assert.equal(c.get('1').node.raft.role, 'follower');
  const timeoutNow = c.sent.slice(sentBefore).find((m) => m.type === 'MsgTimeoutNow');
  assert.ok(timeoutNow, 'the departing leader hands over at once');
  assert.deepEqual(c.leaders(), [timeoutNow.to]);
});
