// consul services register | deregister: register local services from flags or definition files.
import { readFileSync } from 'node:fs';
import { FlagSet, addClientFlags, addMultiTenancyFlags, errMessage, parseFlags, usage, withClient, type Command } from '../command.js';
import { error, info, type Io } from '../io.js';
import { parseSource } from '../../config/sources.js';
import type { ServiceDefinition } from '../../config/types.js';

const REGISTER_HELP = `
Usage: consul services register [options] [FILE...]

  Register one or more services using the local agent API. Services can
  be registered from standard Consul configuration files (HCL or JSON) or
  using flags. The service is registered and the command returns. The caller
  must remember to call "consul services deregister" or a similar API to
  deregister the service when complete.

      $ consul services register web.json

  Additional flags and more advanced use cases are detailed below.
`;

const DEREGISTER_HELP = `
Usage: consul services deregister [options] [FILE...]

  Deregister one or more services that were previously registered with
  the local agent.

      $ consul services deregister web.json

  The -id flag may be used to deregister a single service by ID:

      $ consul services deregister -id=web

  Services are deregistered from the local agent catalog. This command must
  be run against the same agent where the service was registered.
`;

function registerFlags(): FlagSet {
  const fs = new FlagSet('services register')
    .string('name', 'Name of the service. This is used only if a file is not given.')
    .string('id', 'ID of the service. This is used only if a file is not given.')
    .string('address', 'Address of the service. This is used only if a file is not given.')
    .int('port', 'Port of the service. This is used only if a file is not given.')
    .strings('tag', 'Tag to add to the service. This flag can be specified multiple times to set multiple tags. This is used only if a file is not given.')
    .map('meta', 'Metadata to set on the service, formatted as key=value. This flag may be specified multiple times to set multiple meta fields.', '=')
    .map('tagged-address', 'Tagged address to set on the service, formatted as key=value. This flag may be specified multiple times to set multiple addresses.', '=')
    .string('kind', 'The services kind.');
  addClientFlags(fs);
  addMultiTenancyFlags(fs);
  return fs;
}

function deregisterFlags(): FlagSet {
  const fs = new FlagSet('services deregister').string('id', 'ID to deregister. This must not be set if arguments are given.');
  addClientFlags(fs);
  addMultiTenancyFlags(fs);
  return fs;
}

/** Reads service definitions (`service {}` / `services []`) from config files. */
export function servicesFromFiles(paths: string[]): ServiceDefinition[] {
  const out: ServiceDefinition[] = [];
  for (const path of paths) {
    const format = path.endsWith('.hcl') ? 'hcl' : 'json';
    let data: string;
    try {
      data = readFileSync(path, 'utf8');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new Error(`Error loading config file ${path}: open ${path}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.message}`);
    }
    const { config } = parseSource({ name: path, format, data });
    if (config.service) out.push(config.service as ServiceDefinition);
    for (const s of (config.services as ServiceDefinition[] | undefined) ?? []) out.push(s);
  }
  return out;
}

export const servicesRegisterCommand: Command = {
  synopsis: 'Register services with the local agent',
  help: () => usage(REGISTER_HELP, registerFlags()),
  async run(args: string[], io: Io): Promise<number> {
    const parsed = parseFlags(registerFlags(), args, io, this.help());
    if (!parsed) return 1;
    const v = parsed.values;
    const name = v.get('name') as string | undefined;
    let svcs: ServiceDefinition[];
    if (name) {
      const svc: ServiceDefinition = { Name: name };
      if (v.has('id')) svc.ID = v.get('id') as string;
      if (v.has('address')) svc.Address = v.get('address') as string;
      if (v.has('port')) svc.Port = v.get('port') as number;
      if (v.has('tag')) svc.Tags = v.get('tag') as string[];
      if (v.has('meta')) svc.Meta = v.get('meta') as Record<string, string>;
      if (v.has('kind')) svc.Kind = v.get('kind') as string;
      if (v.has('tagged-address')) {
        const ta: Record<string, { Address: string; Port: number }> = {};
        for (const [k, addr] of Object.entries(v.get('tagged-address') as Record<string, string>)) {
          const m = /^(.*):(\d+)$/.exec(addr);
          ta[k] = m ? { Address: m[1]!, Port: Number(m[2]) } : { Address: addr, Port: 0 };
        }
        svc.TaggedAddresses = ta;
      }
      svcs = [svc];
    } else {
      if (parsed.args.length === 0) {
        error(io, 'Service registration requires at least one argument or flags.');
        return 1;
      }
      try {
        svcs = servicesFromFiles(parsed.args);
      } catch (err) {
        error(io, `Error: ${errMessage(err)}`);
        return 1;
      }
    }
    return withClient(parsed, io, async (client) => {
      for (const svc of svcs) {
        try {
          await client.call('PUT', '/v1/agent/service/register', client.queryParams({}, false), JSON.stringify(svc));
        } catch (err) {
          error(io, `Error registering service ${JSON.stringify(svc.Name ?? '')}: ${errMessage(err)}`);
          return 1;
        }
        info(io, `Registered service: ${svc.Name ?? ''}`);
      }
      return 0;
    });
  },
};

export const servicesDeregisterCommand: Command = {
  synopsis: 'Deregister services with the local agent',
  help: () => usage(DEREGISTER_HELP, deregisterFlags()),
  async run(args: string[], io: Io): Promise<number> {
    const parsed = parseFlags(deregisterFlags(), args, io, this.help());
    if (!parsed) return 1;
    const id = parsed.values.get('id') as string | undefined;
    if (parsed.args.length === 0 && !id) {
      error(io, 'Service deregistration requires at least one argument or -id.');
      return 1;
    }
    if (parsed.args.length > 0 && id) {
      error(io, 'Service deregistration requires arguments or -id, not both.');
      return 1;
    }
    let ids: string[];
    if (id) ids = [id];
    else {
      try {
        ids = servicesFromFiles(parsed.args).map((s) => s.ID || s.Name || '');
      } catch (err) {
        error(io, `Error: ${errMessage(err)}`);
        return 1;
      }
    }
    return withClient(parsed, io, async (client) => {
      for (const sid of ids) {
        try {
          await client.call('PUT', `/v1/agent/service/deregister/${encodeURIComponent(sid)}`, client.queryParams({}, false));
        } catch (err) {
          error(io, `Error deregistering service ${JSON.stringify(sid)}: ${errMessage(err)}`);
          return 1;
        }
        info(io, `Deregistered service: ${sid}`);
      }
      return 0;
    });
  },
};
