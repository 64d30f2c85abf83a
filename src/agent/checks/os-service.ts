// OS service checks (Consul's CheckOSService, systemd flavour): `systemctl is-active <unit>`.
// "active" is passing ("Service \"<name>\" is healthy"); any other state is critical. Without a
// running systemd (no /run/systemd/system, the test sd_booted(3) uses) the check is critical and says so.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { CheckResult, Probe } from './runner.js';
import { timedOutOutput } from './script.js';

export interface OsServiceCheckOptions {
  service: string;
  timeoutMs: number;
  systemctl: string;
  /** Exists only when systemd is the running init system. */
  systemdRunDir: string;
}

export const SYSTEMD_DEFAULTS = { systemctl: 'systemctl', systemdRunDir: '/run/systemd/system' };

export class OsServiceProbe implements Probe {
  constructor(private readonly o: OsServiceCheckOptions) {}

  run(): Promise<CheckResult> {
    const o = this.o;
    if (!existsSync(o.systemdRunDir)) {
      return Promise.resolve({
        status: 'critical',
        output: `systemd is not running on this host (${o.systemdRunDir} does not exist): cannot check OS service "${o.service}"`,
      });
    }
    return new Promise((resolve) => {
      execFile(o.systemctl, ['is-active', '--', o.service], { timeout: o.timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
        const state = String(stdout).trim();
        if (!err && state === 'active') return resolve({ status: 'passing', output: `Service "${o.service}" is healthy` });
        const e = err as (NodeJS.ErrnoException & { killed?: boolean }) | null;
        if (e?.killed) return resolve({ status: 'critical', output: timedOutOutput(o.timeoutMs, '') });
        if (e?.code === 'ENOENT') return resolve({ status: 'critical', output: `${o.systemctl} not found: cannot check OS service "${o.service}"` });
        const detail = state || String(stderr).trim() || (e?.message ?? 'unknown');
        resolve({ status: 'critical', output: `Service "${o.service}" is not healthy: ${detail}` });
      });
    });
  }
}
