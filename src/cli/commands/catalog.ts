// consul catalog services | nodes | datacenters
import { FlagSet, addClientFlags, addServerFlags, addMultiTenancyFlags, errMessage, parseFlags, usage, withClient, type Command } from '../command.js';
import { columnize, error, info, tabwrite, type Io } from '../io.js';

const SERVICES_HELP = `
Usage: consul catalog services [options]

  Retrieves the list services registered in a given datacenter. By default, the
  datacenter of the local agent is queried.

  To retrieve the list of services:

      $ consul catalog services

  To include the services' tags in the output:

      $ consul catalog services -tags

  To list services which run on a particular node:

      $ consul catalog services -node=web

  To filter services on node metadata:

      $ consul catalog services -node-meta="foo=bar"
`;

const NODES_HELP = `
Usage: consul catalog nodes [options]

  Retrieves the list nodes registered in a given datacenter. By default, the
  datacenter of the local agent is queried.

  To retrieve the list of nodes:

      $ consul catalog nodes

  To print detailed information including full node IDs, tagged addresses, and
  metadata information:

      $ consul catalog nodes -detailed

  To list nodes which are running a particular service:

      $ consul catalog nodes -service=web

  To filter by node metadata:

      $ consul catalog nodes -node-meta="foo=bar"

  To sort nodes by estimated round-trip time from node-web:

      $ consul catalog nodes -near=node-web
`;

const DCS_HELP = `
Usage: consul catalog datacenters [options]

  Retrieves the list of all known datacenters. This datacenters are sorted in
  ascending order based on the estimated median round trip time from the servers
  in this datacenter to the servers in the other datacenters.

  To retrieve the list of datacenters:

      $ consul catalog datacenters
`;

function servicesFlags(): FlagSet {
  const fs = new FlagSet('catalog services')
    .string('node', 'Node `id or name` for which to list services.')
    .map('node-meta', 'Metadata to filter nodes with the given `key=value` pairs. If specified, only services running on nodes matching the given metadata will be returned. This flag may be specified multiple times to filter on multiple sources of metadata.', '=')
    .bool('tags', "Display each service's tags as a comma-separated list beside each service entry.")
    .string('filter', 'Filter to use with the request');
  addClientFlags(fs);
  addServerFlags(fs);
  addMultiTenancyFlags(fs);
  return fs;
}

function nodesFlags(): FlagSet {
  const fs = new FlagSet('catalog nodes')
    .string('filter', 'Filter to use with the request')
    .bool('detailed', 'Output detailed information about the nodes including their addresses and metadata.')
    .string('near', 'Node name to sort the node list in ascending order based on estimated round-trip time from that node. Passing "_agent" will use this agent\'s node for sorting.')
    .map('node-meta', 'Metadata to filter nodes with the given `key=value` pairs. This flag may be specified multiple times to filter on multiple sources of metadata.', '=')
    .string('service', 'Service `id or name` to filter nodes. Only nodes which are providing the given service will be returned.');
  addClientFlags(fs);
  addServerFlags(fs);
  fs.string('partition', 'Specifies the admin partition to query.');
  return fs;
}

function dcsFlags(): FlagSet {
  const fs = new FlagSet('catalog datacenters');
  addClientFlags(fs);
  return fs;
}

function nodeMetaParams(meta: Record<string, string> | undefined): URLSearchParams {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(meta ?? {})) q.append('node-meta', `${k}:${v}`);
  return q;
}

function withParams(base: URLSearchParams, extra: URLSearchParams): URLSearchParams {
  for (const [k, v] of extra) base.append(k, v);
  return base;
}

export const catalogServicesCommand: Command = {
  synopsis: 'Lists all registered services in a datacenter',
  help: () => usage(SERVICES_HELP, servicesFlags()),
  async run(args: string[], io: Io): Promise<number> {
    const parsed = parseFlags(servicesFlags(), args, io, this.help());
    if (!parsed) return 1;
    if (parsed.args.length > 0) {
      error(io, `Too many arguments (expected 0, got ${parsed.args.length})`);
      return 1;
    }
    const v = parsed.values;
    const meta = v.get('node-meta') as Record<string, string> | undefined;
    const node = v.get('node') as string | undefined;
    return withClient(parsed, io, async (client) => {
      let services: Record<string, string[]> = {};
      const q = withParams(client.queryParams(v.get('filter') ? { filter: v.get('filter') as string } : {}), nodeMetaParams(meta));
      if (node) {
        try {
          const res = await client.request('GET', `/v1/catalog/node/${encodeURIComponent(node)}`, q);
          if (res.status !== 200) throw new Error(`Unexpected response code: ${res.status} (${res.body.toString('utf8')})`);
          const n = JSON.parse(res.body.toString('utf8')) as { Services?: Record<string, { Service: string; Tags: string[] | null }> } | null;
          for (const s of Object.values(n?.Services ?? {})) services[s.Service] = [...(services[s.Service] ?? []), ...(s.Tags ?? [])];
        } catch (err) {
          error(io, `Error listing services for node: ${errMessage(err)}`);
          return 1;
        }
      } else {
        try {
          services = await client.getJson<Record<string, string[]>>('/v1/catalog/services', q);
        } catch (err) {
          error(io, `Error listing services: ${errMessage(err)}`);
          return 1;
        }
      }
      const names = Object.keys(services).sort();
      if (names.length === 0) {
        error(io, 'No services match the given query - try expanding your search.');
        return 0;
      }
      if (v.get('tags') === true) {
        const rows = names.map((n) => `${n}\t${[...(services[n] ?? [])].sort().join(',')}`);
        info(io, tabwrite(rows).trim());
      } else {
        for (const n of names) info(io, n);
      }
      return 0;
    });
  },
};

