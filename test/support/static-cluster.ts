// Server processes configured the way Consul's manual recovery does it: every data dir gets a
// raft/peers.json naming all servers (fixed node IDs), and the servers gossip-join the first one —
// as real servers would, so the leader keeps every server's node in the catalog.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startAgent, tempDir, type AgentProcess } from './agent-process.js';

export interface StaticCluster {
  ips: string[];
  ids: string[];
  dirs: string[];
  /** Starts (or restarts) server i on its own data dir. */
  start(i: number): Promise<AgentProcess>;
}

export function staticCluster(o: {
  ips: string[];
  name: string;
  /** raft_multiplier for the servers (Consul's default is 5; tests often use 1). */
  raftMultiplier?: number;
  logLevel?: string;
}): StaticCluster {
  const ids = o.ips.map(() => randomUUID());
  const dirs = o.ips.map((ip) => tempDir(`${o.name}-${ip}`));
  for (const dir of dirs) {
    mkdirSync(join(dir, 'raft'), { recursive: true });
    writeFileSync(join(dir, 'raft', 'peers.json'), JSON.stringify(o.ips.map((ip, i) => ({ id: ids[i], address: `${ip}:8300`, non_voter: false }))));
    if (o.raftMultiplier) writeFileSync(join(dir, 'raft-timing.json'), JSON.stringify({ performance: { raft_multiplier: o.raftMultiplier } }));
  }
  return {
    ips: o.ips,
    ids,
    dirs,
    start: (i) =>
      startAgent({
        ip: o.ips[i]!,
        dev: false,
        nodeName: `${o.name}-${i}`,
        args: [
          '-server', '-data-dir', dirs[i]!, '-node-id', ids[i]!, '-log-level', o.logLevel ?? 'info',
          '-retry-join', o.ips[0]!, '-retry-interval', '1s',
          ...(o.raftMultiplier ? ['-config-file', join(dirs[i]!, 'raft-timing.json')] : []),
        ],
      }),
  };
}
