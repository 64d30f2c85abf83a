// Operator.* endpoints: the raft configuration, peer removal and leadership transfer.
import { ConclaveError } from '../../lib/errors.js';
import type { RpcMethods } from '../../structs/requests.js';
import type { Server } from '../server.js';
import { mapRaftError } from '../server.js';
import { RaftError } from '../../raft/api.js';

/** Consul's Operator.RaftGetConfiguration: servers with their node names from the catalog. */
export async function raftGetConfiguration(srv: Server, args: RpcMethods['Operator.RaftGetConfiguration']) {
  await srv.consistency(args.Options);
  const st = srv.raft.status();
  const [, nodes] = srv.store.nodes(null);
  const nameById = new Map(nodes.map((n) => [n.ID, n.Node]));
  return {
    Servers: st.configuration.servers.map((s) => ({
      ID: s.id,
      Node: nameById.get(s.id) ?? (s.id === srv.opts.nodeId ? srv.opts.nodeName : '(unknown)'),
      Address: s.address,
      Leader: s.id === st.leaderId,
      ProtocolVersion: '3',
      Voter: s.suffrage === 'voter',
      LastIndex: st.lastLogIndex,
    })),
    Index: st.configuration.index,
  };
}

/** Consul's Operator.RaftRemovePeerByID / ByAddress. */
export async function raftRemovePeer(srv: Server, args: RpcMethods['Operator.RaftRemovePeer']) {
  const servers = srv.raft.status().configuration.servers;
  const target = args.ID
    ? servers.find((s) => s.id === args.ID)
    : servers.find((s) => s.address === args.Address);
  if (!target) {
    const what = args.ID ? `id ${JSON.stringify(args.ID)}` : `address ${JSON.stringify(args.Address)}`;
    throw new ConclaveError('ERR_INTERNAL', `${what} was not found in the Raft configuration`);
  }
  try {
    await srv.raft.removeServer(target.id);
  } catch (err) {
    throw mapRaftError(err);
  }
  srv.log.info('removed peer from the raft configuration', { id: target.id, address: target.address });
  return null;
}

/**
 * Consul's Operator.RaftTransferLeader (hashicorp's LeadershipTransfer[ToServer]): hands
 * leadership to the voter `ID`, or to the most up-to-date voter; answers once it leads.
 */
export async function raftTransferLeader(srv: Server, args: RpcMethods['Operator.RaftTransferLeader']) {
  try {
    await srv.raft.transferLeadership(args.ID || undefined);
  } catch (err) {
    // Bad targets and timeouts come back as 500 with the reason, as Consul returns the raft error.
    if (err instanceof ConclaveError || (err instanceof RaftError && err.code === 'ERR_RAFT_TIMEOUT')) {
      throw new ConclaveError('ERR_INTERNAL', err.message);
    }
    throw mapRaftError(err);
  }
  srv.log.info('transferred raft leadership', { to: args.ID || '(most up-to-date voter)' });
  return { Success: true };
}
