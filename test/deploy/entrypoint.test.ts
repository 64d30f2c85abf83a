// deploy/docker-entrypoint.sh run with a fake `consul` on PATH (it records its argv), for each of the
// official image's env-var conventions; then once with the real agent and the health probe.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { join } from 'node:path';
import { CONSUL_BIN, REPO_ROOT, tempDir } from '../support/agent-process.js';
import { waitFor } from '../support/wait.js';

const ENTRYPOINT = join(REPO_ROOT, 'deploy/docker-entrypoint.sh');
const HEALTHCHECK = join(REPO_ROOT, 'deploy/docker-healthcheck.mjs');
const dir = tempDir('entrypoint');
const fakeBin = join(dir, 'fake-bin');
mkdirSync(fakeBin);
writeFileSync(join(fakeBin, 'consul'), '#!/bin/sh\nprintf \'%s\\0\' "$@" > "$ARGV_FILE"\n');
chmodSync(join(fakeBin, 'consul'), 0o755);
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** The fake consul's argv (after `consul`), or null when consul was not run. */
  argv: string[] | null;
}

let runs = 0;
function runEntrypoint(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const argvFile = join(dir, `argv-${++runs}`);
  // Only PATH and what the case sets: the test runner's own CONSUL_* variables must not leak in.
  const fullEnv = { PATH: `${fakeBin}:${process.env.PATH}`, ARGV_FILE: argvFile, ...env };
  return new Promise((resolve) => {
    execFile(ENTRYPOINT, args, { env: fullEnv }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      const argv = existsSync(argvFile) ? readFileSync(argvFile, 'utf8').split('\0').slice(0, -1) : null;
      resolve({ code, stdout, stderr, argv });
    });
  });
}

const DEFAULT_CMD = ['agent', '-dev', '-client', '0.0.0.0'];
const DIRS = ['-data-dir=/consul/data', '-config-dir=/consul/config'];

test('default command: agent gets the image data and config dirs', async () => {
  const r = await runEntrypoint(DEFAULT_CMD);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.argv, ['agent', ...DIRS, '-dev', '-client', '0.0.0.0']);
});

test('CONSUL_BIND_INTERFACE and CONSUL_CLIENT_INTERFACE become address templates the agent resolves', async () => {
  const bind = await runEntrypoint(DEFAULT_CMD, { CONSUL_BIND_INTERFACE: 'eth0' });
  assert.deepEqual(bind.argv, ['agent', ...DIRS, '-bind', '{{ GetInterfaceIP "eth0" }}', '-dev', '-client', '0.0.0.0']);
  assert.match(bind.stdout, /interface 'eth0'/);
  const both = await runEntrypoint(['agent', '-server'], { CONSUL_BIND_INTERFACE: 'eth0', CONSUL_CLIENT_INTERFACE: 'eth1' });
  assert.deepEqual(both.argv, [
    'agent', ...DIRS, '-bind', '{{ GetInterfaceIP "eth0" }}', '-client', '{{ GetInterfaceIP "eth1" }}', '-server',
  ]);
  const client = await runEntrypoint(['agent'], { CONSUL_CLIENT_INTERFACE: 'ens5' });
  assert.deepEqual(client.argv, ['agent', ...DIRS, '-client', '{{ GetInterfaceIP "ens5" }}']);
});

test('an interface name that could break out of the template is refused, consul is not run', async () => {
  for (const bad of ['eth0" }}{{ GetPrivateIP', 'eth 0', 'eth0;rm']) {
    const r = await runEntrypoint(DEFAULT_CMD, { CONSUL_BIND_INTERFACE: bad });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /CONSUL_BIND_INTERFACE must be a network interface name/);
    assert.equal(r.argv, null);
  }
});

test('CONSUL_DATA_DIR and CONSUL_CONFIG_DIR override the directories', async () => {
  const r = await runEntrypoint(DEFAULT_CMD, { CONSUL_DATA_DIR: '/srv/data', CONSUL_CONFIG_DIR: '/srv/conf' });
  assert.deepEqual(r.argv, ['agent', '-data-dir=/srv/data', '-config-dir=/srv/conf', '-dev', '-client', '0.0.0.0']);
});

test('CONSUL_LOCAL_CONFIG is written to <config dir>/local.json before the agent starts', async () => {
  const conf = join(dir, 'conf');
  const json = '{"datacenter": "east", "skip_leave_on_interrupt": true}';
  const r = await runEntrypoint(['agent', '-server'], { CONSUL_CONFIG_DIR: conf, CONSUL_LOCAL_CONFIG: json });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(join(conf, 'local.json'), 'utf8'), `${json}\n`);
  assert.deepEqual(r.argv, ['agent', '-data-dir=/consul/data', `-config-dir=${conf}`, '-server']);
});

