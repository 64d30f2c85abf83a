// Real-process chaos: three servers (127.0.0.24-26, raft_multiplier 1) keep accepting writes while
// the leader is kill -9'ed and restarted 20 times under load from 8 clients doing writes, CAS and
// ?consistent reads over 24 keys. Afterwards: every acknowledged write to a write-once key is on
// every server, and the whole recorded history is linearizable (src/lib/linearizability).
// Also: leadership transfer over HTTP (POST /v1/operator/raft/transfer-leader).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { http, type AgentProcess } from '../support/agent-process.js';
import { staticCluster } from '../support/static-cluster.js';
import { waitFor } from '../support/wait.js';
import { KvWorkload } from '../raft/support/kv-workload.js';
import { checkKvHistory } from '../../src/lib/linearizability/index.js';

const IPS = ['127.0.0.24', '127.0.0.25', '127.0.0.26'];
const KILLS = Number(process.env.RAFT_CHAOS_KILLS ?? 20);
const cluster = staticCluster({ ips: IPS, name: 'chaos', raftMultiplier: 1, logLevel: 'warn' });
const { ids, start } = cluster;
const agents: Array<AgentProcess | null> = IPS.map(() => null);

after(async () => {
  await Promise.all(agents.map((a) => a?.kill9()));
});

/** Each server's state and last log lines, for failure messages. */
function diag(): string {
  return agents.map((a, i) => `--- ${IPS[i]}: ${a ? `pid ${a.pid} exit ${a.proc.exitCode ?? a.proc.signalCode ?? 'running'}` : 'down'}\n` +
    (a ? a.output().trim().split('\n').slice(-12).join('\n') : '')).join('\n');
}

/** Runs `fn`; on failure rethrows with every server's recent output attached. */
async function withDiag<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const e = err as Error & { cause?: unknown };
    throw new Error(`${e.message}${e.cause ? ` (cause: ${String((e.cause as Error).message ?? e.cause)})` : ''}\n${diag()}`);
  }
}

/** The index of the server that reports itself leader (asked of every live server). */
async function leaderIndex(exclude = -1): Promise<number> {
  return waitFor(async () => {
    for (let i = 0; i < IPS.length; i++) {
      const a = agents[i];
      if (!a || i === exclude) continue;
      const r = await http(a.base, 'GET', '/v1/agent/self').catch(() => null);
      if (r?.status === 200 && r.json().Stats.raft.state === 'Leader') return i + 1;
    }
    return undefined;
  }, { what: 'a leader', timeoutMs: 30_000, intervalMs: 20 }).then((n) => n - 1);
}

test('transfer-leader over HTTP hands leadership to the named server, or to another one', () => withDiag(async () => {
  const started = await Promise.all(IPS.map((_, i) => start(i)));
  started.forEach((a, i) => (agents[i] = a));
  const old = await leaderIndex();
  const target = (old + 1) % 3;
  // Asked of a follower: the RPC is forwarded to the leader.
  const r = await http(agents[(old + 2) % 3]!.base, 'POST', `/v1/operator/raft/transfer-leader?id=${ids[target]}`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json(), { Success: true });
  assert.equal(await leaderIndex(), target);
  const any = await http(agents[target]!.base, 'POST', '/v1/operator/raft/transfer-leader');
  assert.deepEqual(any.json(), { Success: true });
  assert.notEqual(await leaderIndex(), target);
  const bad = await http(agents[0]!.base, 'POST', '/v1/operator/raft/transfer-leader?id=no-such-server');
  assert.equal(bad.status, 500);
  assert.match(bad.text, /cannot find peer/);
  const put = await http(agents[0]!.base, 'PUT', '/v1/kv/chaos/after-transfer', 'ok');
  assert.equal(put.text.trim(), 'true');
}));

test(`${KILLS} kill -9s of the leader under load lose no acknowledged write; the history is linearizable`, () => withDiag(async () => {
  const load = new KvWorkload({
    bases: () => agents.filter((a): a is AgentProcess => a !== null).map((a) => a.base),
    prefix: 'chaos', keys: 24, workers: 8, timeoutMs: 4000, seed: 7,
  });
  load.start();
  try {
    for (let k = 0; k < KILLS; k++) {
      const victim = await leaderIndex();
      const ackedBefore = load.acked;
      await agents[victim]!.kill9();
      agents[victim] = null;
      // Writes continue on the two survivors under a new leader...
      await leaderIndex(victim);
      await waitFor(() => load.acked >= ackedBefore + 10, { what: `writes after kill ${k + 1}`, timeoutMs: 30_000, intervalMs: 20 });
      // ...and the victim comes back (startAgent waits until it knows a leader).
      agents[victim] = await start(victim);
    }
  } finally {
    await load.stop();
  }
  assert.ok(load.acked > KILLS * 10, `acknowledged ${load.acked}`);

  // Final ?consistent read of every key, part of the checked history.
  for (let i = 0; i < 24; i++) {
    const r = await waitFor(() => load.read('final', load.key(i)), { what: 'a final read', timeoutMs: 30_000 });
    assert.ok(r);
  }

  // Every acknowledged write-once key is on every server once they have caught up.
  const want = new Set(load.ackedUnique);
  for (const a of agents) {
    await waitFor(async () => {
      const r = await http(a!.base, 'GET', '/v1/kv/chaos/u/?keys&stale');
      if (r.status !== 200) return undefined;
      const have = new Set(r.json() as string[]);
      return [...want].every((k) => have.has(k)) || undefined;
    }, { what: `${a!.ip} to hold all ${want.size} acknowledged write-once keys`, timeoutMs: 30_000 });
  }

  const result = checkKvHistory(load.events);
  const detail = JSON.stringify(result.problems.slice(0, 3));
  assert.equal(result.verdict, 'ok', `linearizability: ${result.verdict} ${detail}`);
  console.log(`chaos: ${KILLS} kills, ${load.acked} acknowledged writes (${want.size} write-once), ${load.indeterminate} indeterminate, ` +
    `${load.failedReads} failed reads, ${result.ops} ops over ${result.keys} keys checked linearizable in ${result.steps} steps`);
}));
