// deploy/systemd: the unit parses (systemd-analyze verify, from Debian's systemd package) and has what
// Consul's package ships; the default consul.hcl passes `consul validate`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CONSUL_BIN, REPO_ROOT, tempDir } from '../support/agent-process.js';

const UNIT = readFileSync(join(REPO_ROOT, 'deploy/systemd/consul.service'), 'utf8');
const run = promisify(execFile);

/** [Section] -> key -> values (a key may repeat). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const out = new Map<string, Map<string, string[]>>();
  let section: Map<string, string[]> | undefined;
  for (const [n, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const s = /^\[(\w+)\]$/.exec(line);
    if (s) {
      section = new Map();
      out.set(s[1]!, section);
      continue;
    }
    const kv = /^(\w+)=(.*)$/.exec(line);
    assert.ok(kv && section, `line ${n + 1}: ${line}`);
    section.set(kv[1]!, [...(section.get(kv[1]!) ?? []), kv[2]!]);
  }
  return out;
}

test("the unit has Consul's package shape: /etc/consul.d, reload on HUP, restart on failure, file limit", () => {
  const u = parseUnit(UNIT);
  const svc = u.get('Service')!;
  const one = (k: string) => svc.get(k)?.[0];
  assert.equal(one('ExecStart'), '/usr/bin/consul agent -config-dir=/etc/consul.d/');
  assert.equal(one('ExecReload'), '/bin/kill --signal HUP $MAINPID');
  assert.equal(one('Restart'), 'on-failure');
  assert.equal(one('User'), 'consul');
  assert.ok(Number(one('LimitNOFILE')) >= 65536);
  assert.equal(one('KillMode'), 'process');
  assert.equal(u.get('Unit')!.get('ConditionFileNotEmpty')?.[0], '/etc/consul.d/consul.hcl');
  assert.deepEqual(u.get('Install')!.get('WantedBy'), ['multi-user.target']);
});

test('readiness without sd_notify: Type=exec and an ExecStartPost that waits for a leader', () => {
  const svc = parseUnit(UNIT).get('Service')!;
  assert.equal(svc.get('Type')?.[0], 'exec');
  assert.match(svc.get('ExecStartPost')![0]!, /docker-healthcheck\.mjs --wait$/);
  assert.ok(Number(svc.get('TimeoutStartSec')?.[0]) > 110, 'systemd waits longer than the probe (110 s by default)');
});

const analyze = spawnSync('systemd-analyze', ['--version']).status === 0;
test('systemd-analyze verify accepts the unit', { skip: analyze ? false : 'systemd-analyze not installed (apt: systemd)' }, () => {
  const dir = tempDir('systemd');
  // verify also checks that the programs exist: point them at ones that do on this machine.
  const unit = UNIT.replace('/usr/bin/consul', '/bin/true').replace(/^ExecStartPost=.*$/m, 'ExecStartPost=/bin/true');
  writeFileSync(join(dir, 'consul.service'), unit);
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', join(dir, 'consul.service')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr.trim(), '', 'no warnings');
  // The check is live: a bad value is reported.
  writeFileSync(join(dir, 'bad.service'), unit.replace(/^Type=exec$/m, 'Type=bogus'));
  const bad = spawnSync('systemd-analyze', ['verify', '--man=no', join(dir, 'bad.service')], { encoding: 'utf8' });
  assert.match(bad.stderr, /Failed to parse service type/);
});

test('the default /etc/consul.d/consul.hcl passes consul validate', async () => {
  const dir = tempDir('consul-d');
  copyFileSync(join(REPO_ROOT, 'deploy/systemd/consul.hcl'), join(dir, 'consul.hcl'));
  // A host's own address and a writable data dir, which a real host has.
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'zz-host.json'), JSON.stringify({ bind_addr: '127.0.0.1', data_dir: join(dir, 'data') }));
  const { stdout } = await run(process.execPath, [CONSUL_BIN, 'validate', dir]);
  assert.match(stdout, /Configuration is valid!/);
  assert.match(readFileSync(join(dir, 'consul.hcl'), 'utf8'), /^data_dir = "\/opt\/consul"$/m);
});
