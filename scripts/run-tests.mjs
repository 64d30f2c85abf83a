// Runs every compiled test file under dist/test with node's test runner.
// TEST_FILTER=substring narrows the set (e.g. TEST_FILTER=raft npm test).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const filter = process.env.TEST_FILTER ?? '';
const files = walk('dist/test', []).filter((f) => f.includes(filter)).sort();
if (files.length === 0) {
  console.error('no test files found under dist/test');
  process.exit(1);
}
// A hung test must fail, not stall CI: per-test timeout, and exit even if a test leaks a handle.
const args = ['--test', '--test-concurrency=2', '--test-timeout=240000', '--test-force-exit', ...files];
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(r.status ?? 1);
