// Several Gossip instances on loopback IPs (127.0.0.70-75, each on port 8301 of its own IP), real UDP and TCP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gossip, type GossipMember, type GossipUserEvent } from '../../src/gossip/index.js';
import { createLogger } from '../../src/lib/logger.js';
import { waitFor } from '../support/wait.js';

const quiet = createLogger({ level: 'ERROR', out: { write: () => true } });
// LAN timing scaled down 5x so failures are detected in seconds; the protocol is unchanged.
const FAST = { probeIntervalMs: 250, probeTimeoutMs: 150, gossipIntervalMs: 50, pushPullIntervalMs: 2000 };

function start(i: number, extra: Partial<Parameters<typeof Gossip.start>[0]> = {}): Promise<Gossip> {
  return Gossip.start({
    nodeName: `n${i}`,
    bindAddr: `127.0.0.${i}`,
    bindPort: 8301,
    tags: { role: 'node', id: String(i) },
    logger: quiet,
    swim: FAST,
    serf: { leavePropagateDelayMs: 200, reapIntervalMs: 500 },
    ...extra,
  });
}

const statusOf = (g: Gossip, name: string) => g.members().find((m) => m.name === name)?.status;

test('members join through host, host:port and [v6]-style forms, converge, see tags, updates and events', async (t) => {
  const gs = await Promise.all([70, 71, 72].map((i) => start(i)));
  t.after(() => Promise.all(gs.map((g) => g.shutdown())));
  const [a, b, c] = gs as [Gossip, Gossip, Gossip];
  const joins: string[] = [];
  a.on('member-join', (m) => joins.push(m.name));
  assert.equal(await b.join(['127.0.0.70']), 1);
  assert.equal(await c.join(['127.0.0.71:8301', 'n0/127.0.0.70:8301']), 2);
  await waitFor(() => gs.every((g) => g.members().filter((m) => m.status === 'alive').length === 3), { what: 'convergence' });
  assert.deepEqual(a.members().find((m) => m.name === 'n72')!.tags, { role: 'node', id: '72' });
  assert.equal(a.localMember().name, 'n70');
  assert.equal(a.stats().members, '3');
  // A loaded machine can make a member flap (failed, then back): compare the set, not the sequence.
  assert.deepEqual([...new Set(joins)].sort(), ['n70', 'n71', 'n72'], 'our own join (raised inside start) is delivered too');

  const updates: GossipMember[] = [];
  a.on('member-update', (m) => updates.push(m));
  await c.setTags({ role: 'node', id: '72', extra: 'yes' });
  await waitFor(() => updates.find((m) => m.name === 'n72' && m.tags.extra === 'yes'), { what: 'tag update' });

  const got: GossipUserEvent[] = [];
  b.on('user', (e) => got.push(e));
  await a.userEvent('deploy', Buffer.from('v1'), false);
  const ev = await waitFor(() => got.find((e) => e.name === 'deploy'), { what: 'user event' });
  assert.equal(ev.payload.toString(), 'v1');
  await assert.rejects(a.userEvent('big', Buffer.alloc(600), false), /limit/);
  await assert.rejects(a.join(['127.0.0.99:1']), /failed to join/);
});

test('a member that stops answering is failed, one that leaves is left, force-leave and reap', async (t) => {
  const gs = await Promise.all([73, 74, 75].map((i) => start(i, { reconnectTimeoutMs: 3000 })));
  const alive = new Set(gs);
  t.after(() => Promise.all([...alive].map((g) => g.shutdown())));
  const [a, b, c] = gs as [Gossip, Gossip, Gossip];
  await b.join(['127.0.0.73']);
  await c.join(['127.0.0.73']);
  await waitFor(() => gs.every((g) => g.members().filter((m) => m.status === 'alive').length === 3), { what: 'convergence' });

  const failed: string[] = [];
  a.on('member-failed', (m) => failed.push(m.name));
  const reaped: string[] = [];
  a.on('member-reap', (m) => reaped.push(m.name));
  await c.shutdown(); // no leave: looks like a crash
  alive.delete(c);
  await waitFor(() => statusOf(a, 'n75') === 'failed' && statusOf(b, 'n75') === 'failed', { timeoutMs: 20_000, what: 'failure detection' });
  assert.ok(failed.includes('n75'));
  await waitFor(() => reaped.includes('n75'), { timeoutMs: 20_000, what: 'reap after reconnect timeout' });

  await b.leave();
  await waitFor(() => statusOf(a, 'n74') === 'left', { timeoutMs: 20_000, what: 'leave' });
});

test('force-leave marks a failed member left; prune erases it', async (t) => {
  const gs = await Promise.all([70, 71, 72].map((i) => start(i)));
  const alive = new Set(gs);
  t.after(() => Promise.all([...alive].map((g) => g.shutdown())));
  const [a, b, c] = gs as [Gossip, Gossip, Gossip];
  await b.join(['127.0.0.70']);
  await c.join(['127.0.0.70']);
  await waitFor(() => gs.every((g) => g.members().filter((m) => m.status === 'alive').length === 3), { what: 'convergence' });
  await c.shutdown();
  alive.delete(c);
  await waitFor(() => statusOf(a, 'n72') === 'failed', { timeoutMs: 20_000, what: 'failure' });
  await a.forceLeave('n72', false);
  await waitFor(() => statusOf(b, 'n72') === 'left', { what: 'forced leave spread' });
  await a.forceLeave('n72', true);
  await waitFor(() => statusOf(a, 'n72') === undefined && statusOf(b, 'n72') === undefined, { what: 'prune' });
});

test('a restarted member rejoins the members in its snapshot', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gossip-snap-'));
  const snap = join(dir, 'local.snapshot');
  const a = await start(73);
  let b = await start(74, { snapshotPath: snap });
  t.after(() => Promise.all([a.shutdown(), b.shutdown()]));
  await b.join(['127.0.0.73']);
  await waitFor(() => statusOf(a, 'n74') === 'alive', { what: 'join' });
  await b.shutdown();
  assert.match(readFileSync(snap, 'utf8'), /alive: n73 127\.0\.0\.73:8301/);
  await waitFor(() => statusOf(a, 'n74') === 'failed', { timeoutMs: 20_000, what: 'failure' });
  b = await start(74, { snapshotPath: snap });
  await waitFor(() => statusOf(a, 'n74') === 'alive' && statusOf(b, 'n73') === 'alive', { timeoutMs: 20_000, what: 'rejoin' });
});
