// Three real server processes replicate through raft over TCP :8300, configured by raft/peers.json
// (Consul's manual configuration): writes through any server, leader failover under kill -9,
// catch-up, and peers.json recovery of a lone survivor.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { http, type AgentProcess } from '../support/agent-process.js';
import { staticCluster } from '../support/static-cluster.js';
import { waitFor } from '../support/wait.js';

const IPS = ['127.0.0.21', '127.0.0.22', '127.0.0.23'];
const cluster = staticCluster({ ips: IPS, name: 'server', logLevel: 'info' });
const { ids, dirs, start } = cluster;
const agents: Array<AgentProcess | null> = [null, null, null];

after(async () => {
  await Promise.all(agents.map((a) => a?.stop()));
});

async function leaderIndex(): Promise<number> {
  return waitFor(async () => {
    for (let i = 0; i < 3; i++) {
      const a = agents[i];
      if (!a) continue;
      const r = await http(a.base, 'GET', '/v1/agent/self').catch(() => null);
      if (r?.json().Stats.raft.state === 'Leader') return i + 1;
    }
    return undefined;
  }, { what: 'a leader', timeoutMs: 30_000 }).then((n) => n - 1);
}

test('three servers elect a leader and replicate writes made through any of them', async () => {
  const started = await Promise.all([0, 1, 2].map((i) => start(i)));
  started.forEach((a, i) => (agents[i] = a));
  const leader = await leaderIndex();
  const peers = (await http(agents[0]!.base, 'GET', '/v1/status/peers')).json();
  assert.deepEqual([...peers].sort(), IPS.map((ip) => `${ip}:8300`).sort());
  for (let i = 0; i < 3; i++) {
    const r = await http(agents[i]!.base, 'PUT', `/v1/kv/c3/from-${i}`, `v${i}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text.trim(), 'true');
  }
  for (let i = 0; i < 3; i++) {
    const r = await http(agents[i]!.base, 'GET', '/v1/kv/c3/?recurse');
    assert.equal(r.status, 200);
    assert.equal(r.json().length, 3);
    assert.equal(r.headers.get('x-consul-knownleader'), 'true');
  }
  const follower = (leader + 1) % 3;
  const stale = await waitFor(async () => {
    const r = await http(agents[follower]!.base, 'GET', '/v1/kv/c3/?recurse&stale');
    return r.status === 200 && r.json().length === 3 ? r : undefined;
  }, { what: 'a follower to apply the writes' });
  assert.equal(stale.headers.get('x-consul-effective-consistency'), 'stale');
  const consistent = await http(agents[follower]!.base, 'GET', '/v1/kv/c3/from-0?consistent');
  assert.equal(consistent.status, 200);
});

test('kill -9 of the leader elects another; writes continue; the old leader catches up', async () => {
  const old = await leaderIndex();
  await agents[old]!.kill9();
  agents[old] = null;
  const next = await leaderIndex();
  assert.notEqual(next, old);
  const survivor = agents[(next + 1) % 3 === old ? (next + 2) % 3 : (next + 1) % 3]!;
  for (let i = 0; i < 20; i++) {
    const r = await http(survivor.base, 'PUT', `/v1/kv/c3/after/${i}`, `a${i}`);
    assert.equal(r.text.trim(), 'true', r.text);
  }
  agents[old] = await start(old);
  const caught = await waitFor(async () => {
    const r = await http(agents[old]!.base, 'GET', '/v1/kv/c3/after/?recurse&stale');
    return r.status === 200 && r.json().length === 20 ? r : undefined;
  }, { what: 'the restarted server to catch up', timeoutMs: 30_000 });
  assert.equal(caught.json().length, 20);
});

test('operator raft configuration lists the three servers and one leader', async () => {
  const leader = await leaderIndex();
  const conf = (await http(agents[(leader + 1) % 3]!.base, 'GET', '/v1/operator/raft/configuration')).json();
  assert.equal(conf.Servers.length, 3);
  assert.equal(conf.Servers.filter((s: any) => s.Leader).length, 1);
  assert.equal(conf.Servers.find((s: any) => s.Leader).Address, `${IPS[leader]}:8300`);
  assert.ok(conf.Servers.every((s: any) => s.Voter && s.ProtocolVersion === '3'));
  assert.deepEqual(conf.Servers.map((s: any) => s.Node).sort(), ['server-0', 'server-1', 'server-2']);
  const none = await http(agents[leader]!.base, 'DELETE', '/v1/operator/raft/peer');
  assert.equal(none.status, 400);
  assert.equal(none.text, "Must specify either ?id with the server's ID or ?address with IP:port of peer to remove");
  const unknown = await http(agents[leader]!.base, 'DELETE', '/v1/operator/raft/peer?address=10.0.0.1:8300');
  assert.equal(unknown.status, 500);
  assert.equal(unknown.text, 'address "10.0.0.1:8300" was not found in the Raft configuration');
});

test('with two of three servers down there is no leader: writes and default reads answer 500', async () => {
  const leader = await leaderIndex();
  const others = [0, 1, 2].filter((i) => i !== leader);
  await agents[others[0]!]!.kill9();
  agents[others[0]!] = null;
  await agents[others[1]!]!.kill9();
  agents[others[1]!] = null;
  const lone = agents[leader]!;
  const r = await waitFor(async () => {
    const w = await http(lone.base, 'PUT', '/v1/kv/c3/lost', 'x');
    return w.status === 500 ? w : undefined;
  }, { what: 'the lone server to step down', timeoutMs: 30_000 });
  assert.equal(r.text, 'No cluster leader');
  const read = await http(lone.base, 'GET', '/v1/kv/c3/from-0');
  assert.equal(read.status, 500);
  assert.equal(read.text, 'No cluster leader');
  const stale = await http(lone.base, 'GET', '/v1/kv/c3/from-0?stale');
  assert.equal(stale.status, 200);
  assert.equal(stale.headers.get('x-consul-knownleader'), 'false');
});

test('peers.json recovers the lone survivor of a lost quorum, keeping its data', async () => {
  const lone = [0, 1, 2].find((i) => agents[i] !== null)!;
  await agents[lone]!.stop();
  agents[lone] = null;
  writeFileSync(join(dirs[lone]!, 'raft', 'peers.json'), JSON.stringify([{ id: ids[lone], address: `${IPS[lone]}:8300`, non_voter: false }]));
  agents[lone] = await start(lone);
  const w = await waitFor(async () => {
    const r = await http(agents[lone]!.base, 'PUT', '/v1/kv/c3/recovered', 'yes');
    return r.status === 200 ? r : undefined;
  }, { what: 'writes after recovery', timeoutMs: 30_000 });
  assert.equal(w.text.trim(), 'true');
  assert.equal((await http(agents[lone]!.base, 'GET', '/v1/kv/c3/from-0?raw')).text, 'v0', 'data from before the outage');
  assert.deepEqual((await http(agents[lone]!.base, 'GET', '/v1/status/peers')).json(), [`${IPS[lone]}:8300`]);
});
