// The driver on a single server: propose -> durable, committed and applied; restart rebuilds the
// FSM; snapshots compact the log and survive restart; group commit; errors; stats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { RaftNode, type RaftNodeOptions } from '../../src/raft/node.js';
import { RaftError } from '../../src/raft/api.js';
import { countingIo } from '../../src/raft/storage/io.js';
import { CountingFsm } from './support/counting-fsm.js';
import { waitUntil } from '../support/wait.js';

const enc = new TextEncoder();

function tempDir(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'conclave-raftnode-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function options(dataDir: string | null, fsm: CountingFsm, extra: Partial<RaftNodeOptions> = {}): RaftNodeOptions {
  return {
    id: 's1', address: '127.0.0.1:8300', dataDir, fsm, raftMultiplier: 1,
    bootstrap: [{ id: 's1', address: '127.0.0.1:8300', suffrage: 'voter' }], ...extra,
  };
}


test('a single server elects itself at once and proposals resolve with the FSM result', async (t) => {
  const fsm = new CountingFsm();
  const node = await RaftNode.open(options(tempDir(t), fsm));
  t.after(() => node.close());
  assert.equal(node.isLeader(), true, 'the sole voter is leader as soon as open() returns');
  const r1 = await node.propose(enc.encode('a'));
  const r2 = await node.propose(enc.encode('b'));
  assert.deepEqual(r1, { index: 3, result: 1 }); // 1 = bootstrap configuration, 2 = leader no-op
  assert.deepEqual(r2, { index: 4, result: 2 });
  assert.deepEqual(fsm.applied.map((a) => a.data), ['a', 'b']);
  await node.verifyLeader();
  const st = node.status();
  assert.equal(st.role, 'leader');
  assert.equal(st.leaderAddress, '127.0.0.1:8300');
  assert.equal(st.appliedIndex, 4);
  assert.equal(st.commitIndex, 4);
  assert.deepEqual(st.configuration.servers, [{ id: 's1', address: '127.0.0.1:8300', suffrage: 'voter' }]);
});

test('restart rebuilds the FSM identically from the WAL', async (t) => {
  const dir = tempDir(t);
  const fsm = new CountingFsm();
  const node = await RaftNode.open(options(dir, fsm));
  await Promise.all(Array.from({ length: 300 }, (_, i) => node.propose(enc.encode(`cmd-${i}`))));
  const before = { count: fsm.count, digest: fsm.digest, applied: node.status().appliedIndex };
  await node.close();

  const fsm2 = new CountingFsm();
  const again = await RaftNode.open(options(dir, fsm2, { bootstrap: undefined }));
  t.after(() => again.close());
  assert.deepEqual({ count: fsm2.count, digest: fsm2.digest, applied: again.status().appliedIndex }, before);
  assert.equal(fsm2.applied.length, 300, 'replayed, not restored from a snapshot');
  const r = await again.propose(enc.encode('after restart'));
  assert.equal(r.result, 301);
  assert.equal(again.status().term, 3, 'term 1 bootstrap, 2 first run, 3 after restart');
});

test('snapshots compact the log, and a restart restores the snapshot then replays the tail', async (t) => {
  const dir = tempDir(t);
  const fsm = new CountingFsm();
  const opts = options(dir, fsm, { snapshotThreshold: 100, trailingLogs: 20, walSegmentBytesMax: 2048 });
  const node = await RaftNode.open(opts);
  for (let round = 0; round < 5; round++) {
    await Promise.all(Array.from({ length: 60 }, (_, i) => node.propose(enc.encode(`r${round}-${i}`))));
  }
  await waitUntil(() => node.status().lastSnapshotIndex > 0, 'an automatic snapshot');
  await node.takeSnapshot();
  const st = node.status();
  assert.equal(st.lastSnapshotIndex, st.appliedIndex);
  await Promise.all(Array.from({ length: 10 }, (_, i) => node.propose(enc.encode(`tail-${i}`))));
  const before = { count: fsm.count, digest: fsm.digest, applied: node.status().appliedIndex };
  await node.close();

  const fsm2 = new CountingFsm();
  const again = await RaftNode.open({ ...opts, fsm: fsm2 });
  t.after(() => again.close());
  assert.equal(fsm2.restores, 1);
  assert.deepEqual(fsm2.applied.map((a) => a.data), Array.from({ length: 10 }, (_, i) => `tail-${i}`));
  assert.deepEqual({ count: fsm2.count, digest: fsm2.digest, applied: again.status().appliedIndex }, before);
  assert.equal(again.status().lastSnapshotIndex, st.lastSnapshotIndex);
  assert.equal(again.stats().last_snapshot_index, String(st.lastSnapshotIndex));
});