test('an unwritable config dir for CONSUL_LOCAL_CONFIG is a clear error', async () => {
  const file = join(dir, 'a-file');
  writeFileSync(file, '');
  const r = await runEntrypoint(DEFAULT_CMD, { CONSUL_CONFIG_DIR: join(file, 'conf'), CONSUL_LOCAL_CONFIG: '{}' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Cannot write CONSUL_LOCAL_CONFIG/);
  assert.equal(r.argv, null);
});

test('a bare flag or another subcommand runs consul; anything else runs as given', async () => {
  assert.deepEqual((await runEntrypoint(['-version'])).argv, ['-version']);
  assert.deepEqual((await runEntrypoint(['members', '-wan'])).argv, ['members', '-wan']);
  assert.deepEqual((await runEntrypoint(['kv', 'get', 'a'], { CONSUL_BIND_INTERFACE: 'eth0' })).argv, ['kv', 'get', 'a']);
  const sh = await runEntrypoint(['sh', '-c', 'echo from-sh']);
  assert.equal(sh.code, 0);
  assert.equal(sh.argv, null);
  assert.match(sh.stdout, /from-sh/);
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

function runHealthcheck(httpAddr: string, args: string[] = [], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [HEALTHCHECK, ...args], { env: { CONSUL_HTTP_ADDR: httpAddr, ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr, argv: null }),
    );
  });
}

test('health probe: unhealthy with nothing listening, with HTTP errors and with no leader; healthy with one', async () => {
  const port = await freePort();
  const down = await runHealthcheck(`127.0.0.1:${port}`);
  assert.equal(down.code, 1);
  assert.match(down.stderr, /agent not reachable/);

  let answer: [number, string] = [200, '""'];
  const srv = createHttpServer((req, res) => {
    assert.equal(req.url, '/v1/status/leader');
    res.writeHead(answer[0], { 'content-type': 'application/json' }).end(answer[1]);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const addr = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  try {
    const noLeader = await runHealthcheck(addr);
    assert.equal(noLeader.code, 1);
    assert.match(noLeader.stderr, /no leader/);
    assert.equal((await runHealthcheck(addr, [], { CONSUL_HEALTHCHECK_LEADER: 'false' })).code, 0);
    answer = [500, 'rpc error'];
    assert.match((await runHealthcheck(addr)).stderr, /HTTP 500: rpc error/);
    answer = [200, '"10.0.0.5:8300"'];
    const ok = await runHealthcheck(addr);
    assert.equal(ok.code, 0);
    assert.match(ok.stdout, /leader "10\.0\.0\.5:8300"/);
  } finally {
    await new Promise((r) => srv.close(r));
  }
});

test('with the real agent: the entrypoint starts a dev agent on the loopback interface and the probe passes', async () => {
  const realBin = join(dir, 'real-bin');
  mkdirSync(realBin);
  symlinkSync(CONSUL_BIN, join(realBin, 'consul'));
  const [http, dns, serfLan, serfWan, server] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const local = { node_name: 'entrypoint-dev', ports: { http, dns, serf_lan: serfLan, serf_wan: serfWan, server, grpc: -1 } };
  const proc = spawn(ENTRYPOINT, DEFAULT_CMD, {
    env: {
      PATH: `${realBin}:${process.env.PATH}`,
      CONSUL_BIND_INTERFACE: 'lo',
      CONSUL_CLIENT_INTERFACE: 'lo',
      CONSUL_DATA_DIR: join(dir, 'real-data'),
      CONSUL_CONFIG_DIR: join(dir, 'real-config'),
      CONSUL_LOCAL_CONFIG: JSON.stringify(local),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(proc);
  let log = '';
  proc.stdout!.on('data', (b: Buffer) => (log += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (log += b.toString()));
  // --wait polls until the agent names a leader (or the timeout passes).
  const ready = await runHealthcheck(`127.0.0.1:${http}`, ['--wait'], { CONSUL_STARTUP_TIMEOUT: '60' });
  assert.equal(ready.code, 0, `${ready.stderr}\nagent log:\n${log}`);
  const self = await waitFor(async () => {
    const r = await fetch(`http://127.0.0.1:${http}/v1/agent/self`);
    return r.ok ? ((await r.json()) as { Config: { NodeName: string }; Member: { Addr: string } }) : undefined;
  }, { what: '/v1/agent/self' });
  assert.equal(self.Config.NodeName, 'entrypoint-dev', 'CONSUL_LOCAL_CONFIG was read');
  assert.equal(self.Member.Addr, '127.0.0.1', 'the bind template resolved to the loopback address');
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await exited;
});
