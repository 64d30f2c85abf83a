// consul reload and SIGHUP re-read -config-dir and apply only the difference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONSUL_BIN, startAgent, http, tempDir } from '../support/agent-process.js';
import { waitFor } from '../support/wait.js';

const run = promisify(execFile);

test('reload adds and removes config services; API-registered ones stay', async () => {
  const conf = tempDir('reload-conf');
  writeFileSync(join(conf, 'a.json'), JSON.stringify({ service: { name: 'alpha', port: 1 } }));
  const agent = await startAgent({ ip: '127.0.0.28', args: ['-config-dir', conf] });
  try {
    const names = async () => Object.values((await http(agent.base, 'GET', '/v1/agent/services')).json()).map((s: any) => s.Service).sort();
    assert.deepEqual(await names(), ['alpha']);
    await http(agent.base, 'PUT', '/v1/agent/service/register', JSON.stringify({ Name: 'from-api' }));
    writeFileSync(join(conf, 'b.hcl'), 'service {\n  name = "beta"\n  port = 2\n}\n');
    const { stdout } = await run(process.execPath, [CONSUL_BIN, 'reload', '-http-addr', agent.http]);
    assert.match(stdout, /Configuration reload triggered/);
    assert.deepEqual(await names(), ['alpha', 'beta', 'from-api']);
    rmSync(join(conf, 'a.json'));
    process.kill(agent.pid, 'SIGHUP');
    await waitFor(async () => JSON.stringify(await names()) === JSON.stringify(['beta', 'from-api']), { what: 'alpha removed by SIGHUP' });
    await waitFor(async () => (await http(agent.base, 'GET', '/v1/catalog/service/alpha')).json().length === 0, { what: 'alpha gone from the catalog' });
    writeFileSync(join(conf, 'broken.json'), '{ "service": ');
    const bad = await http(agent.base, 'PUT', '/v1/agent/reload');
    assert.equal(bad.status, 500);
    assert.match(bad.text, /^Failed reloading: /);
    assert.deepEqual(await names(), ['beta', 'from-api'], 'a failed reload changes nothing');
  } finally {
    await agent.stop();
  }
});
