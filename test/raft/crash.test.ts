// kill -9 in the middle of a proposal burst, then reopen: every acknowledged entry must be there,
// at the index it was acknowledged with, in order. (kill -9 keeps the page cache, so this checks
// the ack ordering and recovery logic, not fsync itself; the simulator covers power loss.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { RaftNode } from '../../src/raft/node.js';
import { HistoryFsm } from './support/history-fsm.js';

const CHILD = fileURLToPath(new URL('./fixtures/crash-child.js', import.meta.url));

async function runAndKill(dataDir: string, runTag: string, acksBeforeKill: number): Promise<Map<number, string>> {
  const child = spawn(process.execPath, [CHILD, dataDir, runTag], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acked = new Map<number, string>();
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    let killed = false;
    child.stdout.on('data', (b: Buffer) => {
      buf += b.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^ack (\d+) (\S+)$/.exec(line);
        if (m) acked.set(Number(m[1]), m[2]!);
      }
      if (!killed && acked.size >= acksBeforeKill) {
        killed = true;
        process.kill(child.pid!, 'SIGKILL');
        resolve();
      }
    });
    void exited.then(({ code, signal }) => {
      if (!killed) reject(new Error(`child exited early (code ${code}, signal ${signal}): ${stderr}`));
    });
  });
  const { signal } = await exited;
  assert.equal(signal, 'SIGKILL');
  return acked;
}

test('every entry acknowledged before a SIGKILL is present, in order, after reopening', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-crash-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const allAcked = new Map<number, string>();
  for (const [run, burst] of [600, 900, 300].entries()) {
    const acked = await runAndKill(dir, `r${run}`, burst);
    for (const [i, c] of acked) allAcked.set(i, c);

    const fsm = new HistoryFsm();
    const node = await RaftNode.open({ id: 'crash', address: '127.0.0.1:8300', dataDir: dir, fsm, raftMultiplier: 1 });
    try {
      const byIndex = new Map(fsm.history);
      for (const [index, cmd] of allAcked) assert.equal(byIndex.get(index), cmd, `acknowledged entry ${index} (${cmd})`);
      for (let i = 1; i < fsm.history.length; i++) assert.ok(fsm.history[i]![0] > fsm.history[i - 1]![0], 'indexes strictly increase');
      // Each proposer waited for its ack before the next command, so its commands appear in sequence order.
      const lastSeq = new Map<string, number>();
      for (const [, cmd] of fsm.history) {
        const [p, seq] = cmd.split('-') as [string, string];
        const prev = lastSeq.get(p) ?? -1;
        assert.ok(Number(seq) > prev, `${cmd} after seq ${prev}`);
        lastSeq.set(p, Number(seq));
      }
      assert.ok(node.status().appliedIndex >= Math.max(...allAcked.keys()));
      if (run > 0) assert.ok(node.status().lastSnapshotIndex > 0, 'snapshots were taken and restored across crashes');
    } finally {
      await node.close();
    }
  }
});
