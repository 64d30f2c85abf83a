// Runs bench/support/probe-floor.c (compiled here with the system's C compiler): the CPU that the bare
// socket work of HTTP checks costs on this machine, the floor under any agent's check loop.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './conclave.js';
import { tempDir } from './children.js';

export type FloorResult = { cpuPercent: number; probes: number } | { missing: string };

/** Compiles the prober; a reason when there is no C compiler or it fails. */
export function buildProbeFloor(): { bin: string } | { missing: string } {
  const bin = join(tempDir('probe-floor'), 'probe-floor');
  const src = join(REPO_ROOT, 'bench/support/probe-floor.c');
  for (const cc of [process.env.CC ?? 'cc', 'gcc', 'clang']) {
    const r = spawnSync(cc, ['-O2', '-o', bin, src], { encoding: 'utf8' });
    if (r.status === 0) return { bin };
  }
  return { missing: 'no working C compiler (cc, gcc, clang)' };
}

/** `rate` probes a second, `batch` at a time, for `seconds`, against ip:port; CPU as % of one core. */
export function runProbeFloor(bin: string, ip: string, port: number, rate: number, batch: number, seconds: number): Promise<FloorResult> {
  return new Promise((resolve) => {
    const child = spawn(bin, [ip, String(port), String(rate), String(batch), String(seconds)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', (err) => resolve({ missing: `probe-floor did not run: ${err.message}` }));
    child.on('exit', (code) => {
      const m = /probes=(\d+) failed=(\d+) cpu_s=([\d.]+)/.exec(out);
      if (code !== 0 || !m) return resolve({ missing: `probe-floor failed (exit ${code}): ${out.trim()}` });
      resolve({ probes: Number(m[1]), cpuPercent: (100 * Number(m[3])) / seconds });
    });
  });
}
