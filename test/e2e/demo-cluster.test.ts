// Consul's demo topology (3 servers, 3 clients) as six real processes on 127.0.0.2-7, started by the
// same launcher operators use (deploy/local-cluster.ts), driven with the CLI and the HTTP API.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { promisify } from 'node:util';
import Consul from 'consul';
import { TOPOLOGY, startAgentProcess, type Launched } from '../../deploy/local-cluster.js';
import { CONSUL_BIN, http, tempDir } from '../support/agent-process.js';
import { waitFor } from '../support/wait.js';

const run = promisify(execFile);
const dir = tempDir('demo');
const agents = new Map<string, Launched>();
const base = (name: string) => `http://${TOPOLOGY.find((t) => t.name === name)!.ip}:8500`;
const SERVERS = TOPOLOGY.filter((t) => t.command.includes('-server')).map((t) => t.name);
const CLIENTS = TOPOLOGY.filter((t) => !t.command.includes('-server')).map((t) => t.name);

function start(name: string, extra: string[] = []): void {
  agents.set(name, startAgentProcess(TOPOLOGY.find((t) => t.name === name)!, dir, extra));
}

async function kill9(name: string): Promise<void> {
  const a = agents.get(name)!;
  const exited = new Promise((r) => a.proc!.once('exit', r));
  process.kill(a.pid, 'SIGKILL');
  await exited;
  agents.delete(name);
}

async function consulCli(addrOf: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [CONSUL_BIN, ...args, '-http-addr', base(addrOf).slice(7)]);
  return stdout;
}

async function leaderName(): Promise<string> {
  return waitFor(async () => {
    for (const s of SERVERS) {
      if (!agents.has(s)) continue;
      const r = await http(base(s), 'GET', '/v1/agent/self').catch(() => null);
      if (r?.status === 200 && r.json().Stats.raft.state === 'Leader') return s;
    }
    return undefined;
  }, { what: 'a raft leader', timeoutMs: 60_000 });
}

