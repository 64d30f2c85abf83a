// consul event and consul force-leave.
import { FlagSet, addClientFlags, errMessage, parseFlags, usage, withClient, type Command } from '../command.js';
import { error, info, type Io } from '../io.js';

const EVENT_HELP = `
Usage: consul event [options] [payload]

  Dispatches a custom user event across a datacenter. An event must provide
  a name, but a payload is optional. Events support filtering using
  regular expressions on node name, service, and tag definitions.
`;

const FORCE_LEAVE_HELP = `
Usage: consul force-leave [options] name

  Forces a member of a Consul cluster to enter the "left" state. Note
  that if the member is still actually alive, it will eventually rejoin
  the cluster. The true purpose of this method is to force remove
  "failed" nodes.
`;

function eventFlags(): FlagSet {
  const fs = new FlagSet('event');
  fs.string('name', 'Name of the event.');
  fs.string('node', 'Regular expression to filter on node names.');
  fs.string('service', 'Regular expression to filter on service instances.');
  fs.string('tag', 'Regular expression to filter on service tags. Must be used with -service.');
  addClientFlags(fs);
  return fs;
}

export const eventCommand: Command = {
  synopsis: 'Fire a new event',
  help: () => usage(EVENT_HELP, eventFlags()),
  async run(args: string[], io: Io): Promise<number> {
    const parsed = parseFlags(eventFlags(), args, io, this.help());
    if (!parsed) return 1;
    const name = String(parsed.values.get('name') ?? '');
    const node = String(parsed.values.get('node') ?? '');
    const service = String(parsed.values.get('service') ?? '');
    const tag = String(parsed.values.get('tag') ?? '');
    if (!name) {
      error(io, 'Event name must be specified');
      error(io, this.help());
      return 1;
    }
    if (tag && !service) {
      error(io, 'Cannot provide tag filter without service filter.');
      return 1;
    }
    if (parsed.args.length > 1) {
      error(io, 'Too many command line arguments.');
      error(io, this.help());
      return 1;
    }
    const payload = parsed.args[0] ?? '';
    return withClient(parsed, io, async (client) => {
      const q = client.queryParams({ ...(node ? { node } : {}), ...(service ? { service } : {}), ...(tag ? { tag } : {}) }, false);
      try {
        const res = await client.call('PUT', `/v1/event/fire/${encodeURIComponent(name)}`, q, payload);
        const ev = JSON.parse(res.body.toString('utf8')) as { ID: string };
        info(io, `Event ID: ${ev.ID}`);
        return 0;
      } catch (err) {
        error(io, `Error firing event: ${errMessage(err)}`);
        return 1;
      }
    });
  },
};

function forceLeaveFlags(): FlagSet {
  const fs = new FlagSet('force-leave');
  fs.bool('prune', 'Remove agent forcibly from list of members');
  fs.bool('wan', 'Exclusively remove the node from the WAN gossip pool.');
  addClientFlags(fs);
  return fs;
}

export const forceLeaveCommand: Command = {
  synopsis: 'Forces a member of the cluster to enter the "left" state',
  help: () => usage(FORCE_LEAVE_HELP, forceLeaveFlags()),
  async run(args: string[], io: Io): Promise<number> {
    const parsed = parseFlags(forceLeaveFlags(), args, io, this.help());
    if (!parsed) return 1;
    if (parsed.args.length !== 1) {
      error(io, 'A single node name must be specified to force leave.');
      error(io, this.help());
      return 1;
    }
    const node = parsed.args[0]!;
    const extra: Record<string, string> = {};
    if (parsed.values.get('prune') === true) extra.prune = '1';
    if (parsed.values.get('wan') === true) extra.wan = '1';
    return withClient(parsed, io, async (client) => {
      try {
        await client.call('PUT', `/v1/agent/force-leave/${encodeURIComponent(node)}`, client.queryParams(extra, false));
        return 0;
      } catch (err) {
        error(io, `Error force leaving: ${errMessage(err)}`);
        return 1;
      }
    });
  },
};
