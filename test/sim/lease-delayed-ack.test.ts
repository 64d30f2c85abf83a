// A hand-driven scenario for the leader lease (default-mode reads). The lease must end before any
// other server can win an election: a follower refuses votes for electionTicks after it last
// heard the leader, so the leader may count its lease from when it *sent* the heartbeat a
// follower acknowledged. Counting from when the acknowledgement *arrived* lets a slow reply
// stretch the lease past the follower's protection: a reply delayed 19 ticks kept the old
// leader's lease valid while a new leader had already committed a write. Heartbeats and appends
// now carry the tick they were sent at (sentTick), echoed in the reply; the lease counts from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawNode } from '../../src/raft/core/raw-node.js';
import type { Message } from '../../src/raft/core/messages.js';
import { MemoryStorage } from '../../src/raft/storage/memory-storage.js';
import { seededRng } from '../../src/lib/rng.js';

const IDS = ['a', 'b', 'c'];

function cluster() {
  const nodes = new Map<string, RawNode>();
  const storages = new Map<string, MemoryStorage>();
  IDS.forEach((id, i) => {
    const storage = MemoryStorage.withConfState({ voters: IDS, learners: [] });
    storages.set(id, storage);
    nodes.set(id, new RawNode({ id, storage, electionTicks: 20, heartbeatTicks: 2, leaseTicks: 10, rng: seededRng(i + 1) }));
  });
  const outbox: Message[] = [];
  /** Drains Readys (persist, collect messages, advance). */
  const flush = () => {
    let again = true;
    while (again) {
      again = false;
      for (const [id, n] of nodes) {
        while (n.hasReady()) {
          again = true;
          const rd = n.ready();
          const st = storages.get(id)!;
          if (rd.entries.length > 0) st.append(rd.entries);
          if (rd.hardState) st.setHardState(rd.hardState);
          outbox.push(...rd.messages);
          n.advance(rd);
        }
      }
    }
  };
  /** Delivers queued messages (and replies) except those `drop` rejects or `hold` keeps back. */
  const deliver = (drop: (m: Message) => boolean, hold?: (m: Message) => boolean): Message[] => {
    const held: Message[] = [];
    for (let guard = 0; guard < 1000; guard++) {
      flush();
      if (outbox.length === 0) return held;
      const batch = outbox.splice(0);
      for (const m of batch) {
        if (drop(m)) continue;
        if (hold?.(m)) held.push(m);
        else nodes.get(m.to)!.step(m);
      }
    }
    throw new Error('did not settle');
  };
  return { nodes, flush, deliver, outbox };
}

test('a leader lease does not outlive the followers\' vote protection when an ack is slow', () => {
  const { nodes, deliver } = cluster();
  const a = nodes.get('a')!;
  const b = nodes.get('b')!;
  const c = nodes.get('c')!;
  const none = () => false;
  a.campaign();
  deliver(none);
  assert.equal(a.raft.role, 'leader');
  a.propose([new Uint8Array([1])]);
  deliver(none);

  // One heartbeat round; b's reply is held back (a slow network path).
  a.tick(); a.tick();
  const held = deliver(none, (m) => m.type === 'MsgHeartbeatResp' && m.from === 'b');
  assert.equal(held.length, 1);

  // From now on a is cut off from b and c both ways. 21 ticks pass everywhere.
  const cutA = (m: Message) => m.from === 'a' || m.to === 'a';
  for (let i = 0; i < 21; i++) {
    for (const n of [a, b]) n.tick();
    if (i < 19) c.tick();
    deliver(cutA);
    if (i === 18) {
      // The slow reply finally reaches a, 19 ticks after b sent it.
      a.step(held[0]!);
      deliver(cutA);
    }
  }
  // b has not heard a for 21 ticks, so it may vote; c campaigns and wins, then commits a write.
  c.campaign();
  deliver(cutA);
  assert.equal(c.raft.role, 'leader', 'c should have won with b\'s vote');
  c.propose([new Uint8Array([2])]);
  deliver(cutA);
  const newCommit = c.raft.log.committed;
  assert.ok(newCommit > a.raft.log.committed, 'c committed a write a does not have');

  // a must not still believe it holds the lease: a default-mode read on a would miss c's write.
  assert.equal(a.raft.role, 'leader');
  assert.equal(a.hasLease(), false, 'old leader still holds its lease after a new leader committed');
});
