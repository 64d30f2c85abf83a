// Five real servers (127.0.0.31-35): the cluster survives two failures — with the leader and one
// follower kill -9'ed, the remaining three elect a leader and keep committing writes and serving
// ?consistent reads; the two come back and catch up.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { http, type AgentProcess } from '../support/agent-process.js';
import { staticCluster } from '../support/static-cluster.js';
import { waitFor } from '../support/wait.js';

const IPS = ['127.0.0.31', '127.0.0.32', '127.0.0.33', '127.0.0.34', '127.0.0.35'];
const cluster = staticCluster({ ips: IPS, name: 'five', raftMultiplier: 1, logLevel: 'warn' });
const { start } = cluster;
const agents: Array<AgentProcess | null> = IPS.map(() => null);

after(async () => {
  await Promise.all(agents.map((a) => a?.kill9()));
});

async function leaderIndex(): Promise<number> {
  return waitFor(async () => {
    for (let i = 0; i < IPS.length; i++) {
      const a = agents[i];
      if (!a) continue;
      const r = await http(a.base, 'GET', '/v1/agent/self').catch(() => null);
      if (r?.status === 200 && r.json().Stats.raft.state === 'Leader') return i + 1;
    }
    return undefined;
  }, { what: 'a leader', timeoutMs: 30_000, intervalMs: 20 }).then((n) => n - 1);
}

test('five servers keep committing with two of them down, and the two catch up on return', async () => {
  const started = await Promise.all(IPS.map((_, i) => start(i)));
  started.forEach((a, i) => (agents[i] = a));
  const leader = await leaderIndex();
  for (let i = 0; i < 10; i++) assert.equal((await http(agents[leader]!.base, 'PUT', `/v1/kv/five/before/${i}`, `b${i}`)).text.trim(), 'true');

  const down = [leader, (leader + 1) % 5];
  for (const i of down) {
    await agents[i]!.kill9();
    agents[i] = null;
  }
  const next = await leaderIndex();
  assert.ok(!down.includes(next));
  const live = [0, 1, 2, 3, 4].filter((i) => !down.includes(i));
  for (let i = 0; i < 30; i++) {
    const via = agents[live[i % 3]!]!;
    const r = await waitFor(async () => {
      const w = await http(via.base, 'PUT', `/v1/kv/five/during/${i}`, `d${i}`);
      return w.status === 200 ? w : undefined;
    }, { what: `write ${i} with 3 of 5 servers`, timeoutMs: 15_000 });
    assert.equal(r.text.trim(), 'true');
  }
  for (const i of live) {
    const r = await http(agents[i]!.base, 'GET', '/v1/kv/five/?recurse&consistent');
    assert.equal(r.status, 200);
    assert.equal(r.json().length, 40);
  }

  for (const i of down) agents[i] = await start(i);
  for (const i of down) {
    await waitFor(async () => {
      const r = await http(agents[i]!.base, 'GET', '/v1/kv/five/?recurse&stale');
      return r.status === 200 && r.json().length === 40;
    }, { what: `server ${IPS[i]} to catch up`, timeoutMs: 30_000 });
  }
  const peers = (await http(agents[0]!.base, 'GET', '/v1/status/peers')).json() as string[];
  assert.equal(peers.length, 5);
});
