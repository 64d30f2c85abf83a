// consul agent [options]: load the configuration, set up logging, hand over to the agent.
import { loadConfig, ConfigError, HelpRequested, agentFlagSet } from '../../config/index.js';
import { FlagError } from '../../config/flagset.js';
import { createLogger, type Logger } from '../../lib/logger.js';
import { usage, type Command } from '../command.js';
import { error, type Io } from '../io.js';

const HELP = `
Usage: consul agent [options]

  Starts the Consul agent and runs until an interrupt is received. The
  agent represents a single node in a cluster.
`;

export const agentCommand: Command = {
  synopsis: 'Runs a Consul agent',
  help: () => usage(HELP, agentFlagSet()),
  async run(args: string[], io: Io): Promise<number> {
    let config;
    try {
      config = loadConfig(args, io.env);
    } catch (err) {
      if (err instanceof HelpRequested) {
        error(io, this.help());
        return 0;
      }
      if (err instanceof ConfigError) {
        error(io, err.message);
        if (err.cause instanceof FlagError) error(io, `Usage of agent:\n${agentFlagSet().usage()}`);
        return 1;
      }
      throw err;
    }
    let logger: Logger;
    try {
      logger = createLogger({ level: config.logLevel, json: config.logJson, file: config.logFile });
    } catch (err) {
      error(io, `Failed to setup logging: ${(err as Error).message}`);
      return 1;
    }
    const agentLog = logger.named('agent');
    for (const w of config.warnings) agentLog.warn(w);
    try {
      // Loaded only here, so that every other command starts without pulling in the whole agent.
      const { runAgent } = await import('../../agent/run.js');
      await runAgent(config, logger);
    } catch (err) {
      error(io, `Error starting agent: ${(err as Error).message}`);
      return 1;
    }
    // runAgent reports a failed start through process.exitCode rather than a rejection.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  },
};
