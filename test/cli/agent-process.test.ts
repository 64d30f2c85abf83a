// Drives bin/consul against a real agent process on its own loopback address.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import http from 'node:http';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'consul');
const ADDR = '127.0.0.20';
const READY_DEADLINE_MS = 30_000;

let agent: ChildProcess | undefined;
let agentLog = '';

function getText(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: ADDR, port: 8500, path, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function waitForLeader(): Promise<void> {
  const deadline = Date.now() + READY_DEADLINE_MS;
  let last = '';
  while (Date.now() < deadline) {
    if (agent?.exitCode !== null) throw new Error(`agent exited early (${agent?.exitCode}):\n${agentLog}`);
    try {
      const r = await getText('/v1/status/leader');
      if (r.status === 200 && r.body.includes(':8300')) return;
      last = `${r.status} ${r.body}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`agent not ready within ${READY_DEADLINE_MS} ms (last: ${last})\n${agentLog}`);
}

function consul(args: string[], stdin?: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, CONSUL_HTTP_ADDR: `${ADDR}:8500` }, timeout: 20_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, out: stdout, err: stderr });
      },
    );
    if (stdin !== undefined) child.stdin!.end(stdin);
    else child.stdin!.end();
  });
}

before(async () => {
  agent = spawn(process.execPath, [BIN, 'agent', '-dev', '-node', 'cli-e2e', '-client', ADDR, '-bind', ADDR], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  agent.stdout!.on('data', (c: Buffer) => (agentLog += c.toString()));
  agent.stderr!.on('data', (c: Buffer) => (agentLog += c.toString()));
  await waitForLeader();
});

after(async () => {
  if (!agent || agent.exitCode !== null || agent.pid === undefined) return;
  const exited = new Promise<void>((r) => agent!.once('exit', () => r()));
  process.kill(agent.pid, 'SIGTERM');
  const timer = setTimeout(() => agent?.pid !== undefined && agent.exitCode === null && process.kill(agent.pid, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
});

test('kv put, get, get -detailed, delete against a real agent', async () => {
  assert.deepEqual(await consul(['kv', 'put', 'e2e/greeting', 'hello world']), { code: 0, out: 'Success! Data written to: e2e/greeting\n', err: '' });
  assert.deepEqual(await consul(['kv', 'get', 'e2e/greeting']), { code: 0, out: 'hello world\n', err: '' });
  const detailed = await consul(['kv', 'get', '-detailed', 'e2e/greeting']);
  assert.equal(detailed.code, 0);
  assert.match(detailed.out, /^CreateIndex {6}\d+\nFlags {12}0\nKey {14}e2e\/greeting\nLockIndex {8}0\nModifyIndex {6}\d+\nSession {10}-\nValue {12}hello world\n$/);
  const modifyIndex = /ModifyIndex\s+(\d+)/.exec(detailed.out)![1]!;
  assert.deepEqual(await consul(['kv', 'put', '-cas', '-modify-index', '1', 'e2e/greeting', 'x']), {
    code: 1, out: '', err: 'Error! Did not write to e2e/greeting: CAS failed\n',
  });
  assert.equal((await consul(['kv', 'put', '-cas', '-modify-index', modifyIndex, 'e2e/greeting', 'v2'])).code, 0);
  assert.equal((await consul(['kv', 'put', 'e2e/from-stdin', '-'], 'piped')).code, 0);
  assert.equal((await consul(['kv', 'get', '-recurse', 'e2e/'])).out, 'e2e/from-stdin:piped\ne2e/greeting:v2\n');
  assert.deepEqual(await consul(['kv', 'delete', 'e2e/greeting']), { code: 0, out: 'Success! Deleted key: e2e/greeting\n', err: '' });
  assert.deepEqual(await consul(['kv', 'get', 'e2e/greeting']), { code: 1, out: '', err: 'Error! No key exists at: e2e/greeting\n' });
  assert.deepEqual(await consul(['kv', 'delete', '-recurse', 'e2e/']), { code: 0, out: 'Success! Deleted keys with prefix: e2e/\n', err: '' });
});

test('services register shows up in catalog services', async () => {
  assert.deepEqual(await consul(['services', 'register', '-name', 'e2e-web', '-port', '8080', '-tag', 'v1']), {
    code: 0, out: 'Registered service: e2e-web\n', err: '',
  });
  // Registration is local first and reaches the catalog through anti-entropy: wait for it with a deadline.
  const deadline = Date.now() + 15_000;
  let out = '';
  while (Date.now() < deadline) {
    out = (await consul(['catalog', 'services', '-tags'])).out;
    if (out.includes('e2e-web')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(out, /^consul\s*\ne2e-web\s+v1\n$/);
  assert.equal((await consul(['services', 'deregister', '-id', 'e2e-web'])).out, 'Deregistered service: e2e-web\n');
});

test('members lists the agent as an alive server', async () => {
  const r = await consul(['members']);
  assert.equal(r.code, 0);
  const lines = r.out.trimEnd().split('\n');
  assert.match(lines[0]!, /^Node\s+Address\s+Status\s+Type\s+Build\s+Protocol\s+DC\s+Partition\s+Segment$/);
  assert.match(lines[1]!, new RegExp(`^cli-e2e\\s+${ADDR.replace(/\./g, '\\.')}:8301\\s+alive\\s+server\\s+\\S+\\s+2\\s+dc1\\s+default\\s+<all>$`));
});

test('catalog nodes and datacenters see the agent', async () => {
  assert.equal((await consul(['catalog', 'datacenters'])).out, 'dc1\n');
  const nodes = await consul(['catalog', 'nodes']);
  assert.match(nodes.out, /^Node\s+ID\s+Address\s+DC\n/);
  assert.match(nodes.out, new RegExp(`\\ncli-e2e\\s+[0-9a-f]{8}\\s+${ADDR.replace(/\./g, '\\.')}`));
});
