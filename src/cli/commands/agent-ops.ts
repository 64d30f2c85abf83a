// consul leave | join | reload | info: one-shot calls on the local agent.
import { FlagSet, addClientFlags, addMultiTenancyFlags, errMessage, parseFlags, usage, withClient, type Command } from '../command.js';
import { error, info, type Io } from '../io.js';

const LEAVE_HELP = `
Usage: consul leave [options]

  Causes the agent to gracefully leave the Consul cluster and shutdown.
`;
const JOIN_HELP = `
Usage: consul join [options] address ...

  Tells a running Consul agent (with "consul agent") to join the cluster
  by specifying at least one existing member.
`;
const RELOAD_HELP = `
Usage: consul reload

  Causes the agent to reload configurations. This can be used instead
  of sending the SIGHUP signal to the agent.
`;
const INFO_HELP = `
Usage: consul info [options]

	Provides debugging information for operators
`;

function clientOnly(name: string, extra?: (fs: FlagSet) => void): FlagSet {
  const fs = new FlagSet(name);
  extra?.(fs);
  addClientFlags(fs);
  return fs;
}

export const leaveCommand: Command = {
  synopsis: 'Gracefully leaves the Consul cluster and shuts down',
  help: () => usage(LEAVE_HELP, clientOnly('leave')),
  async run(args: string[], io: Io): Promise<number> {
    const parsed = parseFlags(clientOnly('leave'), args, io, this.help());
    if (!parsed) return 1;
    if (parsed.args.length > 0) {
      error(io, 'Error! Too many arguments (expected 0, got ' + parsed.args.length + ')');
      error(io, this.help());
      return 1;
    }
    return withClient(parsed, io, async (client) => {
      try {
        await client.call('PUT', '/v1/agent/leave');
      } catch (err) {
        error(io, `Error leaving: ${errMessage(err)}`);
        return 1;
      }
      info(io, 'Graceful leave complete');
      return 0;
    });
  },
};

export const joinCommand: Command = {
  synopsis: 'Tell Consul agent to join cluster',
  help: () => usage(JOIN_HELP, clientOnly('join', (fs) => fs.bool('wan', 'Joins a server to another server in the WAN pool.'))),
  async run(args: string[], io: Io): Promise<number> {
    const fs = clientOnly('join', (f) => f.bool('wan', 'Joins a server to another server in the WAN pool.'));
    addMultiTenancyFlags(fs);
    const parsed = parseFlags(fs, args, io, this.help());
    if (!parsed) return 1;
    const addrs = parsed.args;
    if (addrs.length === 0) {
      error(io, 'At least one address to join must be specified.');
      error(io, '');
      error(io, this.help());
      return 1;
    }
    const wan = parsed.values.get('wan') === true;
    return withClient(parsed, io, async (client) => {
      let joined = 0;
      for (const addr of addrs) {
        try {
          await client.call('PUT', `/v1/agent/join/${encodeURIComponent(addr)}`, client.queryParams(wan ? { wan: '1' } : {}, false));
          joined++;
        } catch (err) {
          error(io, `Error joining address '${addr}': ${errMessage(err)}`);
        }
      }
      if (joined === 0) {
        error(io, 'Failed to join any nodes.');
        return 1;
      }
      info(io, `Successfully joined cluster by contacting ${joined} nodes.`);
      return 0;
    });
  },
};

export const reloadCommand: Command = {
  synopsis: 'Triggers the agent to reload configuration files',
  help: () => usage(RELOAD_HELP, clientOnly('reload')),
  async run(args: string[], io: Io): Promise<number> {
    const parsed = parseFlags(clientOnly('reload'), args, io, this.help());
    if (!parsed) return 1;
    return withClient(parsed, io, async (client) => {
      try {
        await client.call('PUT', '/v1/agent/reload');
      } catch (err) {
        error(io, `Error reloading: ${errMessage(err)}`);
        return 1;
      }
      info(io, 'Configuration reload triggered');
      return 0;
    });
  },
};

export const infoCommand: Command = {
  synopsis: 'Provides debugging information for operators.',
  help: () => usage(INFO_HELP, clientOnly('info')),
  async run(args: string[], io: Io): Promise<number> {
    const parsed = parseFlags(clientOnly('info'), args, io, this.help());
    if (!parsed) return 1;
    return withClient(parsed, io, async (client) => {
      let self: { Stats?: Record<string, Record<string, string>> };
      try {
        self = await client.getJson('/v1/agent/self', client.queryParams({}, false));
      } catch (err) {
        error(io, `Error querying agent: ${errMessage(err)}`);
        return 1;
      }
      info(io, formatStats(self.Stats ?? {}));
      return 0;
    });
  },
};

/** `consul info` layout: sections sorted, then `\tkey = value` lines sorted. */
export function formatStats(stats: Record<string, Record<string, unknown>>): string {
  const lines: string[] = [];
  for (const section of Object.keys(stats).sort()) {
    lines.push(`${section}:`);
    const kv = stats[section] ?? {};
    for (const k of Object.keys(kv).sort()) lines.push(`\t${k} = ${String(kv[k])}`);
  }
  return lines.join('\n');
}
