// Health checks and anti-entropy on client agents of the demo topology (3 servers, 3 clients, six real
// processes started by deploy/local-cluster.ts from deploy/docker-compose.yml). The cluster runs on
// 127.0.0.84-89 rather than the demo's usual 127.0.0.2-7 so that it can run beside
// test/e2e/demo-cluster.test.ts (the runner takes two files at a time); it is the same topology and
// the same command lines.
//
// Clients: client-1 has default settings (script checks refused), client-2 runs with
// -enable-script-checks, client-3 with -enable-local-script-checks and a config file holding a script
// check. client-3 alone also shortens ae_interval (Consul's full sync is 1-2 min; its own tests
// shorten it the same way) so that the anti-entropy test does not wait minutes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMPOSE_FILE, startAgentProcess, topologyFromCompose, type AgentSpec, type Launched } from '../../deploy/local-cluster.js';
import { http, tempDir } from '../support/agent-process.js';
import { closedPort } from '../checks/support.js';
import { waitFor } from '../support/wait.js';

const IPS: Record<string, string> = {
  'consul-server-bootstrap': '127.0.0.84',
  'consul-server-1': '127.0.0.85',
  'consul-server-2': '127.0.0.86',
  'consul-client-1': '127.0.0.87',
  'consul-client-2': '127.0.0.88',
  'consul-client-3': '127.0.0.89',
};
const TOPOLOGY: AgentSpec[] = topologyFromCompose(readFileSync(COMPOSE_FILE, 'utf8'), IPS);
const dir = tempDir('demo-checks');
const agents = new Map<string, Launched>();
const base = (name: string) => `http://${IPS[name]}:8500`;
const SERVER = 'consul-server-1';

const SCRIPTS_REMOTE_REFUSED =
  "Scripts are disabled on this agent from remote calls; to enable, configure 'enable_script_checks' to true";

const configFile = join(dir, 'client-3-services.json');
writeFileSync(configFile, JSON.stringify({
  service: {
    name: 'local-script', id: 'local-script', port: 9,
    check: { args: ['/bin/sh', '-c', 'echo from the config file; exit 0'], interval: '1s' },
  },
}));
const EXTRA: Record<string, string[]> = {
  'consul-client-2': ['-enable-script-checks'],
  'consul-client-3': ['-enable-local-script-checks', '-config-file', configFile, '-hcl', 'ae_interval = "3s"'],
};

