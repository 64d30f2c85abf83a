// `consul <command> [args]`: dispatch like mitchellh/cli, which Consul uses.
//  - the longest registered command path wins ("kv get" before "kv");
//  - -h/-help/--help anywhere before "--" prints that command's help (exit 0);
//  - -v/-version/--version before any command runs "version";
//  - no command or an unknown one prints the command list and exits 127;
//  - a parent command with no subcommand ("consul kv") prints its help and exits 1.
import type { Command } from './command.js';
import { error, info, processIo, type Io } from './io.js';
import { agentCommand } from './commands/agent.js';
import { versionCommand } from './commands/version.js';
import { membersCommand } from './commands/members.js';
import { kvGetCommand } from './commands/kv-get.js';
import { kvPutCommand } from './commands/kv-put.js';
import { kvDeleteCommand } from './commands/kv-delete.js';
import { kvExportCommand, kvImportCommand } from './commands/kv-transfer.js';
import { catalogDatacentersCommand, catalogNodesCommand, catalogServicesCommand } from './commands/catalog.js';
import { servicesDeregisterCommand, servicesRegisterCommand } from './commands/services.js';
import { infoCommand, joinCommand, leaveCommand, reloadCommand } from './commands/agent-ops.js';
import { eventCommand, forceLeaveCommand } from './commands/event.js';
import { raftListPeersCommand, raftRemovePeerCommand } from './commands/operator-raft.js';
import { validateCommand } from './commands/validate.js';

function parent(synopsis: string, usageLine: string, description: string, path: string): Command {
  return {
    synopsis,
    help: () => {
      const subs = Object.keys(COMMANDS)
        .filter((k) => k.startsWith(`${path} `) && !k.slice(path.length + 1).includes(' '))
        .sort();
      const width = Math.max(...subs.map((s) => s.length - path.length - 1));
      const list = subs.map((s) => `    ${s.slice(path.length + 1).padEnd(width)}    ${COMMANDS[s]!.synopsis}`);
      return `${usageLine}\n\n${description}\n\nSubcommands:\n${list.join('\n')}`;
    },
    run: async () => RUN_RESULT_HELP,
  };
}

/** A command returns this to ask for its help to be printed (mitchellh's RunResultHelp); exit code 1. */
const RUN_RESULT_HELP = -18511;

const COMMANDS: Record<string, Command> = {
  agent: agentCommand,
  catalog: parent(
    'Interact with the catalog',
    'Usage: consul catalog <subcommand> [options] [args]',
    '  This command has subcommands for interacting with Consul\'s catalog. The\n  catalog should not be confused with the agent, although the APIs and\n  responses may be similar.',
    'catalog',
  ),
  'catalog datacenters': catalogDatacentersCommand,
  'catalog nodes': catalogNodesCommand,
  'catalog services': catalogServicesCommand,
  info: infoCommand,
  join: joinCommand,
  event: eventCommand,
  'force-leave': forceLeaveCommand,
  kv: parent(
    'Interact with the key-value store',
    'Usage: consul kv <subcommand> [options] [args]',
    '  This command has subcommands for interacting with Consul\'s key-value\n  store. Here are some simple examples, and more detailed examples are\n  available in the subcommands or the documentation.',
    'kv',
  ),
  'kv delete': kvDeleteCommand,
  'kv export': kvExportCommand,
  'kv get': kvGetCommand,
  'kv import': kvImportCommand,
  'kv put': kvPutCommand,
  leave: leaveCommand,
  members: membersCommand,
  operator: parent(
    'Provides cluster-level tools for Consul operators',
    'Usage: consul operator <subcommand> [options]',
    '  Provides cluster-level tools for Consul operators, such as interacting with\n  the Raft subsystem.',
    'operator',
  ),
  'operator raft': parent(
    'Provides cluster-level tools for Consul operators',
    'Usage: consul operator raft <subcommand> [options]',
    '  The Raft operator command is used to interact with Consul\'s Raft subsystem.',
    'operator raft',
  ),
  'operator raft list-peers': raftListPeersCommand,
  'operator raft remove-peer': raftRemovePeerCommand,
  reload: reloadCommand,
  services: parent(
    'Interact with services',
    'Usage: consul services <subcommand> [options] [args]',
    '  This command has subcommands for interacting with services. The subcommands\n  default to working with services registered with the local agent.',
    'services',
  ),
  'services deregister': servicesDeregisterCommand,
  'services register': servicesRegisterCommand,
  validate: validateCommand,
  version: versionCommand,
};

export function commandList(): string {
  const top = Object.keys(COMMANDS).filter((k) => !k.includes(' ')).sort();
  const width = Math.max(...top.map((k) => k.length));
  const lines = top.map((k) => `    ${k.padEnd(width)}    ${COMMANDS[k]!.synopsis}`);
  return `Usage: consul [--version] [--help] <command> [<args>]\n\nAvailable commands are:\n${lines.join('\n')}\n`;
}

const HELP_FLAGS = new Set(['-h', '-help', '--help']);
const VERSION_FLAGS = new Set(['-v', '-version', '--version']);

/** Runs one CLI invocation; resolves to the process exit code. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const end = argv.includes('--') ? argv.indexOf('--') : argv.length;
  const first = argv.findIndex((a, i) => i < end && a !== '' && a[0] !== '-');
  const isHelp = argv.slice(0, end).some((a) => HELP_FLAGS.has(a));
  const isVersion = argv.slice(0, first < 0 ? end : first).some((a) => VERSION_FLAGS.has(a));
  if (isVersion) return versionCommand.run([], io);
  if (first < 0) {
    if (isHelp) {
      io.out(commandList());
      return 0;
    }
    io.err(commandList());
    return 127;
  }
  // Longest known command path starting at the first word.
  let name = '';
  for (let n = first; n < end && argv[n]![0] !== '-'; n++) {
    const candidate = argv.slice(first, n + 1).join(' ');
    if (COMMANDS[candidate]) name = candidate;
    else if (!Object.keys(COMMANDS).some((k) => k.startsWith(`${candidate} `))) break;
  }
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    io.err(commandList());
    return 127;
  }
  if (isHelp) {
    info(io, command.help());
    return 0;
  }
  const depth = name.split(' ').length;
  const rest = argv.slice(0, first).concat(argv.slice(first + depth));
  const code = await command.run(rest, io);
  if (code === RUN_RESULT_HELP) {
    error(io, command.help());
    return 1;
  }
  return code;
}

// Run when executed directly (node dist/src/cli/main.js ...).
if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
