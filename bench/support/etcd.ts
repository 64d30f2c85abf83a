// etcd 3.4 from Debian's etcd-server package, as a single member with a temp data dir, driven through
// its HTTP/JSON gRPC gateway. Installs the package with apt-get when etcd is missing; when that is not
// possible, says why and returns undefined so the benchmark goes on without it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { startChild, tempDir, type Child } from './children.js';
import { waitFor } from './wait.js';

export interface Etcd {
  child: Child;
  base: string;
  /** Gateway prefix that answers on this version: '/v3' or '/v3beta'. */
  prefix: string;
  version: string;
}

const ETCD_BIN = '/usr/bin/etcd';

export function b64(s: string): string {
  return Buffer.from(s).toString('base64');
}

/** Returns the path of the etcd binary, installing etcd-server first if needed; or a reason it cannot. */
export function ensureEtcd(): { bin: string } | { missing: string } {
  if (existsSync(ETCD_BIN)) return { bin: ETCD_BIN };
  console.log('etcd: not installed; running `apt-get update && apt-get install -y etcd-server` ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update'], { env, encoding: 'utf8' });
  if (update.error || update.status !== 0) {
    return { missing: `apt-get update failed: ${update.error?.message ?? lastLines(update.stderr)}` };
  }
  const install = spawnSync('apt-get', ['install', '-y', 'etcd-server'], { env, encoding: 'utf8' });
  if (install.error || install.status !== 0) {
    return { missing: `apt-get install etcd-server failed: ${install.error?.message ?? lastLines(install.stderr)}` };
  }
  return existsSync(ETCD_BIN) ? { bin: ETCD_BIN } : { missing: `etcd-server installed but ${ETCD_BIN} is missing` };
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ');
}

export async function startEtcd(bin: string, ip: string): Promise<Etcd> {
  const dataDir = tempDir('etcd');
  const client = `http://${ip}:2379`;
  const peer = `http://${ip}:2380`;
  const child = startChild('etcd', bin, [
    '--name', 'bench', '--data-dir', dataDir,
    '--listen-client-urls', client, '--advertise-client-urls', client,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
    '--initial-cluster', `bench=${peer}`, '--initial-cluster-state', 'new',
    '--logger', 'zap', '--log-outputs', 'stderr', '--log-level', 'warn',
  ]);
  const version = await waitFor(`etcd on ${ip} to serve`, async () => {
    if (child.exited()) throw new Error(`etcd exited:\n${child.output()}`);
    const r = await fetch(`${client}/version`);
    return r.ok ? ((await r.json()) as { etcdserver: string }).etcdserver : undefined;
  }).catch((err: Error) => {
    throw new Error(`${err.message}\n--- etcd output ---\n${child.output()}`);
  });
  // 3.4 serves the gateway at /v3/ and /v3beta/; take the first that answers a range.
  let prefix: string | undefined;
  for (const p of ['/v3', '/v3beta']) {
    const r = await fetch(`${client}${p}/kv/range`, { method: 'POST', body: JSON.stringify({ key: b64('probe') }) });
    await r.arrayBuffer();
    if (r.ok) {
      prefix = p;
      break;
    }
  }
  if (!prefix) throw new Error(`etcd ${version} at ${client}: neither /v3/kv/range nor /v3beta/kv/range answers 200`);
  return { child, base: client, prefix, version };
}
