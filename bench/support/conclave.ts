// Starts a Conclave server agent on disk (`consul agent -server -bootstrap -data-dir D`), which acknowledges
// a KV PUT only after its raft entry is fdatasync'ed, and waits until it has elected itself leader.
// BENCH_AGENT_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") is passed to the agent's node.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startChild, tempDir, type Child } from './children.js';
import { waitFor } from './wait.js';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');

export interface Conclave {
  child: Child;
  base: string;
  dataDir: string;
}

/** The node flags bin/consul's shebang line gives the agent (`#!/usr/bin/env -S node <flags>`). */
export function launcherNodeFlags(): string[] {
  const first = readFileSync(join(REPO_ROOT, 'bin/consul'), 'utf8').split('\n', 1)[0]!;
  const m = /^#!\/usr\/bin\/env -S node(.*)$/.exec(first);
  return m ? m[1]!.split(/\s+/).filter((a) => a !== '') : [];
}

export async function startConclave(ip: string): Promise<Conclave> {
  const dataDir = tempDir('agent');
  const nodeArgs = (process.env.BENCH_AGENT_NODE_ARGS ?? '').split(/\s+/).filter((a) => a !== '');
  // The agent runs as `bin/consul` would run it: with its launcher's node flags.
  const args = [
    ...launcherNodeFlags(), ...nodeArgs, join(REPO_ROOT, 'bin/consul'), 'agent', '-server', '-bootstrap', '-data-dir', dataDir,
    '-bind', ip, '-client', ip, '-node', 'bench',
  ];
  const child = startChild('conclave agent', process.execPath, args, { cwd: REPO_ROOT });
  const base = `http://${ip}:8500`;
  await waitFor(`the Conclave agent on ${ip} to elect a leader`, async () => {
    if (child.exited()) throw new Error(`agent exited:\n${child.output()}`);
    const r = await fetch(`${base}/v1/status/leader`);
    const leader = (await r.json()) as string;
    return leader !== '' ? leader : undefined;
  }).catch((err: Error) => {
    throw new Error(`${err.message}\n--- agent output ---\n${child.output()}`);
  });
  return { child, base, dataDir };
}

/** VmRSS, VmHWM (peak) and RssAnon of a process, in bytes, from /proc/<pid>/status. */
export function readRss(pid: number): { rss: number; hwm: number; anon: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!m) throw new Error(`/proc/${pid}/status has no ${name}`);
    return Number(m[1]) * 1024;
  };
  return { rss: field('VmRSS'), hwm: field('VmHWM'), anon: field('RssAnon') };
}