after(async () => {
  for (const a of agents.values()) {
    try {
      process.kill(a.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

/** A check's row as the servers' catalog has it (read through a server, not the owning client). */
async function catalogCheck(service: string, checkId: string): Promise<{ Status: string; Output: string; Node: string } | undefined> {
  const r = await http(base(SERVER), 'GET', `/v1/health/checks/${service}`);
  return r.status === 200 ? (r.json() as any[]).find((c) => c.CheckID === checkId) : undefined;
}

/** Waits until the catalog holds the check with `status`; returns its row. */
function catalogCheckWhen(service: string, checkId: string, status: string, what: string, timeoutMs?: number) {
  return waitFor(async () => {
    const row = await catalogCheck(service, checkId);
    return row?.Status === status ? row : undefined;
  }, { what, timeoutMs });
}

async function register(agent: string, def: object): Promise<void> {
  const r = await http(base(agent), 'PUT', '/v1/agent/service/register', JSON.stringify(def));
  assert.equal(r.status, 200, `register on ${agent}: ${r.text}`);
}

let doomedCriticalSince = 0;

test('the demo topology forms on 127.0.0.84-89 with every agent alive', async () => {
  for (const spec of TOPOLOGY) agents.set(spec.name, startAgentProcess(spec, dir, EXTRA[spec.name] ?? []));
  await waitFor(async () => {
    const r = await http(base(SERVER), 'GET', '/v1/agent/members').catch(() => null);
    const alive = r?.status === 200 ? (r.json() as any[]).filter((m) => m.Status === 1).length : 0;
    return alive === 6;
  }, { what: 'six alive members', timeoutMs: 60_000 });
  await waitFor(async () => {
    const r = await http(base('consul-client-1'), 'GET', '/v1/status/leader').catch(() => null);
    return r?.status === 200 && r.json() !== '';
  }, { what: 'a leader known to the clients', timeoutMs: 60_000 });
});

test('a service whose check is critical, with DeregisterCriticalServiceAfter, turns critical and is kept for now', async () => {
  // Registered first: it must stay critical for Consul's minimum of one minute (reaped at the end of the file).
  const port = await closedPort();
  doomedCriticalSince = Date.now(); // a new check starts critical (Consul's default), so the clock runs from here
  await register('consul-client-1', {
    Name: 'doomed', ID: 'doomed-1', Port: port,
    Check: { HTTP: `http://127.0.0.87:${port}/`, Interval: '1s', Timeout: '1s', DeregisterCriticalServiceAfter: '1s' },
  });
  await waitFor(async () => (await catalogCheck('doomed', 'service:doomed-1'))?.Status === 'critical', {
    what: 'the doomed check critical in the catalog', timeoutMs: 30_000,
  });
  // The agent has run it (an output-only change reaches the catalog only after check_update_interval).
  const local = await waitFor(async () => {
    const c = (await http(base('consul-client-1'), 'GET', '/v1/agent/checks')).json()['service:doomed-1'];
    return c?.Output ? c : undefined;
  }, { what: 'the doomed check to have run on client-1', timeoutMs: 30_000 });
  assert.equal(local.Status, 'critical');
  assert.match(local.Output, /connection refused/);
  // 1s is raised to the one-minute minimum, so it cannot have been reaped yet.
  const svc = await http(base('consul-client-1'), 'GET', '/v1/agent/service/doomed-1');
  assert.equal(svc.status, 200);
});

test('a script check is refused with Consul\'s message unless the agent enables script checks', async () => {
  const def = { Name: 'scripted', ID: 'scripted-1', Port: 7, Check: { Args: ['/bin/sh', '-c', 'echo script says hi; exit 1'], Interval: '1s' } };
  for (const agent of ['consul-client-1', 'consul-client-3']) {
    // client-3 enables local (config-file) scripts only: API registrations are still refused.
    const r = await http(base(agent), 'PUT', '/v1/agent/service/register', JSON.stringify(def));
    assert.equal(r.status, 500, `${agent}: ${r.text}`);
    assert.equal(r.text.trim(), SCRIPTS_REMOTE_REFUSED);
    assert.equal((await http(base(agent), 'GET', '/v1/agent/service/scripted-1')).status, 404);
  }
  await register('consul-client-2', def);
  const warning = await catalogCheckWhen('scripted', 'service:scripted-1', 'warning', 'the script check (exit 1) to be warning in the catalog', 30_000);
  assert.equal(warning.Node, 'consul-client-2');
  assert.equal(warning.Output, 'script says hi\n');
});

test('a script check from a config file runs on the agent started with -enable-local-script-checks', async () => {
  const row = await catalogCheckWhen('local-script', 'service:local-script', 'passing', 'the config-file script check passing', 30_000);
  assert.equal(row.Node, 'consul-client-3');
  assert.equal(row.Output, 'from the config file\n');
});

test('a TTL check passes while reported and expires to critical with Consul\'s output', async () => {
  await register('consul-client-1', { Name: 'beat', ID: 'beat-1', Port: 8, Check: { TTL: '2s' } });
  const pass = await http(base('consul-client-1'), 'PUT', '/v1/agent/check/pass/service:beat-1?note=alive');
  assert.equal(pass.status, 200, pass.text);
  await catalogCheckWhen('beat', 'service:beat-1', 'passing', 'the TTL check passing');
  const expired = await catalogCheckWhen('beat', 'service:beat-1', 'critical', 'the TTL check to expire', 20_000);
  assert.equal(expired.Output, 'TTL expired (last output before timeout follows): alive');
});

test('a service deleted through /v1/catalog/deregister on a server is put back by the client', async () => {
  await register('consul-client-3', { Name: 'precious', ID: 'precious-1', Port: 5, Check: { TTL: '10m', Status: 'passing' } });
  const before = await waitFor(async () => {
    const rows = (await http(base(SERVER), 'GET', '/v1/catalog/service/precious')).json();
    return rows.length === 1 ? rows[0] : undefined;
  }, { what: 'precious synced' });
  const del = await http(base('consul-server-2'), 'PUT', '/v1/catalog/deregister', JSON.stringify({ Node: 'consul-client-3', ServiceID: 'precious-1' }));
  assert.equal(del.status, 200, del.text);
  // Put back means registered anew: a later CreateIndex than the one deleted (its absence in between
  // may be too short to observe, with client-3's full sync every few seconds).
  const back = await waitFor(async () => {
    const r = await http(base(SERVER), 'GET', '/v1/health/service/precious?passing');
    const rows = r.json() as any[];
    return rows.length === 1 && rows[0].Service.CreateIndex > before.CreateIndex ? rows : undefined;
  }, { what: 'anti-entropy to register precious-1 again with its passing check', timeoutMs: 30_000 });
  assert.equal(back[0].Node.Node, 'consul-client-3');
  assert.equal(back[0].Service.ID, 'precious-1');
});

test('?cached on a client: a miss, then hits that the background refresh keeps current', async () => {
  await register('consul-client-2', { Name: 'fresh', ID: 'fresh-2', Port: 2 });
  await waitFor(async () => (await http(base(SERVER), 'GET', '/v1/catalog/service/fresh')).json().length === 1, { what: 'fresh-2 synced' });
  const first = await http(base('consul-client-1'), 'GET', '/v1/health/service/fresh?cached');
  assert.equal(first.headers.get('x-cache'), 'MISS');
  await register('consul-client-3', { Name: 'fresh', ID: 'fresh-3', Port: 3 });
  // The refresh keeps a blocking query open, so the new instance shows up as a HIT, never a MISS.
  const seen = new Set<string>();
  const hit = await waitFor(async () => {
    const r = await http(base('consul-client-1'), 'GET', '/v1/health/service/fresh?cached');
    seen.add(r.headers.get('x-cache') ?? '');
    return r.json().length === 2 ? r : undefined;
  }, { what: 'a cached answer with both instances', timeoutMs: 20_000 });
  assert.deepEqual([...seen], ['HIT']);
  assert.equal(hit.headers.get('x-cache'), 'HIT');
  assert.deepEqual(hit.json().map((e: any) => e.Service.ID).sort(), ['fresh-2', 'fresh-3']);
});

test('DeregisterCriticalServiceAfter removes the critical service from the client and the catalog', async () => {
  assert.ok(doomedCriticalSince > 0, 'the doomed service was registered');
  // Critical for the one-minute minimum, then found by the 30 s reaper: within ~95 s of turning critical.
  const left = 100_000 - (Date.now() - doomedCriticalSince);
  await waitFor(async () => (await http(base('consul-client-1'), 'GET', '/v1/agent/service/doomed-1')).status === 404, {
    what: 'the client to deregister doomed-1', timeoutMs: Math.max(left, 5_000), intervalMs: 500,
  });
  await waitFor(async () => (await http(base(SERVER), 'GET', '/v1/catalog/service/doomed')).json().length === 0, {
    what: 'doomed gone from the catalog', timeoutMs: 15_000,
  });
  assert.equal((await catalogCheck('doomed', 'service:doomed-1')), undefined);
});
