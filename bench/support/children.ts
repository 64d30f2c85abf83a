// Child processes and temp dirs a benchmark starts, each remembered so that one `cleanup()` call stops
// every child by its PID (SIGTERM, then SIGKILL after a deadline) and removes every temp dir, also when
// the benchmark fails half-way or is interrupted with Ctrl-C.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Child {
  name: string;
  pid: number;
  proc: ChildProcess;
  /** Last part of the child's stdout and stderr, for error messages. */
  output(): string;
  /** True once the process has exited. */
  exited(): boolean;
  /** SIGTERM by PID; SIGKILL if it has not exited after `graceMs`. Resolves when it is gone. */
  stop(graceMs?: number): Promise<void>;
}

const OUTPUT_TAIL_CHARS = 16_384;
const children = new Set<Child>();
const dirs = new Set<string>();

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `conclave-bench-${prefix}-`));
  dirs.add(dir);
  return dir;
}

export function startChild(name: string, command: string, args: string[], options: SpawnOptions = {}): Child {
  const proc = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  if (proc.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  let gone = false;
  const exitedPromise = new Promise<void>((resolve) => proc.once('exit', () => { gone = true; resolve(); }));
  proc.once('error', (err) => keep(Buffer.from(`\n[spawn error] ${err.message}\n`)));
  const child: Child = {
    name,
    pid: proc.pid,
    proc,
    output: () => tail,
    exited: () => gone,
    async stop(graceMs = 10_000) {
      if (!gone) {
        signal(proc.pid!, 'SIGTERM');
        const timer = setTimeout(() => signal(proc.pid!, 'SIGKILL'), graceMs);
        await exitedPromise;
        clearTimeout(timer);
      }
      children.delete(child);
    },
  };
  children.add(child);
  return child;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/** Stops every child still running (by PID) and removes every temp dir. Safe to call twice. */
export async function cleanup(): Promise<void> {
  await Promise.all([...children].map((c) => c.stop()));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

/** On Ctrl-C or SIGTERM: clean up, then exit with 130/143. */
export function cleanupOnSignals(): void {
  const onSignal = (sig: NodeJS.Signals, code: number): void => {
    process.stderr.write(`\n${sig}: stopping everything this benchmark started...\n`);
    void cleanup().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => onSignal('SIGINT', 130));
  process.once('SIGTERM', () => onSignal('SIGTERM', 143));
}
