// consul validate [options] FILE_OR_DIRECTORY...: run the agent's config loader over files, report the result.
import { loadConfig, ConfigError } from '../../config/index.js';
import { FlagSet, parseFlags, usage, type Command } from '../command.js';
import { error, info, type Io } from '../io.js';

const HELP = `
Usage: consul validate [options] FILE_OR_DIRECTORY...

  Performs a basic sanity test on Consul configuration files. For each file
  or directory given, the validate command will attempt to parse the
  contents just as the "consul agent" command would, and catch any errors.

  This is useful to do a test of the configuration only, without actually
  starting the agent. This performs all of the validation the agent would, so
  this should be given the complete set of configuration files that are going
  to be loaded by the agent. This command cannot operate on partial
  configuration fragments since those won't pass the full agent validation.

  Returns 0 if the configuration is valid, or 1 if there are problems.

      $ consul validate /etc/consul.d/config.json /etc/consul.d/extra_config.json
`;

function flags(): FlagSet {
  return new FlagSet('validate')
    .string('config-format', "Config files are in this format irrespective of their extension. Must be 'hcl' or 'json'")
    .bool('quiet', 'When given, a successful run will produce no output.');
}

export const validateCommand: Command = {
  synopsis: 'Validate config files/directories',
  help: () => usage(HELP, flags()),
  async run(args: string[], io: Io): Promise<number> {
    const parsed = parseFlags(flags(), args, io, this.help());
    if (!parsed) return 1;
    if (parsed.args.length === 0) {
      error(io, 'Must specify at least one config file or directory');
      return 1;
    }
    const argv: string[] = [];
    for (const p of parsed.args) argv.push('-config-file', p);
    const format = parsed.values.get('config-format') as string | undefined;
    if (format !== undefined) argv.push('-config-format', format);
    try {
      const config = loadConfig(argv, io.env);
      if (parsed.values.get('quiet') !== true) {
        for (const w of config.warnings) info(io, w);
        info(io, 'Configuration is valid!');
      }
      return 0;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      error(io, `Config validation failed: ${err.message}`);
      return 1;
    }
  },
};
