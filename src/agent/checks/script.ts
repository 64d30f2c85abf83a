// Script checks (Consul's CheckMonitor with ScriptArgs): runs the arguments directly (no shell),
// stdout and stderr together into a bounded tail. Exit 0 passing, 1 warning, anything else (a signal,
// a failed start) critical. At the timeout the whole process group is killed and the check reports
// "Timed out (<timeout>) running check"; the next run waits until the killed process is gone, so two
// runs of one check never overlap.
import { spawn } from 'node:child_process';
import { formatDurationNs } from '../../lib/duration.js';
import type { CheckResult, Probe } from './runner.js';
import { TailBuffer } from './output.js';

export interface ScriptCheckOptions {
  args: string[];
  timeoutMs: number;
  outputMax: number;
}

export function exitStatus(code: number | null): CheckResult['status'] {
  if (code === 0) return 'passing';
  if (code === 1) return 'warning';
  return 'critical';
}

export function timedOutOutput(timeoutMs: number, captured: string): string {
  const msg = `Timed out (${formatDurationNs(timeoutMs * 1e6)}) running check`;
  return captured ? `${msg}\n\n${captured}` : msg;
}

/** What Go's exec reports when the program cannot start, roughly as Consul shows it. */
function startError(cmd: string, err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOENT') return `exec: "${cmd}": executable file not found in $PATH`;
  if (err.code === 'EACCES') return `fork/exec ${cmd}: permission denied`;
  return `fork/exec ${cmd}: ${err.message}`;
}

export class ScriptProbe implements Probe {
  constructor(private readonly o: ScriptCheckOptions) {}

  run(): Promise<CheckResult> {
    const { args, timeoutMs, outputMax } = this.o;
    if (args.length === 0) return Promise.resolve({ status: 'critical', output: 'no command given' });
    const out = new TailBuffer(outputMax);
    return new Promise((resolve) => {
      // detached: the child leads its own process group, so a timeout kills its children too.
      const child = spawn(args[0]!, args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let timedOut = false;
      let failed: NodeJS.ErrnoException | null = null;
      child.stdout!.on('data', (c: Buffer) => out.push(c));
      child.stderr!.on('data', (c: Buffer) => out.push(c));
      const timer = setTimeout(() => {
        timedOut = true;
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }, timeoutMs);
      child.once('error', (err) => (failed = err));
      child.once('close', (code) => {
        clearTimeout(timer);
        if (failed) resolve({ status: 'critical', output: startError(args[0]!, failed) });
        else if (timedOut) resolve({ status: 'critical', output: timedOutOutput(timeoutMs, out.captured()) });
        else resolve({ status: exitStatus(code), output: out.captured() });
      });
    });
  }
}
