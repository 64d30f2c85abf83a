// Lifeguard arithmetic and the broadcast queue, checked against memberlist's formulas; and the purity rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Awareness, Suspicion, remainingSuspicionTime } from '../../src/gossip/swim/suspicion.js';
import { pushPullScaleMs, retransmitLimit, suspicionTimeoutMs } from '../../src/gossip/swim/config.js';
import { TransmitLimitedQueue } from '../../src/gossip/swim/queue.js';

test('suspicion timeout = mult * max(1, log10(n)) * probe interval', () => {
  assert.equal(suspicionTimeoutMs(4, 1, 1000), 4000);
  assert.equal(suspicionTimeoutMs(4, 10, 1000), 4000);
  assert.equal(suspicionTimeoutMs(4, 100, 1000), 8000);
  assert.equal(suspicionTimeoutMs(4, 1000, 1000), 12000);
});

test('remainingSuspicionTime falls from max toward min with confirmations, minus elapsed', () => {
  // memberlist's suspicion_test table: k=3, min 2 s, max 30 s.
  assert.equal(remainingSuspicionTime(0, 3, 0, 2000, 30000), 30000);
  assert.equal(remainingSuspicionTime(1, 3, 2000, 2000, 30000), 14000);
  assert.equal(remainingSuspicionTime(2, 3, 3000, 2000, 30000), 4810);
  assert.equal(remainingSuspicionTime(3, 3, 4000, 2000, 30000), -2000);
  assert.equal(remainingSuspicionTime(4, 3, 5000, 2000, 30000), -3000);
  assert.equal(remainingSuspicionTime(5, 3, 10000, 2000, 30000), -8000);
});

test('a suspicion counts each confirming peer once, up to k, and never the accuser', () => {
  const s = new Suspicion('accuser', 2, 4000, 24000, 0, 0);
  assert.equal(s.deadline, 24000);
  assert.equal(s.confirm(1000, 'accuser'), false);
  assert.equal(s.confirm(1000, 'b'), true);
  assert.equal(s.confirm(1000, 'b'), false);
  assert.equal(s.confirm(2000, 'c'), true);
  assert.equal(s.deadline, 4000);
  assert.equal(s.confirm(2000, 'd'), false);
  assert.equal(new Suspicion('x', 0, 4000, 24000, 100, 100).deadline, 4100);
});

test('awareness stays within [0, max) and scales timeouts by score + 1', () => {
  const a = new Awareness(8);
  a.applyDelta(-1);
  assert.equal(a.healthScore(), 0);
  a.applyDelta(20);
  assert.equal(a.healthScore(), 7);
  assert.equal(a.scaleTimeout(1000), 8000);
});

test('retransmit limit and push/pull scaling follow memberlist', () => {
  assert.equal(retransmitLimit(4, 1), 4);
  assert.equal(retransmitLimit(4, 99), 8);
  assert.equal(retransmitLimit(4, 1000), 16);
  assert.equal(pushPullScaleMs(30000, 32), 30000);
  assert.equal(pushPullScaleMs(30000, 33), 60000);
  assert.equal(pushPullScaleMs(30000, 1000), 30000 * 6);
});

test('the queue sends fewest-sent first, drops after the limit, and a name invalidates older broadcasts', () => {
  let n = 1;
  const q = new TransmitLimitedQueue(1, () => n); // limit = ceil(log10(2)) = 1 transmit
  const done: string[] = [];
  q.queue({ name: 'a', msg: Buffer.from('aa'), onDone: () => done.push('a1') });
  q.queue({ name: 'a', msg: Buffer.from('aaa'), onDone: () => done.push('a2') });
  q.queue({ msg: Buffer.from('x') });
  assert.deepEqual(done, ['a1']);
  assert.equal(q.size(), 2);
  assert.deepEqual(q.getBroadcasts(2, 5).map(String), ['aaa']);
  assert.deepEqual(done, ['a1', 'a2']);
  n = 99; // limit 2
  q.queue({ msg: Buffer.from('yy') });
  assert.deepEqual(q.getBroadcasts(2, 100).map(String), ['yy', 'x']);
  assert.deepEqual(q.getBroadcasts(2, 100).map(String), ['yy', 'x']);
  assert.equal(q.size(), 0);
});

test('the SWIM and serf cores do no I/O, read no clock and draw no Math.random', () => {
  const root = join(process.cwd(), 'src/gossip');
  const files = [
    ...readdirSync(join(root, 'swim')).map((f) => join(root, 'swim', f)),
    join(root, 'serf/core.ts'), join(root, 'serf/lamport.ts'), join(root, 'serf/types.ts'),
  ].filter((f) => f.endsWith('.ts'));
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    for (const bad of ['Date.', 'setTimeout', 'setInterval', 'Math.random', 'process.', "from 'node:", 'performance.']) {
      assert.ok(!text.includes(bad), `${f} uses ${bad}`);
    }
  }
});