test('with snapshotLogBytes, the threshold alone waits for the interval check; enough applied bytes snapshot at once', async (t) => {
  // snapshot() is called synchronously when a snapshot is taken, so counting calls is exact.
  class SnapshotCountingFsm extends CountingFsm {
    taken = 0;
    override snapshot(): Uint8Array {
      this.taken++;
      return super.snapshot();
    }
  }
  const fsm = new SnapshotCountingFsm();
  const node = await RaftNode.open(options(tempDir(t), fsm, { snapshotThreshold: 50, snapshotLogBytes: 4000, snapshotIntervalMs: 3_600_000 }));
  t.after(() => node.close());
  for (let round = 0; round < 3; round++) {
    await Promise.all(Array.from({ length: 40 }, (_, i) => node.propose(enc.encode(`s${round}${String(i).padStart(2, '0')}`))));
  }
  assert.ok(node.status().appliedIndex > 50, 'past the threshold');
  assert.equal(fsm.taken, 0, '480 bytes applied, under snapshotLogBytes: no snapshot before the interval');
  await Promise.all(Array.from({ length: 40 }, () => node.propose(enc.encode('x'.repeat(100)))));
  assert.equal(fsm.taken, 1, '4,480 bytes applied: a snapshot at once');
  await waitUntil(() => node.status().lastSnapshotIndex > 0, 'the snapshot to be written');
});

test('proposals made in one event-loop turn share one fdatasync', async (t) => {
  const io = countingIo();
  const fsm = new CountingFsm();
  const node = await RaftNode.open(options(tempDir(t), fsm, { storageIo: io }));
  t.after(() => node.close());
  await node.propose(enc.encode('warm-up'));
  const before = io.counts.fdatasync;
  const rs = await Promise.all(Array.from({ length: 64 }, (_, i) => node.propose(enc.encode(`b${i}`))));
  assert.equal(io.counts.fdatasync - before, 1);
  assert.deepEqual(rs.map((r) => r.result), Array.from({ length: 64 }, (_, i) => i + 2));
});

test('in-memory mode (dataDir null) works the same without a disk', async (t) => {
  const fsm = new CountingFsm();
  const node = await RaftNode.open(options(null, fsm));
  t.after(() => node.close());
  const r = await node.propose(enc.encode('dev'));
  assert.equal(r.result, 1);
  await node.verifyLeader();
});

test('without a quorum there is no leader: propose and verifyLeader reject ERR_RAFT_NO_LEADER', async (t) => {
  const fsm = new CountingFsm();
  const node = await RaftNode.open(options(tempDir(t), fsm, {
    bootstrap: [
      { id: 's1', address: '127.0.0.1:8300', suffrage: 'voter' },
      { id: 's2', address: '127.0.0.2:8300', suffrage: 'voter' },
      { id: 's3', address: '127.0.0.3:8300', suffrage: 'voter' },
    ],
  }));
  t.after(() => node.close());
  assert.equal(node.isLeader(), false);
  await assert.rejects(node.propose(enc.encode('x')), (e: unknown) => e instanceof RaftError && e.code === 'ERR_RAFT_NO_LEADER');
  await assert.rejects(node.verifyLeader(), (e: unknown) => e instanceof RaftError && e.code === 'ERR_RAFT_NO_LEADER');
  assert.equal(await node.waitForLeader(20), false);
  assert.equal(node.stats().num_peers, '2');
  assert.equal(node.stats().last_contact, 'never');
});

