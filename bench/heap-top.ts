// Summarises a V8 .heapsnapshot: self size and count per (node type, constructor/name), largest first,
// so a memory benchmark can say what the bytes are.
// Usage: node dist/bench/heap-top.js <file.heapsnapshot> [top-n]
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node dist/bench/heap-top.js <file.heapsnapshot> [top-n]');
  process.exit(2);
}
const top = Number(topArg ?? 30);
const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
const fields = snap.snapshot.meta.node_fields;
const types = snap.snapshot.meta.node_types[0];
const stride = fields.length;
const typeAt = fields.indexOf('type');
const nameAt = fields.indexOf('name');
const sizeAt = fields.indexOf('self_size');

const groups = new Map<string, { bytes: number; count: number }>();
let total = 0;
for (let i = 0; i < snap.nodes.length; i += stride) {
  const type = types[snap.nodes[i + typeAt]!]!;
  let name = snap.strings[snap.nodes[i + nameAt]!]!;
  // Strings, numbers and code are grouped by kind; their "name" is their content.
  if (type === 'string' || type === 'concatenated string' || type === 'sliced string' || type === 'number' || type === 'code') name = '';
  if (name.length > 60) name = `${name.slice(0, 57)}...`;
  const key = `${type} ${name}`.trim();
  const size = snap.nodes[i + sizeAt]!;
  total += size;
  const g = groups.get(key) ?? { bytes: 0, count: 0 };
  g.bytes += size;
  g.count++;
  groups.set(key, g);
}
const mib = (b: number): string => (b / (1024 * 1024)).toFixed(1);
console.log(`${mib(total)} MiB in ${snap.nodes.length / stride} heap nodes; largest groups by self size:`);
console.log('   MiB     count  avg bytes  type name');
for (const [key, g] of [...groups].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top)) {
  console.log(`${mib(g.bytes).padStart(6)}  ${String(g.count).padStart(8)}  ${(g.bytes / g.count).toFixed(0).padStart(9)}  ${key}`);
}
