// Single-server RaftNode on disk with a trivial FSM: N concurrent proposers, each proposing its
// next command as soon as the previous one resolves (durable + committed + applied).
// Prints proposals/s and fdatasyncs/s per N. Usage:
//   npx tsc -p tsconfig.json && node dist/bench/raft-single.js [seconds-per-run] [payload-bytes] [concurrencies, e.g. 1,16,64,256]
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { RaftNode } from '../src/raft/node.js';
import { countingIo } from '../src/raft/storage/io.js';
import type { StateMachine } from '../src/raft/api.js';

const seconds = Number(process.argv[2] ?? 5);
const payloadBytes = Number(process.argv[3] ?? 128);
const concurrencies = (process.argv[4] ?? '1,16,64,256').split(',').map(Number);

class NoopFsm implements StateMachine {
  n = 0;
  apply(): unknown { return ++this.n; }
  snapshot(): Uint8Array { return new Uint8Array(8); }
  restore(): void { this.n = 0; }
}

async function run(concurrency: number): Promise<{ proposals: number; fsyncs: number; secs: number; p50: number; p99: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-bench-raft-'));
  const io = countingIo();
  const node = await RaftNode.open({
    id: 'b1', address: '127.0.0.1:8300', dataDir: dir, fsm: new NoopFsm(), storageIo: io, raftMultiplier: 1,
    bootstrap: [{ id: 'b1', address: '127.0.0.1:8300', suffrage: 'voter' }],
  });
  await node.propose(new Uint8Array(1)); // leader no-op out of the way
  const payload = new Uint8Array(payloadBytes).fill(7);
  const fsync0 = io.counts.fdatasync;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let proposals = 0;
  const lat: number[] = [];
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      await node.propose(payload);
      lat.push(performance.now() - t0);
      proposals++;
    }
  }));
  const secs = (performance.now() - start) / 1000;
  const fsyncs = io.counts.fdatasync - fsync0;
  await node.close();
  rmSync(dir, { recursive: true, force: true });
  lat.sort((a, b) => a - b);
  return { proposals, fsyncs, secs, p50: lat[Math.floor(lat.length * 0.5)]!, p99: lat[Math.floor(lat.length * 0.99)]! };
}

console.log(`raft-single: ${seconds}s per run, ${payloadBytes}-byte commands, data dir under ${tmpdir()}`);
console.log('concurrency  proposals/s  fsyncs/s  entries/fsync  p50 ms  p99 ms');
for (const c of concurrencies) {
  const r = await run(c);
  console.log(
    `${String(c).padStart(11)}  ${(r.proposals / r.secs).toFixed(0).padStart(11)}  ${(r.fsyncs / r.secs).toFixed(0).padStart(8)}  ` +
    `${(r.proposals / Math.max(1, r.fsyncs)).toFixed(1).padStart(13)}  ${r.p50.toFixed(2).padStart(6)}  ${r.p99.toFixed(2).padStart(6)}`,
  );
}