test('close rejects queued proposals with ERR_RAFT_SHUTDOWN and later calls too', async (t) => {
  const fsm = new CountingFsm();
  const node = await RaftNode.open(options(tempDir(t), fsm));
  const p = node.propose(enc.encode('late'));
  const closing = node.close();
  const outcome = await p.then(() => 'applied', (e: unknown) => (e instanceof RaftError ? e.code : String(e)));
  assert.ok(['applied', 'ERR_RAFT_SHUTDOWN'].includes(outcome));
  await closing;
  await assert.rejects(node.propose(enc.encode('x')), (e: unknown) => e instanceof RaftError && e.code === 'ERR_RAFT_SHUTDOWN');
});

test('stats() has the keys consul info prints, all strings', async (t) => {
  const node = await RaftNode.open(options(tempDir(t), new CountingFsm()));
  t.after(() => node.close());
  await node.propose(enc.encode('x'));
  const s = node.stats();
  for (const k of ['applied_index', 'commit_index', 'fsm_pending', 'last_contact', 'last_log_index', 'last_log_term',
    'last_snapshot_index', 'last_snapshot_term', 'latest_configuration', 'latest_configuration_index', 'num_peers',
    'protocol_version', 'protocol_version_max', 'protocol_version_min', 'snapshot_version_max', 'snapshot_version_min', 'state', 'term']) {
    assert.equal(typeof s[k], 'string', k);
  }
  assert.equal(s.state, 'Leader');
  assert.equal(s.num_peers, '0');
  assert.equal(s.latest_configuration, '[{Suffrage:Voter ID:s1 Address:127.0.0.1:8300}]');
  assert.equal(s.applied_index, '3');
});

test('bad input is refused with a clear error: empty commands, malformed peer messages', async (t) => {
  const warnings: string[] = [];
  const logger = { info() {}, debug() {}, error() {}, warn: (msg: string, f?: object) => { warnings.push(`${msg} ${JSON.stringify(f)}`); } };
  let handler: ((m: never) => void) | null = null;
  const node = await RaftNode.open(options(tempDir(t), new CountingFsm(), {
    logger, transport: { send() {}, onMessage: (h) => { handler = h as never; } },
  }));
  t.after(() => node.close());
  await assert.rejects(node.propose(new Uint8Array(0)), TypeError);
  await assert.rejects(node.propose('text' as unknown as Uint8Array), TypeError);
  assert.ok(handler);
  const h = handler as (m: unknown) => void;
  h({ type: 'MsgApp', from: 's2', to: 's1', term: 'x' });
  h(null);
  h({ type: 'MsgHup', from: 's2', to: 's1', term: 0, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0, context: '', snapshot: null });
  assert.equal(warnings.filter((w) => w.includes('malformed')).length, 3);
  assert.equal(node.isLeader(), true, 'still serving');
  assert.equal((await node.propose(enc.encode('ok'))).result, 1);
});

test('an fdatasync failure stops the node: pending and later proposals reject ERR_RAFT_SHUTDOWN', async (t) => {
  let failNext = false;
  const io = countingIo();
  const flaky = {
    ...io,
    fdatasync: (fd: number) => (failNext ? Promise.reject(new Error('EIO: simulated')) : io.fdatasync(fd)),
  };
  const errors: string[] = [];
  const node = await RaftNode.open(options(tempDir(t), new CountingFsm(), {
    storageIo: flaky, logger: { info() {}, debug() {}, warn() {}, error: (m: string) => { errors.push(m); } },
  }));
  t.after(() => node.close());
  await node.propose(enc.encode('fine'));
  failNext = true;
  await assert.rejects(node.propose(enc.encode('doomed')), (e: unknown) => e instanceof RaftError && e.code === 'ERR_RAFT_SHUTDOWN' && /EIO/.test(e.message));
  await assert.rejects(node.propose(enc.encode('after')), (e: unknown) => e instanceof RaftError && e.code === 'ERR_RAFT_SHUTDOWN');
  assert.ok(errors.some((m) => /storage failure/.test(m)));
});
