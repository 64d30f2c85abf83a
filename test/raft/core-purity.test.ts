// raft/core must stay deterministic: no clock, timers, ambient randomness, process or node I/O.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const FORBIDDEN = ['Date.', 'setTimeout', 'setInterval', 'setImmediate', 'Math.random', 'process.', "from 'node:", 'performance.'];

test('src/raft/core uses no clock, timers, Math.random, process or node: imports', () => {
  const dir = join(process.cwd(), 'src', 'raft', 'core');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
  assert.ok(files.length >= 5, `expected the core sources in ${dir}`);
  const hits: string[] = [];
  for (const f of files) {
    const lines = readFileSync(join(dir, f), 'utf8').split('\n');
    lines.forEach((line, i) => {
      for (const bad of FORBIDDEN) if (line.includes(bad)) hits.push(`${f}:${i + 1}: ${bad}`);
    });
  }
  assert.deepEqual(hits, []);
});
