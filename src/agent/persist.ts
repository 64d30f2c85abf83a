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

type Kind = 'services' | 'checks';

export class LocalPersistence {
  constructor(
    private readonly dataDir: string,
    private readonly log: Logger,
  ) {
    for (const k of ['services', 'checks'] as const) mkdirSync(join(dataDir, k), { recursive: true });
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

  removeCheck(id: string): void {
    rmSync(this.path('checks', id), { force: true });
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
    for (const name of readdirSync(dir).sort()) {
      if (name.endsWith('.tmp')) continue;
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
