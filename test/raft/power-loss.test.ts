// Power loss, simulated: images of the data directory holding only what was fdatasynced (plus a
// torn piece of the rest) are taken mid-burst; each must reopen cleanly and hold every entry
// acknowledged before the image was taken.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { RaftNode } from '../../src/raft/node.js';
import { seededRng } from '../../src/lib/rng.js';
import { HistoryFsm } from './support/history-fsm.js';
import { PowerLossIo } from './support/power-loss-io.js';

const enc = new TextEncoder();

test('every acknowledged entry survives a simulated power cut (synced bytes only, torn tails)', { timeout: 120_000 }, async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'conclave-powerloss-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const live = join(root, 'live');
  const io = new PowerLossIo();
  const rng = seededRng(42);
  const node = await RaftNode.open({
    id: 'p1', address: '127.0.0.1:8300', dataDir: live, fsm: new HistoryFsm(), storageIo: io, raftMultiplier: 1,
    bootstrap: [{ id: 'p1', address: '127.0.0.1:8300', suffrage: 'voter' }],
    snapshotThreshold: 150, trailingLogs: 30, walSegmentBytesMax: 4096, snapshotIntervalMs: 10,
  });
  const acked = new Map<number, string>();
  const images: { dir: string; acked: Map<number, string> }[] = [];
  const captureEvery = 250;
  let running = true;
  const proposer = async (p: number) => {
    for (let seq = 0; running; seq++) {
      const cmd = `p${p}-${seq}`;
      const r = await node.propose(enc.encode(cmd));
      acked.set(r.index, cmd);
      if (acked.size % captureEvery === 0 && images.length < 8) {
        const dir = join(root, `image-${images.length}`);
        io.capture(live, dir, rng);
        images.push({ dir, acked: new Map(acked) });
        if (images.length === 8) running = false;
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, (_, p) => proposer(p)));
  await node.close();

  assert.equal(images.length, 8);
  for (const [i, img] of images.entries()) {
    const fsm = new HistoryFsm();
    const reopened = await RaftNode.open({ id: 'p1', address: '127.0.0.1:8300', dataDir: img.dir, fsm, raftMultiplier: 1 });
    try {
      const have = new Map(fsm.history);
      for (const [index, cmd] of img.acked) assert.equal(have.get(index), cmd, `image ${i}: acknowledged entry ${index}`);
      // The node is usable after recovery.
      const r = await reopened.propose(enc.encode('after power loss'));
      assert.ok(r.index > Math.max(...img.acked.keys()));
    } finally {
      await reopened.close();
    }
  }
});