after(async () => {
  for (const a of agents.values()) {
    try {
      process.kill(a.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

test('the demo topology forms: a leader, 3 servers and 3 clients alive in consul members', async () => {
  for (const t of TOPOLOGY) start(t.name);
  await leaderName();
  const out = await waitFor(async () => {
    const text = await consulCli('consul-client-1', 'members');
    const alive = text.split('\n').filter((l) => /\balive\b/.test(l));
    return alive.length === 6 ? text : undefined;
  }, { what: 'six alive members', timeoutMs: 60_000 });
  for (const name of SERVERS) assert.match(out, new RegExp(`${name}\\s+\\S+\\s+alive\\s+server`));
  for (const name of CLIENTS) assert.match(out, new RegExp(`${name}\\s+\\S+\\s+alive\\s+client`));
  const peers = (await http(base('consul-client-2'), 'GET', '/v1/status/peers')).json();
  assert.equal(peers.length, 3);
});

test('a KV write through one client is read through every other agent', async () => {
  const w = await http(base('consul-client-1'), 'PUT', '/v1/kv/demo/greeting', 'hello');
  assert.equal(w.text.trim(), 'true');
  for (const t of TOPOLOGY) {
    const r = await http(base(t.name), 'GET', '/v1/kv/demo/greeting?raw');
    assert.equal(r.text, 'hello', `read through ${t.name}`);
  }
});

test('a service registered on a client is in the catalog as seen from every agent', async () => {
  const consul = new Consul({ host: TOPOLOGY.find((t) => t.name === 'consul-client-2')!.ip, port: 8500 });
  await consul.agent.service.register({ name: 'web', id: 'web-1', port: 80, check: { ttl: '60s', status: 'passing' } as any });
  for (const t of TOPOLOGY) {
    const rows = await waitFor(async () => {
      const r = await http(base(t.name), 'GET', '/v1/health/service/web?passing');
      return r.status === 200 && r.json().length === 1 ? r.json() : undefined;
    }, { what: `web passing via ${t.name}` });
    assert.equal(rows[0].Node.Node, 'consul-client-2');
  }
});

test('an HTTP check on a client turns passing, critical when its target stops, and passing again', async () => {
  const target = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => target.listen(18080, '127.0.0.5', r));
  const client1 = base('consul-client-1');
  await http(client1, 'PUT', '/v1/agent/service/register', JSON.stringify({
    Name: 'api', ID: 'api-1', Port: 18080,
    Check: { HTTP: 'http://127.0.0.5:18080/health', Interval: '1s', Timeout: '1s' },
  }));
  const statusVia = async (agentName: string) =>
    ((await http(base(agentName), 'GET', '/v1/health/checks/api')).json() as any[]).find((c) => c.CheckID === 'service:api-1')?.Status;
  await waitFor(async () => (await statusVia('consul-server-1')) === 'passing', { what: 'passing', timeoutMs: 20_000 });
  await new Promise<void>((r) => target.close(() => r()));
  target.closeAllConnections();
  const critical = await waitFor(async () => {
    const c = ((await http(base('consul-server-2'), 'GET', '/v1/health/checks/api')).json() as any[])[0];
    return c?.Status === 'critical' ? c : undefined;
  }, { what: 'critical after the target stopped', timeoutMs: 20_000 });
  assert.match(critical.Output, /connection refused|ECONNREFUSED|connect/i);
  const again = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => again.listen(18080, '127.0.0.5', r));
  try {
    await waitFor(async () => (await statusVia('consul-client-2')) === 'passing', { what: 'passing again', timeoutMs: 20_000 });
  } finally {
    again.closeAllConnections();
    await new Promise<void>((r) => again.close(() => r()));
  }
});

test('?cached through a client agent answers from its cache', async () => {
  const first = await http(base('consul-client-1'), 'GET', '/v1/health/service/web?cached');
  assert.equal(first.headers.get('x-cache'), 'MISS');
  const second = await waitFor(async () => {
    const r = await http(base('consul-client-1'), 'GET', '/v1/health/service/web?cached');
    return r.headers.get('x-cache') === 'HIT' ? r : undefined;
  }, { what: 'a cache hit' });
  assert.equal(second.json().length, 1);
});

test('a restarted client brings back its API-registered services from disk', async () => {
  const a = agents.get('consul-client-2')!;
  const exited = new Promise((r) => a.proc!.once('exit', r));
  process.kill(a.pid, 'SIGTERM');
  await exited;
  agents.delete('consul-client-2');
  start('consul-client-2');
  const svc = await waitFor(async () => {
    const r = await http(base('consul-client-2'), 'GET', '/v1/agent/services').catch(() => null);
    return r?.status === 200 && r.json()['web-1'] ? r.json()['web-1'] : undefined;
  }, { what: 'web-1 restored', timeoutMs: 30_000 });
  assert.equal(svc.Port, 80);
  await waitFor(async () => (await http(base('consul-server-1'), 'GET', '/v1/catalog/service/web')).json().length === 1, {
    what: 'web-1 still in the catalog',
    timeoutMs: 30_000,
  });
});

test('kill -9 of a client turns its serfHealth critical and members shows it failed', async () => {
  await kill9('consul-client-3');
  const check = await waitFor(async () => {
    const r = await http(base('consul-server-1'), 'GET', '/v1/health/node/consul-client-3');
    const serf = (r.json() as any[]).find((c) => c.CheckID === 'serfHealth');
    return serf?.Status === 'critical' ? serf : undefined;
  }, { what: 'serfHealth critical', timeoutMs: 30_000 });
  assert.equal(check.Output, 'Agent not live or unreachable');
  const out = await consulCli('consul-client-1', 'members');
  assert.match(out, /consul-client-3\s+\S+\s+failed\s+client/);
});

test('kill -9 of the leader elects another and writes continue', async () => {
  const old = await leaderName();
  await kill9(old);
  const next = await leaderName();
  assert.notEqual(next, old);
  const w = await waitFor(async () => {
    const r = await http(base('consul-client-1'), 'PUT', '/v1/kv/demo/after-failover', 'ok');
    return r.status === 200 ? r : undefined;
  }, { what: 'a write after failover', timeoutMs: 30_000 });
  assert.equal(w.text.trim(), 'true');
  // The killed server comes back with -rejoin and returns to the peer set.
  start(old, ['-rejoin']);
  const peers = await waitFor(async () => {
    const r = await http(base(old), 'GET', '/v1/status/peers').catch(() => null);
    const list = r?.status === 200 ? (r.json() as string[]) : [];
    return list.length === 3 && (await http(base(old), 'GET', '/v1/kv/demo/after-failover?stale&raw')).text === 'ok' ? list : undefined;
  }, { what: 'the restarted server to rejoin and catch up', timeoutMs: 60_000 });
  assert.ok(peers.includes(`${TOPOLOGY.find((t) => t.name === old)!.ip}:8300`));
});

test('a user event fired through one agent reaches every other agent', async () => {
  const fire = await http(base('consul-client-1'), 'PUT', '/v1/event/fire/deploy', 'v1.2.3');
  assert.equal(fire.status, 200, fire.text);
  const ev = fire.json();
  assert.equal(ev.Name, 'deploy');
  assert.equal(Buffer.from(ev.Payload, 'base64').toString(), 'v1.2.3');
  assert.equal(ev.Version, 1);
  for (const t of TOPOLOGY.filter((x) => agents.has(x.name))) {
    const list = await waitFor(async () => {
      const r = await http(base(t.name), 'GET', '/v1/event/list?name=deploy');
      return (r.json() as any[]).some((e) => e.ID === ev.ID) ? r : undefined;
    }, { what: `the event at ${t.name}`, timeoutMs: 20_000 });
    assert.ok(BigInt(list.headers.get('x-consul-index')!) > 1n);
  }
  const empty = await http(base('consul-client-1'), 'PUT', '/v1/event/fire/', '');
  assert.equal(empty.status, 400);
  assert.equal(empty.text, 'Missing name');
});


test('consul leave on a client shows it left', async () => {
  const out = await consulCli('consul-client-2', 'leave');
  assert.match(out, /Graceful leave complete/);
  const members = await waitFor(async () => {
    const text = await consulCli('consul-client-1', 'members');
    return /consul-client-2\s+\S+\s+left\s+client/.test(text) ? text : undefined;
  }, { what: 'client-2 left', timeoutMs: 30_000 });
  assert.ok(members);
  await waitFor(async () => {
    const r = await http(base('consul-server-1'), 'GET', '/v1/catalog/node/consul-client-2');
    return r.text.trim() === 'null';
  }, { what: 'the left client deregistered', timeoutMs: 30_000 });
});
