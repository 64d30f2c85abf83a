// Agent configuration: flags + files + fragments -> one validated, frozen RuntimeConfig.
//
// Layers, lowest precedence first (Consul's order, agent/config/builder.go):
//   built-in defaults -> -dev defaults -> list-valued flags -> config files/dirs in command-line order
//   -> other flags -> -hcl fragments.
// Within that order scalars replace, lists append and maps merge key by key.
import { ConfigError, type RuntimeConfig } from './types.js';
import { agentFlagSet, agentFlagsFromParsed } from './flags.js';
import { FlagError } from './flagset.js';
import { defaultLayer, devLayer } from './defaults.js';
import { sourcesFromPath, parseSource, type ConfigFormat, type Source } from './sources.js';
import { mergeLayers, liftSingles } from './merge.js';
import { buildRuntime, systemHost, type HostFacts } from './build.js';
import type { Decoded } from './schema.js';

export { ConfigError } from './types.js';
export type { RuntimeConfig, ServiceDefinition, CheckDefinition, LogLevel, GossipSettings } from './types.js';
export { agentFlagSet } from './flags.js';
export { parseHcl, HclParseError } from './hcl.js';
export type { HostFacts } from './build.js';

/** Thrown by loadConfig when the arguments asked for help (-h/-help); `usage` is the text to print. */
export class HelpRequested extends Error {
  override name = 'HelpRequested';
  constructor(readonly usage: string) {
    super('help requested');
  }
}

export interface LoadOptions {
  /** Host facts (hostname, private IPs); tests replace them. */
  host?: HostFacts;
}

/**
 * Builds the agent's configuration from the arguments that follow `agent`.
 * Throws ConfigError (code ERR_CONFIG) with Consul's wording for any problem, HelpRequested for -h.
 * `env` is accepted for symmetry with the CLI; Consul's agent reads no configuration from the environment.
 */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv = process.env, opts: LoadOptions = {}): RuntimeConfig {
  void env;
  const fs = agentFlagSet();
  let parsed;
  try {
    parsed = fs.parse(argv);
  } catch (err) {
    if (err instanceof FlagError) throw new ConfigError(err.message, { cause: err });
    throw err;
  }
  if (parsed.help) throw new HelpRequested(fs.usage());
  if (parsed.args.length > 0) {
    throw new ConfigError(`Unexpected extra arguments: ${parsed.args.join(' ')}`);
  }
  const flags = agentFlagsFromParsed(parsed);
  const format = flags.configFormat;
  if (format !== undefined && format !== '' && format !== 'json' && format !== 'hcl') {
    throw new ConfigError("config: -config-format must be either 'hcl' or 'json'");
  }
  const forced = (format || undefined) as ConfigFormat | undefined;

  const warnings: string[] = [];
  const files: Source[] = [];
  for (const path of flags.configPaths) files.push(...sourcesFromPath(path, forced, warnings));
  const fragments: Source[] = flags.hcl.map((data, i) => ({ name: `flags-${i}.hcl`, format: 'hcl', data }));

  const layers: Decoded[] = [defaultLayer()];
  if (flags.dev) layers.push(devLayer());
  layers.push(flags.slices);
  for (const src of files) layers.push(decode(src, warnings));
  layers.push(flags.values);
  for (const src of fragments) layers.push(decode(src, warnings));

  const merged = mergeLayers(layers.map(liftSingles));
  return buildRuntime(merged, {
    devMode: flags.dev,
    argv: [...argv],
    sources: files.map((f) => f.name),
    warnings,
    host: opts.host ?? systemHost,
  });
}

function decode(src: Source, warnings: string[]): Decoded {
  const { config, warnings: w } = parseSource(src);
  warnings.push(...w);
  return config;
}
