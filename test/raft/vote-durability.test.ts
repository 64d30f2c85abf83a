// "Term and vote are durable before a vote is sent": on a 3-node cluster on disk, every granted
// MsgVoteResp must follow an fdatasync that completed after the WAL write recording that vote,
// and every MsgAppResp must follow the fdatasync of the entries it acknowledges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { RaftNode } from '../../src/raft/node.js';
import type { RaftServer } from '../../src/raft/api.js';
import { nodeStorageIo, type StorageIo } from '../../src/raft/storage/io.js';
import { scanSegment } from '../../src/raft/storage/wal/record.js';
import { seededRng } from '../../src/lib/rng.js';
import { CountingFsm } from './support/counting-fsm.js';
import { MemoryNetwork } from './support/memory-transport.js';
import type { RaftMessage, RaftTransport } from '../../src/raft/node.js';
import { waitUntil } from '../support/wait.js';

type Event =
  | { kind: 'hs'; term: number; vote: string }
  | { kind: 'entries'; last: number; term: number }
  | { kind: 'sync' }
  | { kind: 'send'; msg: RaftMessage };

function recordingIo(events: Event[]): StorageIo {
  return {
    async write(fd, buf, pos) {
      try {
        for (const r of scanSegment(buf, 'buffer', true).records) {
          if (r.kind === 'hardState') events.push({ kind: 'hs', term: r.hardState.term, vote: r.hardState.vote });
          if (r.kind === 'entries' && r.entries.length > 0) {
            const last = r.entries[r.entries.length - 1]!;
            events.push({ kind: 'entries', last: last.index, term: last.term });
          }
        }
      } catch {
        // not a WAL buffer (a snapshot file)
      }
      return nodeStorageIo.write(fd, buf, pos);
    },
    zeroFill: (fd, from, to) => nodeStorageIo.zeroFill(fd, from, to),
    async fdatasync(fd) {
      await nodeStorageIo.fdatasync(fd);
      events.push({ kind: 'sync' });
    },
    fsyncDir: (p) => nodeStorageIo.fsyncDir(p),
  };
}

function recordingTransport(inner: RaftTransport, events: Event[]): RaftTransport {
  return { send: (to, msg) => { events.push({ kind: 'send', msg }); inner.send(to, msg); }, onMessage: (h) => inner.onMessage(h) };
}

const ROUNDS = 3;
const ACKED_BATCHES_PER_ROUND = 5;

function findLast(xs: Event[], pred: (e: Event) => boolean): number {
  for (let i = xs.length - 1; i >= 0; i--) if (pred(xs[i]!)) return i;
  return -1;
}


test('votes and append acknowledgements leave only after the state they promise is fsynced', { timeout: 60_000 }, async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'conclave-votedur-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const servers: RaftServer[] = ['v1', 'v2', 'v3'].map((id, i) => ({ id, address: `127.0.0.${i + 2}:8300`, suffrage: 'voter' }));
  const net = new MemoryNetwork();
  const events = new Map<string, Event[]>();
  const nodes = new Map<string, RaftNode>();
  for (const [i, s] of servers.entries()) {
    const ev: Event[] = [];
    events.set(s.id, ev);
    nodes.set(s.id, await RaftNode.open({
      id: s.id, address: s.address, dataDir: join(root, s.id), fsm: new CountingFsm(), bootstrap: servers,
      transport: recordingTransport(net.transportFor(s.id, s.address), ev), storageIo: recordingIo(ev), tickMs: 5, rng: seededRng(i + 1),
    }));
  }
  t.after(async () => { for (const n of nodes.values()) await n.close(); });
  const leader = () => [...nodes.values()].find((n) => n.isLeader());
  // Three elections: the initial one and two forced by cutting off the leader.
  for (let round = 0; round < ROUNDS; round++) {
    await waitUntil(() => leader() !== undefined, 'a leader');
    const l = leader()!;
    // Five batches one after the other: a batch commits only once a follower acknowledged it, so each
    // round sends at least five acknowledgements (batches proposed together may share one).
    for (let batch = 0; batch < ACKED_BATCHES_PER_ROUND; batch++) {
      await Promise.all(Array.from({ length: 4 }, (_, i) => l.propose(new TextEncoder().encode(`r${round}-b${batch}-${i}`))));
    }
    const id = l.status().leaderId!;
    net.isolate(id);
    await waitUntil(() => [...nodes.entries()].some(([other, n]) => other !== id && n.isLeader()), 'a new leader');
    await waitUntil(() => !l.isLeader(), 'the cut-off leader to step down (check-quorum)');
    net.heal(id);
  }

  let votesChecked = 0;
  let acksChecked = 0;
  for (const [id, ev] of events) {
    ev.forEach((e, i) => {
      if (e.kind !== 'send') return;
      const m = e.msg;
      const before = ev.slice(0, i);
      const lastSync = before.map((x) => x.kind).lastIndexOf('sync');
      if (m.type === 'MsgVoteResp' && !m.reject) {
        const hsAt = findLast(before, (x) => x.kind === 'hs' && x.term === m.term && x.vote === m.to);
        assert.ok(hsAt >= 0, `${id}: vote for ${m.to} in term ${m.term} was never written`);
        assert.ok(lastSync > hsAt, `${id}: vote for ${m.to} in term ${m.term} sent before it was fsynced`);
        votesChecked++;
      }
      if (m.type === 'MsgAppResp' && !m.reject && m.index > 1) {
        const entAt = findLast(before, (x) => x.kind === 'entries' && x.last >= m.index);
        if (entAt >= 0) {
          assert.ok(lastSync > entAt, `${id}: ack of index ${m.index} sent before the entries were fsynced`);
          acksChecked++;
        }
      }
    });
  }
  assert.ok(votesChecked >= 3, `checked ${votesChecked} granted votes`);
  assert.ok(acksChecked >= ROUNDS * ACKED_BATCHES_PER_ROUND, `checked ${acksChecked} append acknowledgements`);
});