interface CatalogNode {
  ID: string;
  Node: string;
  Address: string;
  Datacenter: string;
  TaggedAddresses: Record<string, string> | null;
  Meta: Record<string, string> | null;
}

export function formatNodes(nodes: CatalogNode[], detailed: boolean): string {
  const D = '\x1f';
  const kv = (m: Record<string, string> | null) =>
    Object.keys(m ?? {}).sort().map((k) => `${k}=${m![k]}`).join(', ');
  const rows = [detailed ? ['Node', 'ID', 'Address', 'DC', 'TaggedAddresses', 'Meta'].join(D) : ['Node', 'ID', 'Address', 'DC'].join(D)];
  for (const n of nodes) {
    if (detailed) rows.push([n.Node, n.ID, n.Address, n.Datacenter, kv(n.TaggedAddresses), kv(n.Meta)].join(D));
    else {
      const idx = n.ID.indexOf('-');
      rows.push([n.Node, idx > 0 ? n.ID.slice(0, idx) : n.ID, n.Address, n.Datacenter].join(D));
    }
  }
  return columnize(rows);
}

export const catalogNodesCommand: Command = {
  synopsis: 'Lists all nodes in the given datacenter',
  help: () => usage(NODES_HELP, nodesFlags()),
  async run(args: string[], io: Io): Promise<number> {
    const parsed = parseFlags(nodesFlags(), args, io, this.help());
    if (!parsed) return 1;
    if (parsed.args.length > 0) {
      error(io, `Too many arguments (expected 0, got ${parsed.args.length})`);
      return 1;
    }
    const v = parsed.values;
    const service = v.get('service') as string | undefined;
    return withClient(parsed, io, async (client) => {
      const params: Record<string, string | undefined> = {};
      if (v.get('near')) params.near = v.get('near') as string;
      if (v.get('filter')) params.filter = v.get('filter') as string;
      const q = withParams(client.queryParams(params), nodeMetaParams(v.get('node-meta') as Record<string, string> | undefined));
      let nodes: CatalogNode[];
      if (service) {
        try {
          const rows = await client.getJson<(CatalogNode & { NodeMeta: Record<string, string> | null })[]>(
            `/v1/catalog/service/${encodeURIComponent(service)}`,
            q,
          );
          nodes = rows.map((s) => ({ ID: s.ID, Node: s.Node, Address: s.Address, Datacenter: s.Datacenter, TaggedAddresses: s.TaggedAddresses, Meta: s.NodeMeta }));
        } catch (err) {
          error(io, `Error listing nodes for service: ${errMessage(err)}`);
          return 1;
        }
      } else {
        try {
          nodes = await client.getJson<CatalogNode[]>('/v1/catalog/nodes', q);
        } catch (err) {
          error(io, `Error listing nodes: ${errMessage(err)}`);
          return 1;
        }
      }
      if (nodes.length === 0) {
        error(io, 'No nodes match the given query - try expanding your search.');
        return 0;
      }
      info(io, formatNodes(nodes, v.get('detailed') === true));
      return 0;
    });
  },
};

export const catalogDatacentersCommand: Command = {
  synopsis: 'Lists all known datacenters',
  help: () => usage(DCS_HELP, dcsFlags()),
  async run(args: string[], io: Io): Promise<number> {
    const parsed = parseFlags(dcsFlags(), args, io, this.help());
    if (!parsed) return 1;
    if (parsed.args.length > 0) {
      error(io, `Too many arguments (expected 0, got ${parsed.args.length})`);
      return 1;
    }
    return withClient(parsed, io, async (client) => {
      let dcs: string[];
      try {
        dcs = await client.getJson<string[]>('/v1/catalog/datacenters', client.queryParams({}, false));
      } catch (err) {
        error(io, `Error listing datacenters: ${errMessage(err)}`);
        return 1;
      }
      if (dcs.length === 0) {
        error(io, 'No datacenters found');
        return 1;
      }
      for (const dc of dcs) info(io, dc);
      return 0;
    });
  },
};
