// Starts real agent processes (bin/consul agent ...) on loopback addresses, each with the standard
// ports on its own IP, and stops them by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitFor } from './wait.js';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
export const CONSUL_BIN = join(REPO_ROOT, 'bin/consul');

export interface AgentProcess {
  ip: string;
  http: string;
  base: string;
  proc: ChildProcess;
  pid: number;
  output(): string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL by PID and wait for exit. */
  kill9(): Promise<void>;
  exited: Promise<number | null>;
}

export interface StartOptions {
  ip: string;
  /** Extra agent flags; the default is a dev agent. */
  args?: string[];
  dev?: boolean;
  nodeName?: string;
  env?: NodeJS.ProcessEnv;
  /** Wait until /v1/status/leader names a leader (default true). */
  waitLeader?: boolean;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `conclave-${prefix}-`));
}

export async function startAgent(o: StartOptions): Promise<AgentProcess> {
  const args = ['agent'];
  if (o.dev !== false) args.push('-dev');
  args.push('-bind', o.ip, '-client', o.ip, '-node', o.nodeName ?? `node-${o.ip.replace(/\./g, '-')}`);
  args.push(...(o.args ?? []));
  // The launcher itself, as an operator runs it (its shebang gives node its flags).
  const proc = spawn(CONSUL_BIN, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolveExit) => proc.on('exit', (code) => resolveExit(code)));
  const base = `http://${o.ip}:8500`;
  const agent: AgentProcess = {
    ip: o.ip,
    http: `${o.ip}:8500`,
    base,
    proc,
    pid: proc.pid!,
    output: () => out,
    exited,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      process.kill(proc.pid!, 'SIGTERM');
      return exited;
    },
    async kill9() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      process.kill(proc.pid!, 'SIGKILL');
      await exited;
    },
  };
  let dead = false;
  void exited.then(() => (dead = true));
  await waitFor(
    async () => {
      if (dead) throw new Error(`agent exited early:\n${out}`);
      const r = await fetch(`${base}/v1/status/leader`);
      if (o.waitLeader === false) return r.status === 200;
      const leader = (await r.json()) as string;
      return leader !== '' ? leader : undefined;
    },
    { timeoutMs: 30_000, what: `agent on ${o.ip} to elect a leader` },
  ).catch(async (err) => {
    await agent.kill9();
    throw new Error(`${(err as Error).message}\n--- agent output ---\n${out}`);
  });
  return agent;
}

/** Small raw HTTP helper: returns status, headers and body text. */
export async function http(
  base: string,
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; text: string; json: () => any }> {
  const r = await fetch(base + path, { method, body: body as BodyInit | undefined, headers, redirect: "manual" });
  const text = await r.text();
  return { status: r.status, headers: r.headers, text, json: () => JSON.parse(text) };
}
