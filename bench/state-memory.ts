// Memory cost of the state store holding N KV keys with values of V bytes (default 100,000 x 1 KiB).
// Prints heap and RSS before and after, per-key overhead beyond the value bytes, and snapshot size.
// Run: npx tsc -p tsconfig.json && node --expose-gc dist/bench/state-memory.js [keys] [valueBytes]
import { StateStore } from '../src/state/index.js';

const keys = Number(process.argv[2] ?? 100_000);
const valueBytes = Number(process.argv[3] ?? 1024);
const gc = (globalThis as { gc?: () => void }).gc;

function measure(): { heap: number; rss: number; external: number; arrayBuffers: number } {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss, external: m.external, arrayBuffers: m.arrayBuffers };
}

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

if (!gc) console.warn('warning: run with --expose-gc for stable numbers');
const before = measure();
const store = new StateStore();
const t0 = performance.now();
for (let i = 0; i < keys; i++) {
  const value = new Uint8Array(valueBytes);
  value.fill(i & 0xff);
  store.kvsSet(i + 1, {
    Key: `service/app-${i % 100}/config/key-${i.toString().padStart(6, '0')}`,
    Value: value,
    Flags: 0n,
    Session: '',
    LockIndex: 0,
    CreateIndex: 0,
    ModifyIndex: 0,
  });
}
const loadMs = performance.now() - t0;
const after = measure();
const t1 = performance.now();
const [, listed] = store.kvsList(null, 'service/app-7/');
const listMs = performance.now() - t1;
const t2 = performance.now();
const snap = store.snapshot();
const snapMs = performance.now() - t2;

const valueTotal = keys * valueBytes;
const heapDelta = after.heap - before.heap;
const offHeap = after.arrayBuffers - before.arrayBuffers;
const total = heapDelta + offHeap;
console.log(`keys=${keys} value=${valueBytes}B (values total ${mib(valueTotal)})`);
console.log(`load: ${loadMs.toFixed(0)} ms (${((keys / loadMs) * 1000).toFixed(0)} sets/s)`);
console.log(`heapUsed: ${mib(before.heap)} -> ${mib(after.heap)} (+${mib(heapDelta)})`);
console.log(`arrayBuffers (values): +${mib(offHeap)}`);
console.log(`rss: ${mib(before.rss)} -> ${mib(after.rss)} (+${mib(after.rss - before.rss)})`);
console.log(`overhead per key beyond value bytes: ${((total - valueTotal) / keys).toFixed(0)} B`);
console.log(`prefix list of ${listed.length} keys: ${listMs.toFixed(1)} ms`);
console.log(`snapshot: ${mib(snap.length)} in ${snapMs.toFixed(0)} ms`);
console.log(`maxIndex(kvs)=${store.maxIndex('kvs')}`);
