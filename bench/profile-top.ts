// Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time, and
// the most inclusive time, so a benchmark's hot spots can be named with numbers.
// Usage: [PROFILE_FROM_S=s] [PROFILE_TO_S=s] node dist/bench/profile-top.js <file.cpuprofile> [top-n]
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node dist/bench/profile-top.js <file.cpuprofile> [top-n]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const label = (n: ProfileNode): string => {
  const url = n.callFrame.url.replace(/^file:\/\/.*?\/(dist|node_modules)\//, '$1/');
  const name = n.callFrame.functionName || '(anonymous)';
  return url ? `${name} ${url}:${n.callFrame.lineNumber + 1}` : name;
};

// PROFILE_FROM_S / PROFILE_TO_S: only the samples in that window (seconds since the profile started),
// e.g. the GET phase of a run that PUT first.
const fromUs = Number(process.env.PROFILE_FROM_S ?? 0) * 1e6;
const toUs = Number(process.env.PROFILE_TO_S ?? Infinity) * 1e6;
const selfUs = new Map<string, number>();
const totalUs = new Map<string, number>();
let allUs = 0;
let atUs = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] ?? 0;
  atUs += dt;
  if (atUs < fromUs || atUs > toUs) continue;
  allUs += dt;
  let node = byId.get(profile.samples[i]!);
  if (!node) continue;
  selfUs.set(label(node), (selfUs.get(label(node)) ?? 0) + dt);
  const seen = new Set<string>();
  for (;;) {
    const l = label(node);
    if (!seen.has(l)) {
      seen.add(l);
      totalUs.set(l, (totalUs.get(l) ?? 0) + dt);
    }
    const p = parent.get(node.id);
    if (p === undefined) break;
    node = byId.get(p)!;
  }
}

const print = (title: string, m: Map<string, number>): void => {
  console.log(`${title} (of ${(allUs / 1e6).toFixed(2)} s sampled)`);
  for (const [l, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((100 * us) / allUs).toFixed(1).padStart(6)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${l}`);
  }
};
print('self time', selfUs);
console.log('');
print('inclusive time', totalUs);
