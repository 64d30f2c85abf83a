// The launchers give node the same flags however the agent is started: bin/consul and bin/conclave
// through their shebang line, `npm run dev` on its command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/agent-process.js';

function shebangFlags(file: string): string[] {
  const first = readFileSync(join(REPO_ROOT, file), 'utf8').split('\n', 1)[0]!;
  const m = /^#!\/usr\/bin\/env -S node(.*)$/.exec(first);
  assert.ok(m, `${file} starts with '#!/usr/bin/env -S node ...', got ${first}`);
  return m[1]!.trim().split(/\s+/);
}

test('bin/consul, bin/conclave and npm run dev start node with the same flags', () => {
  const flags = shebangFlags('bin/consul');
  assert.ok(flags.some((f) => f.startsWith('--max-semi-space-size=')), `flags: ${flags.join(' ')}`);
  assert.deepEqual(shebangFlags('bin/conclave'), flags);
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.equal(pkg.scripts.dev, `node ${flags.join(' ')} dist/src/cli/main.js agent -dev`);
  for (const f of ['bin/consul', 'bin/conclave']) assert.ok(statSync(join(REPO_ROOT, f)).mode & 0o111, `${f} is executable`);
});
