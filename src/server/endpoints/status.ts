// Status.* endpoints: answered from local raft state, no leader needed.
import type { Server } from '../server.js';

export async function leader(srv: Server): Promise<string> {
  return srv.raft.status().leaderAddress ?? '';
}

export async function peers(srv: Server): Promise<string[]> {
  return srv.raft.status().configuration.servers.map((s) => s.address);
}

export async function raftConfiguration(srv: Server) {
  const st = srv.raft.status();
  return {
    Servers: st.configuration.servers.map((s) => ({
      ID: s.id,
      Node: s.id === srv.opts.nodeId ? srv.opts.nodeName : s.id,
      Address: s.address,
      Leader: s.id === st.leaderId,
      ProtocolVersion: '3',
      Voter: s.suffrage === 'voter',
      LastIndex: st.lastLogIndex,
    })),
    Index: st.configuration.index,
  };
}
