// consul operator raft list-peers | remove-peer
import { FlagSet, addClientFlags, addServerFlags, errMessage, parseFlags, usage, withClient, type Command } from '../command.js';
import { columnize, error, info, type Io } from '../io.js';

const LIST_HELP = `
Usage: consul operator raft list-peers [options]

  Displays the current Raft peer configuration.
`;
const REMOVE_HELP = `
Usage: consul operator raft remove-peer [options]

  Remove the Consul server with given -id from the Raft configuration.

  There are rare cases where a peer may be left behind in the Raft quorum even
  though the server is no longer present and known to the cluster. This command
  can be used to remove the failed server so that it is no longer affects the
  Raft quorum. If the server still shows in the output of the "consul members"
  command, it is preferable to clean up by simply running "consul
  force-leave" instead of this command.
`;

export interface RaftServer {
  ID: string;
  Node: string;
  Address: string;
  Leader: boolean;
  Voter: boolean;
  ProtocolVersion: string;
  LastIndex?: number;
}

function listFlags(): FlagSet {
  const fs = new FlagSet('operator raft list-peers');
  addClientFlags(fs);
  addServerFlags(fs);
  return fs;
}

function removeFlags(): FlagSet {
  const fs = new FlagSet('operator raft remove-peer')
    .string('address', 'The address to remove from the Raft configuration.')
    .string('id', 'The ID to remove from the Raft configuration.');
  addClientFlags(fs);
  addServerFlags(fs);
  return fs;
}

export function formatPeers(servers: RaftServer[]): string {
  const D = '\x1f';
  const rows = [['Node', 'ID', 'Address', 'State', 'Voter', 'RaftProtocol', 'Commit Index', 'Trails Leader By'].join(D)];
  const leaderIndex = servers.find((s) => s.Leader)?.LastIndex ?? 0;
  for (const s of servers) {
    const state = s.Leader ? 'leader' : 'follower';
    const proto = s.ProtocolVersion === '' ? '<=1' : s.ProtocolVersion;
    let trails = '-';
    if (!s.Leader) {
      const behind = Math.max(0, leaderIndex - (s.LastIndex ?? 0));
      trails = behind === 1 ? '1 commit' : `${behind} commits`;
    }
    rows.push([s.Node, s.ID, s.Address, state, String(s.Voter), proto, String(s.LastIndex ?? 0), trails].join(D));
  }
  return columnize(rows);
}

export const raftListPeersCommand: Command = {
  synopsis: 'Display the current Raft peer configuration',
  help: () => usage(LIST_HELP, listFlags()),
  async run(args: string[], io: Io): Promise<number> {
    const parsed = parseFlags(listFlags(), args, io, this.help());
    if (!parsed) return 1;
    return withClient(parsed, io, async (client) => {
      let reply: { Servers: RaftServer[] };
      try {
        reply = await client.getJson('/v1/operator/raft/configuration', client.queryParams());
      } catch (err) {
        error(io, `Error getting peers: Failed to retrieve raft configuration: ${errMessage(err)}`);
        return 1;
      }
      info(io, formatPeers(reply.Servers ?? []));
      return 0;
    });
  },
};

export const raftRemovePeerCommand: Command = {
  synopsis: 'Remove a Consul server from the Raft configuration',
  help: () => usage(REMOVE_HELP, removeFlags()),
  async run(args: string[], io: Io): Promise<number> {
    const parsed = parseFlags(removeFlags(), args, io, this.help());
    if (!parsed) return 1;
    const address = (parsed.values.get('address') as string | undefined) ?? '';
    const id = (parsed.values.get('id') as string | undefined) ?? '';
    if ((address === '') === (id === '')) {
      error(io, 'Error removing peer: an address or id is required for the peer to remove');
      return 1;
    }
    return withClient(parsed, io, async (client) => {
      try {
        await client.call('DELETE', '/v1/operator/raft/peer', client.queryParams(id ? { id } : { address }, false));
      } catch (err) {
        error(io, `Error removing peer: ${errMessage(err)}`);
        return 1;
      }
      info(io, id ? `Removed peer with id "${id}"` : `Removed peer with address "${address}"`);
      return 0;
    });
  },
};
