// Services and checks registered through the HTTP API survive a restart (Consul's persisted
// services/ and checks/ under the data dir): one JSON file per entry, written to a temp file, fsynced
// and renamed. Definitions from config files are not persisted: they come back from the config.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { CheckDefinition, ServiceDefinition } from '../structs/agent.js';
import type { Logger } from '../lib/logger.js';

export interface PersistedService {
  Token: string;
  Definition: ServiceDefinition;
}

export interface PersistedCheck {
  Token: string;
  Definition: CheckDefinition;
}

/**
 * The last status a TTL check was given (Consul's checks/state/ files): restored when the check is
 * added again before `Expires` (unix seconds, the report's time plus the TTL), so that a restart does
 * not turn a healthy TTL check critical until its application next reports in.
 */
export interface PersistedCheckState {
  CheckID: string;
  Status: string;
  Output: string;
  Expires: number;
}

type Kind = 'services' | 'checks';
const STATE_DIR = join('checks', 'state');

export class LocalPersistence {
  constructor(
    private readonly dataDir: string,
    private readonly log: Logger,
  ) {
    for (const k of ['services', 'checks', STATE_DIR]) mkdirSync(join(dataDir, k), { recursive: true });
  }

  private statePath(id: string): string {
    return join(this.dataDir, STATE_DIR, createHash('sha256').update(id).digest('hex').slice(0, 32));
  }

  private path(kind: Kind, id: string): string {
    return join(this.dataDir, kind, createHash('sha256').update(id).digest('hex').slice(0, 32));
  }

  saveService(id: string, p: PersistedService): void {
    this.write(this.path('services', id), p);
  }

  saveCheck(id: string, p: PersistedCheck): void {
    this.write(this.path('checks', id), p);
  }

  removeService(id: string): void {
    rmSync(this.path('services', id), { force: true });
  }

  /** Removes the check's definition and any saved TTL state. */
  removeCheck(id: string): void {
    rmSync(this.path('checks', id), { force: true });
    this.removeCheckState(id);
  }

  saveCheckState(s: PersistedCheckState): void {
    this.write(this.statePath(s.CheckID), s);
  }

  removeCheckState(id: string): void {
    rmSync(this.statePath(id), { force: true });
  }

  /** The saved state of a TTL check if it has not expired; an expired or unreadable one is removed. */
  loadCheckState(id: string, nowS: number): PersistedCheckState | null {
    const path = this.statePath(id);
    if (!existsSync(path)) return null;
    try {
      const s = JSON.parse(readFileSync(path, 'utf8')) as PersistedCheckState;
      if (s.CheckID === id && typeof s.Status === 'string' && typeof s.Output === 'string' && s.Expires > nowS) return s;
    } catch (err) {
      this.log.warn('removing unreadable check state', { file: path, error: (err as Error).message });
    }
    rmSync(path, { force: true });
    return null;
  }

  loadServices(): PersistedService[] {
    return this.load<PersistedService>('services');
  }

  loadChecks(): PersistedCheck[] {
    return this.load<PersistedCheck>('checks');
  }

  private write(path: string, value: unknown): void {
    const tmp = `${path}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(value));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  }

  private load<T>(kind: Kind): T[] {
    const dir = join(this.dataDir, kind);
    if (!existsSync(dir)) return [];
    const out: T[] = [];
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const name = entry.name;
      if (name.endsWith('.tmp') || !entry.isFile()) continue; // checks/state/ holds TTL state, not definitions
      const path = join(dir, name);
      try {
        out.push(JSON.parse(readFileSync(path, 'utf8')) as T);
      } catch (err) {
        // A damaged file must not stop the agent: say which, and leave it for the operator.
        this.log.warn('skipping unreadable persisted entry', { file: path, error: (err as Error).message });
      }
    }
    return out;
  }
}
