// consul version [-format=json]
import { FlagSet, parseFlags, usage, type Command } from '../command.js';
import { error, info, type Io } from '../io.js';
import {
  BUILD_DATE,
  CONSUL_VERSION,
  PROTOCOL_VERSION,
  PROTOCOL_VERSION_MAX,
  PROTOCOL_VERSION_MIN,
  REVISION,
  VERSION_PRERELEASE,
} from '../../lib/version.js';

const HELP = `
Usage: consul version [options]

  Prints the version of this Consul CLI.
`;

function flags(): FlagSet {
  return new FlagSet('version').string('format', 'Output format {pretty|json}');
}

export function versionText(): string {
  const pre = VERSION_PRERELEASE ? `-${VERSION_PRERELEASE}` : '';
  return [
    `Consul v${CONSUL_VERSION}${pre}`,
    `Revision ${REVISION}`,
    `Build Date ${BUILD_DATE}`,
    `Protocol ${PROTOCOL_VERSION} spoken by default, understands ${PROTOCOL_VERSION_MIN} to ${PROTOCOL_VERSION_MAX} (agent will automatically use protocol >2 when speaking to compatible agents)`,
  ].join('\n');
}

export const versionCommand: Command = {
  synopsis: 'Prints the Consul version',
  help: () => usage(HELP, flags()),
  async run(args: string[], io: Io): Promise<number> {
    const parsed = parseFlags(flags(), args, io, this.help());
    if (!parsed) return 1;
    const format = (parsed.values.get('format') as string | undefined) ?? 'pretty';
    if (format === 'json') {
      const out = {
        Version: CONSUL_VERSION,
        Revision: REVISION,
        Prerelease: VERSION_PRERELEASE,
        FIPS: '',
        BuildDate: BUILD_DATE,
        RPC: { Default: PROTOCOL_VERSION, Min: PROTOCOL_VERSION_MIN, Max: PROTOCOL_VERSION_MAX },
      };
      info(io, JSON.stringify(out, null, 2));
      return 0;
    }
    if (format !== 'pretty') {
      error(io, `Invalid format: ${format}. Valid formats are: pretty, json`);
      return 1;
    }
    info(io, versionText());
    return 0;
  },
};
