// Summarises a V8 .heapsnapshot: self size and count per (node type, constructor/name), largest first,
// so a memory benchmark can say what the bytes are.
// Usage: node dist/bench/heap-top.js <file.heapsnapshot> [top-n] [group]
// With a group (a substring of "type name", e.g. "JSArrayBufferData"), also prints the commonest
// retainer chains of that group's nodes: what keeps those bytes alive.
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

const [file, topArg, groupArg] = process.argv.slice(2);
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

if (groupArg) printRetainers(groupArg);

/** The commonest chains (up to 6 steps, weak edges skipped) from nodes of `group` to what holds them. */
function printRetainers(group: string): void {
  const edgeFields = snap.snapshot.meta.edge_fields;
  const edgeTypes = snap.snapshot.meta.edge_types[0];
  const es = edgeFields.length;
  const eType = edgeFields.indexOf('type');
  const eName = edgeFields.indexOf('name_or_index');
  const eTo = edgeFields.indexOf('to_node');
  const countAt = fields.indexOf('edge_count');
  const n = snap.nodes.length / stride;
  // Reverse edges, as CSR arrays: who points at node i.
  const revCount = new Int32Array(n + 1);
  for (let e = 0; e < snap.edges.length; e += es) revCount[snap.edges[e + eTo]! / stride + 1]!++;
  for (let i = 0; i < n; i++) revCount[i + 1]! += revCount[i]!;
  const revFrom = new Int32Array(snap.edges.length / es);
  const revEdge = new Int32Array(snap.edges.length / es);
  const fill = revCount.slice(0, n);
  for (let i = 0, e = 0; i < n; i++) {
    for (let k = 0; k < snap.nodes[i * stride + countAt]!; k++, e += es) {
      const to = snap.edges[e + eTo]! / stride;
      revFrom[fill[to]!] = i;
      revEdge[fill[to]!++] = e;
    }
  }
  const label = (i: number): string => `${types[snap.nodes[i * stride + typeAt]!]} ${String(snap.strings[snap.nodes[i * stride + nameAt]!]).slice(0, 40)}`;
  const edgeLabel = (e: number): string => {
    const t = edgeTypes[snap.edges[e + eType]!];
    const name = t === 'element' || t === 'hidden' ? '' : String(snap.strings[snap.edges[e + eName]!]);
    return name === '' || /^\d+$/.test(name) ? '[n]' : `.${name}`;
  };
  const chains = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < n; i++) {
    if (!label(i).includes(group)) continue;
    const steps = [label(i)];
    const seen = new Set([i]);
    for (let cur = i, depth = 0; depth < 6; depth++) {
      let next = -1;
      for (let r = revCount[cur]!; r < revCount[cur + 1]!; r++) {
        if (edgeTypes[snap.edges[revEdge[r]! + eType]!] === 'weak' || seen.has(revFrom[r]!)) continue;
        next = r;
        break;
      }
      if (next < 0) break;
      steps.push(`${edgeLabel(revEdge[next]!)} <- ${label(revFrom[next]!)}`);
      cur = revFrom[next]!;
      seen.add(cur);
    }
    const key = steps.join(' | ');
    const c = chains.get(key) ?? { count: 0, bytes: 0 };
    c.count++;
    c.bytes += snap.nodes[i * stride + sizeAt]!;
    chains.set(key, c);
  }
  console.log(`\nwhat holds "${group}" (commonest retainer chains):`);
  for (const [key, c] of [...chains].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 8)) {
    console.log(`${mib(c.bytes).padStart(6)} MiB in ${c.count}: ${key}`);
  }
}
