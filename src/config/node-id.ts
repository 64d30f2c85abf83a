// The node ID: given, or persisted in <data_dir>/node-id, or random for an in-memory (-dev) agent.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isUuid, newUuid } from '../lib/uuid.js';
import { ConfigError } from './types.js';

export function resolveNodeId(given: string | undefined, dataDir: string | null): string {
  if (given !== undefined && given !== '') {
    const id = given.toLowerCase();
    if (!isUuid(id)) throw new ConfigError(`node_id: ${JSON.stringify(given)} is not a valid UUID`);
    return id;
  }
  if (dataDir === null) return newUuid();
  const file = join(dataDir, 'node-id');
  if (existsSync(file)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(`failed to read ${file}: ${(err as Error).message}`);
    }
    if (!isUuid(text)) throw new ConfigError(`node ID ${JSON.stringify(text)} in ${file} is not a valid UUID`);
    return text.toLowerCase();
  }
  const id = newUuid();
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o755 });
    writeFileSync(file, id, { mode: 0o600 });
  } catch (err) {
    throw new ConfigError(`failed to write NodeID to disk: ${(err as Error).message}`);
  }
  return id;
}

