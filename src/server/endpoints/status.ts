// Status.* endpoints: answered from local raft state, no leader needed.
import type { Server } from '../server.js';

export async function leader(srv: Server): Promise<string> {
  return srv.raft.status().leaderAddress ?? '';
}

export async function peers(srv: Server): Promise<string[]> {
  return srv.raft.status().configuration.servers.map((s) => s.address);
}
