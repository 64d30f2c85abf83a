// Interop proof (issue #4): a stock `serf` agent (Debian package `serf`) joins a Conclave Gossip instance.
// It must list our node alive with our tags, and we must see it with its tags; then it leaves gracefully.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { Gossip } from '../../src/gossip/index.js';
import { createLogger } from '../../src/lib/logger.js';
import { waitFor } from '../support/wait.js';

const OURS = '127.0.0.76';
const SERF_IP = '127.0.0.77';

function serfBinary(): string | null {
  const r = spawnSync('serf', ['version'], { encoding: 'utf8' });
  return r.status === 0 ? 'serf' : null;
}

function serfMembers(): string {
  const r = spawnSync('serf', ['members', `-rpc-addr=${SERF_IP}:7373`], { encoding: 'utf8', timeout: 5000 });
  if (r.status !== 0) throw new Error(`serf members failed: ${r.stderr}`);
  return r.stdout;
}

test('a stock serf agent joins us, lists us alive with our tags, and we see it', async (t) => {
  assert.ok(serfBinary(), 'the `serf` binary is required (apt-get install serf; listed in scripts/apt-packages.txt)');
  const logs: string[] = [];
  const logger = createLogger({ level: 'DEBUG', name: 'agent', out: { write: (l: string) => logs.push(l) } });
  const g = await Gossip.start({
    nodeName: 'conclave-interop',
    bindAddr: OURS,
    bindPort: 8301,
    tags: { role: 'consul', dc: 'dc1', port: '8300', vsn: '2' },
    logger,
  });
  let serf: ChildProcess | null = null;
  t.after(async () => {
    if (serf && serf.exitCode === null) serf.kill('SIGKILL');
    await g.shutdown();
  });
  const serfOut: string[] = [];
  serf = spawn('serf', [
    'agent', '-node=stock-serf', `-bind=${SERF_IP}:7946`, `-rpc-addr=${SERF_IP}:7373`,
    `-join=${OURS}:8301`, '-tag', 'zone=a', '-tag', 'tier=web',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  serf.stdout!.on('data', (d) => serfOut.push(String(d)));
  serf.stderr!.on('data', (d) => serfOut.push(String(d)));

  const line = await waitFor(() => {
    const out = serfMembers();
    return out.split('\n').find((l) => l.startsWith('conclave-interop') && /\balive\b/.test(l));
  }, { timeoutMs: 20_000, what: `serf to list us alive; serf said:\n${serfOut.join('')}` });
  assert.match(line, new RegExp(`${OURS.replace(/\./g, '\\.')}:8301`));
  for (const tag of ['dc=dc1', 'port=8300', 'role=consul', 'vsn=2']) assert.ok(line.includes(tag), `${tag} missing from: ${line}`);

  const seen = await waitFor(() => g.members().find((m) => m.name === 'stock-serf' && m.status === 'alive'), {
    timeoutMs: 20_000, what: 'us to see the serf agent alive',
  });
  assert.equal(seen.addr, SERF_IP);
  assert.equal(seen.port, 7946);
  assert.deepEqual(seen.tags, { zone: 'a', tier: 'web' });

  // A user event from us reaches the serf agent (it logs received events).
  await g.userEvent('conclave-hello', Buffer.from('hi'), false);
  await waitFor(() => serfOut.join('').includes('conclave-hello') || serfOut.join('').includes('user-event'), {
    timeoutMs: 15_000, what: 'serf to log our user event',
  });

  // And a `serf event` fired on the serf agent reaches our listeners.
  const events: string[] = [];
  g.on('user', (e) => events.push(`${e.name}:${e.payload.toString()}`));
  spawnSync('serf', ['event', `-rpc-addr=${SERF_IP}:7373`, 'from-serf', 'payload-1'], { timeout: 5000 });
  await waitFor(() => events.includes('from-serf:payload-1'), { timeoutMs: 15_000, what: 'the serf user event' });

  // A graceful `serf leave` shows up here as left, not failed.
  spawnSync('serf', ['leave', `-rpc-addr=${SERF_IP}:7373`], { timeout: 15_000 });
  await waitFor(() => g.members().find((m) => m.name === 'stock-serf')?.status === 'left', {
    timeoutMs: 20_000, what: 'the serf agent to be seen as left',
  });
  assert.ok(!logs.some((l) => l.includes('[ERROR]')), logs.filter((l) => l.includes('[ERROR]')).join(''));
});

test('with gossip encryption: a serf agent with the same -encrypt key joins; AES-GCM frames interoperate', async (t) => {
  assert.ok(serfBinary(), 'the `serf` binary is required');
  const key = Buffer.from('pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s=', 'base64');
  const g = await Gossip.start({
    nodeName: 'conclave-enc', bindAddr: OURS, bindPort: 8301, tags: { role: 'consul' },
    logger: createLogger({ level: 'ERROR', out: { write: () => true } }), encryptKey: key,
  });
  let serf: ChildProcess | null = null;
  t.after(async () => {
    if (serf && serf.exitCode === null) serf.kill('SIGKILL');
    await g.shutdown();
  });
  const out: string[] = [];
  serf = spawn('serf', [
    'agent', '-node=stock-serf-enc', `-bind=${SERF_IP}:7947`, `-rpc-addr=${SERF_IP}:7374`,
    `-encrypt=${key.toString('base64')}`, `-join=${OURS}:8301`,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  serf.stdout!.on('data', (d) => out.push(String(d)));
  serf.stderr!.on('data', (d) => out.push(String(d)));
  await waitFor(() => g.members().find((m) => m.name === 'stock-serf-enc' && m.status === 'alive'), {
    timeoutMs: 20_000, what: `the encrypted serf agent to join; serf said:\n${out.join('')}`,
  });
  const r = spawnSync('serf', ['members', `-rpc-addr=${SERF_IP}:7374`], { encoding: 'utf8', timeout: 5000 });
  assert.match(r.stdout, /conclave-enc\s+127\.0\.0\.76:8301\s+alive/);
  assert.equal(g.stats().encrypted, 'true');
});
