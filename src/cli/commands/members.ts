// consul members [options]
import { FlagSet, addClientFlags, addMultiTenancyFlags, errMessage, parseFlags, usage, withClient, type Command } from '../command.js';
import { columnize, error, info, type Io } from '../io.js';

const HELP = `
Usage: consul members [options]

  Outputs the members of a running Consul agent.
`;

export interface AgentMember {
  Name: string;
  Addr: string;
  Port: number;
  Tags: Record<string, string> | null;
  Status: number;
}

const STATUS = ['none', 'alive', 'leaving', 'left', 'failed'];
export function memberStatus(n: number): string {
  return STATUS[n] ?? 'unknown';
}

function flags(): FlagSet {
  const fs = new FlagSet('members')
    .bool('detailed', 'Provides detailed information about nodes.')
    .bool('wan', 'If the agent is in server mode, this can be used to return the other peers in the WAN pool.')
    .string('status', 'If provided, output is filtered to only nodes matching the regular expression for status.')
    .string('segment', '(Enterprise-only) If provided, output is filtered to only nodes inthe given segment.')
    .string('filter', 'Filter to use with the request');
  addClientFlags(fs);
  addMultiTenancyFlags(fs);
  return fs;
}

export const membersCommand: Command = {
  synopsis: 'Lists the members of a Consul cluster',
  help: () => usage(HELP, flags()),
  async run(args: string[], io: Io): Promise<number> {
    const parsed = parseFlags(flags(), args, io, this.help());
    if (!parsed) return 1;
    const v = parsed.values;
    let statusRe: RegExp;
    try {
      statusRe = new RegExp((v.get('status') as string | undefined) ?? '.*');
    } catch (err) {
      error(io, `Failed to compile status regexp: ${errMessage(err)}`);
      return 1;
    }
    const segment = (v.get('segment') as string | undefined) ?? '_all';
    return withClient(parsed, io, async (client) => {
      let members: AgentMember[];
      try {
        const params: Record<string, string | undefined> = { segment };
        if (v.get('wan') === true) params.wan = '1';
        if (v.get('filter')) params.filter = v.get('filter') as string;
        members = await client.getJson<AgentMember[]>('/v1/agent/members', client.queryParams(params, false));
      } catch (err) {
        error(io, `Error retrieving members: ${errMessage(err)}`);
        return 1;
      }
      const lines = formatMembers(members, {
        detailed: v.get('detailed') === true,
        statusRe,
        allSegments: segment === '_all',
      });
      if (!lines) return 2;
      info(io, lines);
      return 0;
    });
  },
};

/** The members table; undefined when no member matches the status filter (the command exits 2). */
export function formatMembers(
  input: AgentMember[],
  opts: { detailed: boolean; statusRe: RegExp; allSegments: boolean },
): string | undefined {
  const members = input
    .map((m) => ({ ...m, Tags: { ...(m.Tags ?? {}) } }))
    .filter((m) => {
      const tags = m.Tags;
      if (!tags.ap) tags.ap = 'default';
      if (tags.ap === 'default') {
        if (opts.allSegments && tags.role === 'consul') tags.segment = '<all>';
        else if (!tags.segment) tags.segment = '<default>';
      } else tags.segment = '';
      return opts.statusRe.test(memberStatus(m.Status));
    });
  if (members.length === 0) return undefined;
  members.sort((a, b) => {
    const as = a.Tags.role === 'consul';
    const bs = b.Tags.role === 'consul';
    if (as !== bs) return as ? -1 : 1;
    const ad = a.Tags.ap === 'default';
    const bd = b.Tags.ap === 'default';
    if (ad !== bd) return ad ? -1 : 1;
    if (a.Tags.segment !== b.Tags.segment) return a.Tags.segment! < b.Tags.segment! ? -1 : 1;
    if (a.Tags.ap !== b.Tags.ap) return a.Tags.ap! < b.Tags.ap! ? -1 : 1;
    return a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0;
  });
  const D = '\x1f';
  const rows: string[] = [];
  if (opts.detailed) {
    rows.push(['Node', 'Address', 'Status', 'Tags'].join(D));
    for (const m of members) {
      const tags = Object.keys(m.Tags).sort().map((k) => `${k}=${m.Tags[k]}`).join(',');
      rows.push([m.Name, hostPort(m.Addr, m.Port), memberStatus(m.Status), tags].join(D));
    }
  } else {
    rows.push(['Node', 'Address', 'Status', 'Type', 'Build', 'Protocol', 'DC', 'Partition', 'Segment'].join(D));
    for (const m of members) {
      const t = m.Tags;
      let build = t.build ?? '';
      if (build === '') build = '< 0.3';
      else if (build.includes(':')) build = build.slice(0, build.indexOf(':'));
      const addr = hostPort(m.Addr, m.Port);
      const status = memberStatus(m.Status);
      if (t.role === 'node' || t.role === 'consul') {
        const type = t.role === 'consul' ? 'server' : 'client';
        rows.push([m.Name, addr, status, type, build, t.vsn ?? '', t.dc ?? '', t.ap ?? '', t.segment ?? ''].join(D));
      } else {
        rows.push([m.Name, addr, status, 'unknown', '', '', '', '', ''].join(D));
      }
    }
  }
  return columnize(rows);
}

function hostPort(addr: string, port: number): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}
