// Checks that run programs: script/args, docker exec (against a fake Docker Engine on a Unix socket),
// and os_service (systemctl).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScriptProbe } from '../../src/agent/checks/script.js';
import { DockerProbe, dockerSocketPath } from '../../src/agent/checks/docker.js';
import { OsServiceProbe } from '../../src/agent/checks/os-service.js';
import { waitFor } from '../support/wait.js';

const sh = (script: string, timeoutMs = 5000, outputMax = 4096) => new ScriptProbe({ args: ['/bin/sh', '-c', script], timeoutMs, outputMax });

test('script exit codes: 0 passing, 1 warning, anything else critical; stdout and stderr both captured', async () => {
  assert.deepEqual(await sh('echo fine').run(), { status: 'passing', output: 'fine\n' });
  assert.deepEqual(await sh('echo meh >&2; exit 1').run(), { status: 'warning', output: 'meh\n' });
  assert.deepEqual(await sh('echo bad; exit 2').run(), { status: 'critical', output: 'bad\n' });
  assert.equal((await sh('kill -9 $$').run()).status, 'critical');
});

test('scripts run without a shell: arguments reach the program verbatim', async () => {
  const r = await new ScriptProbe({ args: ['/bin/echo', '$HOME', 'a  b', '; exit 2'], timeoutMs: 5000, outputMax: 4096 }).run();
  assert.deepEqual(r, { status: 'passing', output: '$HOME a  b ; exit 2\n' });
});

test('a missing program is critical with an exec error', async () => {
  const r = await new ScriptProbe({ args: ['/nonexistent/check-me'], timeoutMs: 5000, outputMax: 4096 }).run();
  assert.deepEqual(r, { status: 'critical', output: 'exec: "/nonexistent/check-me": executable file not found in $PATH' });
});

test('long output keeps the last OutputMaxSize bytes behind "Captured N of M bytes"', async () => {
  const r = await sh('i=0; while [ $i -lt 100 ]; do printf "%03d:%096d\\n" $i 0; i=$((i+1)); done', 5000, 4096).run();
  assert.equal(r.status, 'passing');
  assert.ok(r.output.startsWith('Captured 4096 of 10100 bytes\n...\n'), r.output.slice(0, 60));
  assert.ok(r.output.endsWith(`099:${'0'.repeat(96)}\n`));
});

test('a script past its timeout is killed with its children and reported as timed out', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-script-'));
  const marker = join(dir, 'child.pid');
  try {
    // The child sleeps in the background; only a process-group kill ends it.
    const r = await sh(`echo started; sleep 30 & echo $! > ${marker}; wait`, 300).run();
    assert.equal(r.status, 'critical');
    assert.equal(r.output, 'Timed out (300ms) running check\n\nstarted\n');
    const pid = Number((await import('node:fs')).readFileSync(marker, 'utf8'));
    await waitFor(() => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    }, { timeoutMs: 5000, what: 'the background child to be gone' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A fake Docker Engine: one container "web" whose exec runs the command through /bin/sh here. */
async function fakeDocker(t: { after(fn: () => void): void }): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-docker-'));
  const socketPath = join(dir, 'docker.sock');
  const execs = new Map<string, { cmd: string[]; exit: number }>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const url = req.url ?? '';
      let m: RegExpExecArray | null;
      if ((m = /^\/v1\.24\/containers\/([^/]+)\/exec$/.exec(url)) && req.method === 'POST') {
        if (m[1] !== 'web') return res.writeHead(404).end(JSON.stringify({ message: `No such container: ${m[1]}` }));
        const id = `exec${execs.size}`;
        execs.set(id, { cmd: JSON.parse(body).Cmd, exit: -1 });
        return res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ Id: id }));
      }
      if ((m = /^\/v1\.24\/exec\/([^/]+)\/start$/.exec(url))) {
        const e = execs.get(m[1]!)!;
        const frame = (stream: number, text: string) => {
          const payload = Buffer.from(text);
          const head = Buffer.alloc(8);
          head[0] = stream;
          head.writeUInt32BE(payload.length, 4);
          return Buffer.concat([head, payload]);
        };
        // The "container" answers: exit code is the number in the command's last argument.
        e.exit = Number(e.cmd[e.cmd.length - 1]);
        res.writeHead(200, { 'content-type': 'application/vnd.docker.raw-stream' });
        const all = Buffer.concat([frame(1, `ran ${e.cmd.join(' ')}\n`), frame(2, 'on stderr\n')]);
        // Split mid-frame to exercise the demultiplexer.
        res.write(all.subarray(0, 5));
        return res.end(all.subarray(5));
      }
      if ((m = /^\/v1\.24\/exec\/([^/]+)\/json$/.exec(url))) {
        return res.writeHead(200).end(JSON.stringify({ ExitCode: execs.get(m[1]!)!.exit }));
      }
      res.writeHead(404).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(socketPath, r));
  t.after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return socketPath;
}

const docker = (socketPath: string, containerId: string, args: string[]) =>
  new DockerProbe({ containerId, args, shell: '', timeoutMs: 5000, outputMax: 4096, socketPath });

test('docker checks exec in the container through the Engine API and map exit codes', async (t) => {
  const socketPath = await fakeDocker(t);
  assert.deepEqual(await docker(socketPath, 'web', ['check', '0']).run(), { status: 'passing', output: 'ran check 0\non stderr\n' });
  assert.deepEqual(await docker(socketPath, 'web', ['check', '1']).run(), { status: 'warning', output: 'ran check 1\non stderr\n' });
  assert.equal((await docker(socketPath, 'web', ['check', '3']).run()).status, 'critical');
  const missing = await docker(socketPath, 'db', ['check', '0']).run();
  assert.deepEqual(missing, { status: 'critical', output: 'Unable to create Exec, error: {"message":"No such container: db"}' });
});

test('docker checks without a Docker socket are critical and say so', async () => {
  const r = await docker('/nonexistent/docker.sock', 'web', ['true']).run();
  assert.equal(r.status, 'critical');
  assert.match(r.output, /^Docker socket \/nonexistent\/docker\.sock not found/);
  assert.equal(dockerSocketPath({ DOCKER_HOST: 'unix:///tmp/d.sock' }), '/tmp/d.sock');
  assert.equal(dockerSocketPath({}), '/var/run/docker.sock');
});

test('os_service checks ask systemctl, and say clearly when systemd is not running', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-systemd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const runDir = join(dir, 'run-systemd');
  const fake = join(dir, 'systemctl');
  // A stand-in systemctl: "web" is active, anything else inactive (exit 3, as systemctl does).
  writeFileSync(fake, '#!/bin/sh\nif [ "$3" = web ]; then echo active; exit 0; fi\necho inactive; exit 3\n');
  chmodSync(fake, 0o755);
  const probe = (service: string) => new OsServiceProbe({ service, timeoutMs: 5000, systemctl: fake, systemdRunDir: runDir });
  assert.ok(!existsSync(runDir));
  const absent = await probe('web').run();
  assert.equal(absent.status, 'critical');
  assert.match(absent.output, /^systemd is not running on this host .*cannot check OS service "web"$/);
  mkdirSync(runDir);
  assert.deepEqual(await probe('web').run(), { status: 'passing', output: 'Service "web" is healthy' });
  assert.deepEqual(await probe('db').run(), { status: 'critical', output: 'Service "db" is not healthy: inactive' });
});
