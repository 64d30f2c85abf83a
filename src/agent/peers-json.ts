// raft/peers.json, Consul's manual recovery file: a list of {id, address, non_voter}. Read at start;
// it bootstraps a server without raft state or forces the configuration onto an existing log, and is
// then renamed so that it is applied only once (as Consul documents: re-applying it on every restart
// would commit whatever uncommitted entries the log holds).
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { RaftServer } from '../raft/api.js';
import { ConclaveError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';

export function readPeersJson(dataDir: string, log: Logger): RaftServer[] | null {
  const path = join(dataDir, 'raft', 'peers.json');
  if (!existsSync(path)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConclaveError('ERR_CONFIG', `Failed to read peers.json at ${path}: ${(err as Error).message}`);
  }
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new ConclaveError('ERR_CONFIG', `peers.json at ${path} must be a non-empty list of {"id", "address", "non_voter"}`);
  }
  const servers = raw.map((p, i) => {
    const e = p as { id?: unknown; address?: unknown; non_voter?: unknown };
    if (typeof e.id !== 'string' || typeof e.address !== 'string' || !e.id || !/:\d+$/.test(e.address)) {
      throw new ConclaveError('ERR_CONFIG', `peers.json at ${path}: entry ${i} needs string "id" and "address" ("ip:port")`);
    }
    return { id: e.id, address: e.address, suffrage: e.non_voter === true ? 'nonvoter' : 'voter' } satisfies RaftServer;
  });
  // Consul deletes the file once ingested; keep it as peers.info-style evidence instead of losing it.
  renameSync(path, `${path}.ingested`);
  log.info('found peers.json file, using it as the raft configuration', { servers: servers.map((s) => s.address) });
  return servers;
}
