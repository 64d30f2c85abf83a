// What every CLI command looks like, and the HTTP flags the HTTP-backed commands share (Consul's
// command/flags HTTPFlags: client flags on every command, server flags on reads).
import { FlagSet, FlagError, type ParsedFlags } from '../config/flagset.js';
import { ApiClient, ApiError, type ClientSettings } from './api-client.js';
import { error, type Io } from './io.js';

export interface Command {
  synopsis: string;
  help(): string;
  run(args: string[], io: Io): Promise<number>;
}

export function addClientFlags(fs: FlagSet): FlagSet {
  return fs
    .string('http-addr', 'The `address` and port of the Consul HTTP agent. The value can be an IP address or DNS address, but it must also include the port. This can also be specified via the CONSUL_HTTP_ADDR environment variable. The default value is http://127.0.0.1:8500. The scheme can also be set to HTTPS by setting the environment variable CONSUL_HTTP_SSL=true.')
    .string('token', 'ACL token to use in the request. This can also be specified via the CONSUL_HTTP_TOKEN environment variable. If unspecified, the query will default to the token of the Consul agent at the HTTP address.')
    .string('token-file', 'File containing the ACL token to use in the request instead of one specified via the -token argument or CONSUL_HTTP_TOKEN environment variable. This can also be specified via the CONSUL_HTTP_TOKEN_FILE environment variable.')
    .string('ca-file', 'Path to a CA file to use for TLS when communicating with Consul. This can also be specified via the CONSUL_CACERT environment variable.')
    .string('ca-path', 'Path to a directory of CA certificates to use for TLS when communicating with Consul. This can also be specified via the CONSUL_CAPATH environment variable.')
    .string('client-cert', 'Path to a client cert file to use for TLS when \'verify_incoming\' is enabled. This can also be specified via the CONSUL_CLIENT_CERT environment variable.')
    .string('client-key', 'Path to a client key file to use for TLS when \'verify_incoming\' is enabled. This can also be specified via the CONSUL_CLIENT_KEY environment variable.')
    .string('tls-server-name', 'The server name to use as the SNI host when connecting via TLS. This can also be specified via the CONSUL_TLS_SERVER_NAME environment variable.');
}

export function addServerFlags(fs: FlagSet): FlagSet {
  return fs
    .string('datacenter', 'Name of the datacenter to query. If unspecified, this will default to the datacenter of the queried agent.')
    .bool('stale', 'Permit any Consul server (non-leader) to respond to this request. This allows for lower latency and higher throughput, but can result in stale data. This option has no effect on non-read operations. The default value is false.');
}

export function addMultiTenancyFlags(fs: FlagSet): FlagSet {
  return fs
    .string('namespace', 'Specifies the namespace to query. If not provided, the namespace will be inferred from the request\'s ACL token, or will default to the `default` namespace. Namespaces are a Consul Enterprise feature.')
    .string('partition', 'Specifies the admin partition to query. If not provided, the admin partition will be inferred from the request\'s ACL token, or will default to the `default` admin partition. Admin Partitions are a Consul Enterprise feature.');
}

export function clientFromFlags(parsed: ParsedFlags, io: Io): ApiClient {
  const v = parsed.values;
  const s: ClientSettings = {
    address: v.get('http-addr') as string | undefined,
    token: v.get('token') as string | undefined,
    tokenFile: v.get('token-file') as string | undefined,
    datacenter: v.get('datacenter') as string | undefined,
    stale: v.get('stale') === true,
    caFile: v.get('ca-file') as string | undefined,
    tlsServerName: (v.get('tls-server-name') as string | undefined) ?? io.env.CONSUL_TLS_SERVER_NAME,
    namespace: v.get('namespace') as string | undefined,
    partition: v.get('partition') as string | undefined,
  };
  return new ApiClient(s, io.env);
}

/** Help text in Consul's layout: the command's own text, then its flags. */
export function usage(text: string, fs: FlagSet | undefined): string {
  const body = text.replace(/^\n+|\n+$/g, '');
  if (!fs) return body;
  return `${body}\n\nCommand Options:\n\n${fs.usage().replace(/\n+$/, '')}`;
}

/**
 * Parses flags like Go's flag.FlagSet with ContinueOnError: on error prints it and the usage to stderr and
 * returns undefined (the caller exits 1).
 */
export function parseFlags(fs: FlagSet, args: string[], io: Io, helpText: string): ParsedFlags | undefined {
  try {
    const parsed = fs.parse(args);
    if (parsed.help) {
      error(io, helpText);
      return undefined;
    }
    return parsed;
  } catch (err) {
    if (err instanceof FlagError) {
      error(io, err.message);
      error(io, `Usage of ${fs.name}:\n${fs.usage()}`);
      return undefined;
    }
    throw err;
  }
}

/** Runs a command body, turning a client construction failure into Consul's connect error. */
export async function withClient(
  parsed: ParsedFlags,
  io: Io,
  body: (client: ApiClient) => Promise<number>,
): Promise<number> {
  let client: ApiClient;
  try {
    client = clientFromFlags(parsed, io);
  } catch (err) {
    error(io, `Error connecting to Consul agent: ${(err as Error).message}`);
    return 1;
  }
  return body(client);
}

export function errMessage(err: unknown): string {
  return err instanceof ApiError || err instanceof Error ? err.message : String(err);
}

/** Reads a DATA argument the way Consul's kv put / kv import do: literal, @file, or - for stdin. */
export async function dataFromArg(arg: string, io: Io): Promise<Buffer> {
  if (arg.length === 0) return Buffer.alloc(0);
  if (arg[0] === '@') {
    const { readFile } = await import('node:fs/promises');
    try {
      return await readFile(arg.slice(1));
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'ENOENT' ? 'no such file or directory' : e.code === 'EACCES' ? 'permission denied' : e.message;
      throw new Error(`Failed to read file: open ${arg.slice(1)}: ${why}`);
    }
  }
  if (arg === '-') {
    try {
      return await io.readStdin();
    } catch (err) {
      throw new Error(`Failed to read stdin: ${(err as Error).message}`);
    }
  }
  return Buffer.from(arg, 'utf8');
}

export { FlagSet };
