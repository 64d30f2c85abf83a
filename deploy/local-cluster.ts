// Runs Consul's docker-compose demo topology as processes on loopback addresses: one bootstrap server
// (-bootstrap-expect 3 -ui), two more servers and three clients that -retry-join it. Each agent gets
// its own 127.0.0.x with the standard ports, like a container would.
//   npm run cluster -- start [dir]   |   npm run cluster -- stop [dir]   |   npm run cluster -- status [dir]
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { load as loadYaml } from 'js-yaml';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
const CONSUL = join(REPO_ROOT, 'bin/consul');

export interface AgentSpec {
  name: string;
  ip: string;
  /** The compose file's command line, minus what the container platform supplies. */
  command: string[];
}

export const BOOTSTRAP_IP = '127.0.0.2';

/** Where each compose service runs on loopback, like a container's own address. */
export const LOOPBACK_IPS: Record<string, string> = {
  'consul-server-bootstrap': '127.0.0.2',
  'consul-server-1': '127.0.0.3',
  'consul-server-2': '127.0.0.4',
  'consul-client-1': '127.0.0.5',
  'consul-client-2': '127.0.0.6',
  'consul-client-3': '127.0.0.7',
};

export const COMPOSE_FILE = join(REPO_ROOT, 'deploy/docker-compose.yml');

/**
 * A compose service's command line as a process on loopback: `-client` is dropped (the launcher binds
 * the client address to the agent's own 127.0.0.x) and service names in `-retry-join` become their
 * loopback addresses (compose's DNS would resolve them to container IPs).
 */
export function loopbackCommand(command: string[], ips: Record<string, string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < command.length; i++) {
    const arg = command[i]!;
    if (arg === '-client') {
      i++;
      continue;
    }
    if (arg.startsWith('-client=')) continue;
    if (arg === '-retry-join' && i + 1 < command.length) {
      const target = command[++i]!;
      out.push(arg, ips[target] ?? target);
      continue;
    }
    out.push(arg);
  }
  return out;
}

/** Reads the compose file's services (in file order) and turns them into loopback agent specs. */
export function topologyFromCompose(text: string, ips: Record<string, string> = LOOPBACK_IPS): AgentSpec[] {
  const doc = loadYaml(text) as { services?: Record<string, { command?: unknown }> } | null;
  const services = doc?.services;
  if (!services || typeof services !== 'object') throw new Error('docker-compose.yml: no services');
  return Object.entries(services).map(([name, svc]) => {
    const ip = ips[name];
    if (!ip) throw new Error(`docker-compose.yml: service ${name} has no loopback address in LOOPBACK_IPS`);
    const cmd = svc?.command;
    if (!Array.isArray(cmd) || !cmd.every((a) => typeof a === 'string')) {
      throw new Error(`docker-compose.yml: service ${name} needs its command as a list of strings`);
    }
    return { name, ip, command: loopbackCommand(cmd, ips) };
  });
}

/** The demo's services and command lines, read from deploy/docker-compose.yml. */
export const TOPOLOGY: AgentSpec[] = topologyFromCompose(readFileSync(COMPOSE_FILE, 'utf8'));

export interface Launched {
  spec: AgentSpec;
  proc: ChildProcess | null;
  pid: number;
  logPath: string;
  dataDir: string;
}

/** What a container would supply: its own address, data dir and node name; a fast retry for loopback. */
export function commandLine(spec: AgentSpec, dir: string, extra: string[] = []): string[] {
  return [
    ...spec.command,
    '-bind', spec.ip,
    '-client', spec.ip,
    '-node', spec.name,
    '-data-dir', join(dir, spec.name),
    '-retry-interval', '1s',
    ...extra,
  ];
}

export function startAgentProcess(spec: AgentSpec, dir: string, extra: string[] = [], detached = false): Launched {
  const dataDir = join(dir, spec.name);
  mkdirSync(dataDir, { recursive: true });
  const logPath = join(dir, `${spec.name}.log`);
  const out = openSync(logPath, 'a');
  // Run as an operator runs it: the launcher itself, so its shebang's node flags apply.
  const proc = spawn(CONSUL, commandLine(spec, dir, extra), {
    cwd: REPO_ROOT,
    stdio: ['ignore', out, out],
    detached,
  });
  if (detached) proc.unref();
  return { spec, proc, pid: proc.pid!, logPath, dataDir };
}

export function startCluster(dir: string, detached = false): Launched[] {
  return TOPOLOGY.map((spec) => startAgentProcess(spec, dir, [], detached));
}

function pidFile(dir: string): string {
  return join(dir, 'pids.json');
}

async function main(): Promise<void> {
  const [cmd = 'status', dirArg] = process.argv.slice(2);
  const dir = resolve(dirArg ?? join(tmpdir(), 'conclave-cluster'));
  if (cmd === 'start') {
    if (existsSync(pidFile(dir))) {
      console.error(`A cluster already runs from ${dir}; stop it first (npm run cluster -- stop ${dir}).`);
      process.exit(1);
    }
    mkdirSync(dir, { recursive: true });
    const launched = startCluster(dir, true);
    writeFileSync(pidFile(dir), JSON.stringify(launched.map((l) => ({ name: l.spec.name, ip: l.spec.ip, pid: l.pid }))));
    for (const l of launched) console.log(`${l.spec.name.padEnd(24)} ${l.spec.ip.padEnd(12)} pid ${l.pid}  log ${l.logPath}`);
    console.log(`\nUI: http://${BOOTSTRAP_IP}:8500/ui   members: ./bin/consul members -http-addr ${BOOTSTRAP_IP}:8500`);
  } else if (cmd === 'stop') {
    if (!existsSync(pidFile(dir))) {
      console.error(`No cluster runs from ${dir}.`);
      process.exit(1);
    }
    const pids = JSON.parse(readFileSync(pidFile(dir), 'utf8')) as Array<{ name: string; pid: number }>;
    for (const p of pids) {
      try {
        process.kill(p.pid, 'SIGTERM');
        console.log(`stopped ${p.name} (pid ${p.pid})`);
      } catch {
        console.log(`${p.name} (pid ${p.pid}) was not running`);
      }
    }
    rmSync(pidFile(dir));
  } else if (cmd === 'status') {
    if (!existsSync(pidFile(dir))) {
      console.log(`No cluster runs from ${dir}.`);
      return;
    }
    const pids = JSON.parse(readFileSync(pidFile(dir), 'utf8')) as Array<{ name: string; ip: string; pid: number }>;
    for (const p of pids) {
      let alive = true;
      try {
        process.kill(p.pid, 0);
      } catch {
        alive = false;
      }
      console.log(`${p.name.padEnd(24)} ${p.ip.padEnd(12)} pid ${p.pid} ${alive ? 'running' : 'exited'}`);
    }
  } else {
    console.error('usage: npm run cluster -- start|stop|status [dir]');
    process.exit(2);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) void main();
