// Acknowledged writes survive kill -9 of a `-server -bootstrap -data-dir D` agent; torn and corrupt
// WAL tails are handled at start-up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAgent, http, tempDir, type AgentProcess } from '../support/agent-process.js';
import { recordsEnd } from '../raft/support/wal-files.js';

const IP = '127.0.0.16';

function serverArgs(dataDir: string): string[] {
  return ['-server', '-bootstrap', '-data-dir', dataDir, '-log-level', 'info'];
}

async function start(dataDir: string): Promise<AgentProcess> {
  return startAgent({ ip: IP, dev: false, nodeName: 'durable', args: serverArgs(dataDir) });
}

function walFiles(dataDir: string): string[] {
  const dir = join(dataDir, 'raft', 'wal');
  return readdirSync(dir)
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort()
    .map((f) => join(dir, f));
}

test('every acknowledged write survives kill -9 mid-burst', async () => {
  const dataDir = tempDir('durable');
  let agent = await start(dataDir);
  const acked = new Map<string, string>();
  let stop = false;
  const writers = Array.from({ length: 16 }, async (_, w) => {
    for (let i = 0; !stop; i++) {
      const key = `burst/${w}/${i}`;
      const value = `v-${w}-${i}`;
      try {
        const r = await http(agent.base, 'PUT', `/v1/kv/${key}`, value);
        if (r.status === 200 && r.text.trim() === 'true') acked.set(key, value);
      } catch {
        return; // the process is gone
      }
    }
  });
  // Kill once a good number of writes were acknowledged, while more are in flight.
  while (acked.size < 400) await new Promise((r) => setImmediate(r));
  await agent.kill9();
  stop = true;
  await Promise.all(writers);
  assert.ok(acked.size >= 400);

  agent = await start(dataDir);
  try {
    const r = await http(agent.base, 'GET', '/v1/kv/burst/?recurse');
    assert.equal(r.status, 200);
    const found = new Map<string, string>((r.json() as any[]).map((e) => [e.Key, Buffer.from(e.Value, 'base64').toString()]));
    const lost = [...acked.keys()].filter((k) => found.get(k) !== acked.get(k));
    assert.deepEqual(lost, [], `${lost.length} of ${acked.size} acknowledged writes lost`);
  } finally {
    await agent.stop();
  }
});

test('state survives a clean restart', async () => {
  const dataDir = tempDir('restart');
  let agent = await start(dataDir);
  await http(agent.base, 'PUT', '/v1/kv/keep/me', 'kept');
  await http(agent.base, 'PUT', '/v1/agent/service/register', JSON.stringify({ Name: 'svc', Port: 1 }));
  assert.equal(await agent.stop(), 0);
  agent = await start(dataDir);
  try {
    const r = await http(agent.base, 'GET', '/v1/kv/keep/me?raw');
    assert.equal(r.text, 'kept');
  } finally {
    await agent.stop();
  }
});

test('a torn WAL tail is cut off and the agent starts with its data', async () => {
  const dataDir = tempDir('torn');
  let agent = await start(dataDir);
  for (let i = 0; i < 20; i++) await http(agent.base, 'PUT', `/v1/kv/torn/${i}`, `v${i}`);
  await agent.kill9();
  const files = walFiles(dataDir);
  assert.ok(files.length > 0, 'a WAL segment exists');
  // A partially written record right after the last good one (inside the preallocated zeros): a
  // length prefix promising more bytes than were written.
  const last = files[files.length - 1]!;
  const buf = readFileSync(last);
  Buffer.from([0x40, 0x00, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x01]).copy(buf, recordsEnd(last));
  writeFileSync(last, buf);
  agent = await start(dataDir);
  try {
    const r = await http(agent.base, 'GET', '/v1/kv/torn/?recurse');
    assert.equal(r.json().length, 20);
    assert.equal((await http(agent.base, 'PUT', '/v1/kv/torn/after', 'ok')).text.trim(), 'true');
  } finally {
    await agent.stop();
  }
});

test('a corrupt record in the middle of the WAL stops the agent with a clear message', async () => {
  const dataDir = tempDir('corrupt');
  let agent = await start(dataDir);
  for (let i = 0; i < 50; i++) await http(agent.base, 'PUT', `/v1/kv/corrupt/${i}`, 'x'.repeat(100));
  await agent.kill9();
  const file = walFiles(dataDir)[0]!;
  const buf = readFileSync(file);
  const at = Math.floor(recordsEnd(file) / 3);
  buf[at] = buf[at]! ^ 0xff;
  writeFileSync(file, buf);
  const failed = await startAgent({ ip: IP, dev: false, nodeName: 'durable', args: serverArgs(dataDir), waitLeader: true }).then(
    async (a) => {
      await a.stop();
      return null;
    },
    (err: Error) => err,
  );
  assert.ok(failed, 'the agent must refuse to start on a corrupt log');
  assert.match(failed!.message, /corrupt|crc|checksum/i);
  assert.ok(failed!.message.includes(file.split('/').pop()!), 'the message names the segment file');
});

test('services and checks registered through the API come back after a restart', async () => {
  const dataDir = tempDir('persist');
  let agent = await start(dataDir);
  await http(agent.base, 'PUT', '/v1/agent/service/register', JSON.stringify({ Name: 'kept', ID: 'kept-1', Port: 7, Check: { TTL: '60s' } }));
  await http(agent.base, 'PUT', '/v1/agent/check/register', JSON.stringify({ Name: 'node-ttl', TTL: '60s' }));
  await http(agent.base, 'PUT', '/v1/agent/service/register', JSON.stringify({ Name: 'dropped', Port: 8 }));
  await http(agent.base, 'PUT', '/v1/agent/service/deregister/dropped');
  await agent.kill9();
  agent = await start(dataDir);
  try {
    const services = (await http(agent.base, 'GET', '/v1/agent/services')).json();
    assert.deepEqual(Object.keys(services).sort(), ['kept-1']);
    assert.equal(services['kept-1'].Port, 7);
    const checks = (await http(agent.base, 'GET', '/v1/agent/checks')).json();
    assert.ok(checks['service:kept-1'], 'the service check is back');
    assert.ok(checks['node-ttl'], 'the standalone check is back');
  } finally {
    await agent.stop();
  }
});
