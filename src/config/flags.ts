// `consul agent` command-line flags, and how each maps onto a config-file key.
import { FlagSet, type FlagKind, type ParsedFlags } from './flagset.js';
import type { Decoded } from './schema.js';

interface AgentFlag {
  name: string;
  kind: FlagKind;
  /** Dotted config path the flag sets; undefined for flags handled by the loader itself. */
  path?: string;
  usage: string;
}

const FLAGS: AgentFlag[] = [
  { name: 'advertise', kind: 'string', path: 'advertise_addr', usage: 'Sets the advertise address to use.' },
  { name: 'advertise-wan', kind: 'string', path: 'advertise_addr_wan', usage: 'Sets address to advertise on WAN instead of -advertise address.' },
  { name: 'allow-write-http-from', kind: 'strings', path: 'http_config.allow_write_http_from', usage: 'Only allow write endpoint calls from given network. CIDR format, can be specified multiple times.' },
  { name: 'alt-domain', kind: 'string', path: 'alt_domain', usage: 'Alternate domain to use for DNS interface.' },
  { name: 'auto-reload-config', kind: 'bool', path: 'auto_reload_config', usage: 'Watches config files for changes and auto reloads the files when modified.' },
  { name: 'bind', kind: 'string', path: 'bind_addr', usage: 'Sets the bind address for cluster communication.' },
  { name: 'bootstrap', kind: 'bool', path: 'bootstrap', usage: 'Sets server to bootstrap mode.' },
  { name: 'bootstrap-expect', kind: 'int', path: 'bootstrap_expect', usage: 'Sets server to expect bootstrap mode.' },
  { name: 'check_output_max_size', kind: 'int', path: 'check_output_max_size', usage: 'Sets the maximum output size for checks on this agent' },
  { name: 'client', kind: 'string', path: 'client_addr', usage: 'Sets the address to bind for client access. This includes RPC, DNS, HTTP, HTTPS and gRPC (if configured).' },
  { name: 'config-dir', kind: 'strings', usage: "Path to a directory to read configuration files from. This will read every file ending in '.json' or '.hcl' as configuration in this directory in alphabetical order. Can be specified multiple times." },
  { name: 'config-file', kind: 'strings', usage: 'Path to a file in JSON or HCL format with a matching file extension. Can be specified multiple times.' },
  { name: 'config-format', kind: 'string', usage: "Config files are in this format irrespective of their extension. Must be 'hcl' or 'json'" },
  { name: 'data-dir', kind: 'string', path: 'data_dir', usage: 'Path to a data directory to store agent state.' },
  { name: 'datacenter', kind: 'string', path: 'datacenter', usage: 'Datacenter of the agent.' },
  { name: 'default-query-time', kind: 'duration', path: 'default_query_time', usage: 'the amount of time a blocking query will wait before Consul will force a response. This value can be overridden by the \'wait\' query parameter.' },
  { name: 'dev', kind: 'bool', usage: 'Starts the agent in development mode.' },
  { name: 'disable-host-node-id', kind: 'bool', path: 'disable_host_node_id', usage: 'Setting this to true will prevent Consul from using information from the host to generate a node ID, and will cause Consul to generate a random node ID instead.' },
  { name: 'disable-keyring-file', kind: 'bool', path: 'disable_keyring_file', usage: 'Disables the backing up of the keyring to a file.' },
  { name: 'dns-port', kind: 'int', path: 'ports.dns', usage: 'DNS port to use.' },
  { name: 'domain', kind: 'string', path: 'domain', usage: 'Domain to use for DNS interface.' },
  { name: 'enable-local-script-checks', kind: 'bool', path: 'enable_local_script_checks', usage: 'Enables health check scripts from configuration file.' },
  { name: 'enable-script-checks', kind: 'bool', path: 'enable_script_checks', usage: 'Enables health check scripts.' },
  { name: 'encrypt', kind: 'string', path: 'encrypt', usage: 'Provides the gossip encryption key.' },
  { name: 'grpc-port', kind: 'int', path: 'ports.grpc', usage: 'Sets the gRPC API port to listen on.' },
  { name: 'grpc-tls-port', kind: 'int', path: 'ports.grpc_tls', usage: 'Sets the gRPC-TLS API port to listen on.' },
  { name: 'hcl', kind: 'strings', usage: 'hcl config fragment. Can be specified multiple times.' },
  { name: 'http-port', kind: 'int', path: 'ports.http', usage: 'Sets the HTTP API port to listen on.' },
  { name: 'https-port', kind: 'int', path: 'ports.https', usage: 'Sets the HTTPS API port to listen on.' },
  { name: 'join', kind: 'strings', path: 'start_join', usage: 'Address of an agent to join at start time. Can be specified multiple times.' },
  { name: 'join-wan', kind: 'strings', path: 'start_join_wan', usage: 'Address of an agent to join -wan at start time. Can be specified multiple times.' },
  { name: 'log-file', kind: 'string', path: 'log_file', usage: 'Path to the file the logs get written to' },
  { name: 'log-json', kind: 'bool', path: 'log_json', usage: 'Output logs in JSON format.' },
  { name: 'log-level', kind: 'string', path: 'log_level', usage: 'Log level of the agent.' },
  { name: 'log-rotate-bytes', kind: 'int', path: 'log_rotate_bytes', usage: 'Maximum number of bytes that should be written to a log file' },
  { name: 'log-rotate-duration', kind: 'duration', path: 'log_rotate_duration', usage: 'Time after which log rotation needs to be performed' },
  { name: 'log-rotate-max-files', kind: 'int', path: 'log_rotate_max_files', usage: 'Maximum number of log file archives to keep' },
  { name: 'max-query-time', kind: 'duration', path: 'max_query_time', usage: "the maximum amount of time a blocking query can wait before Consul will force a response. Consul applies jitter to the wait time. The jittered time will be capped to MaxQueryTime." },
  { name: 'node', kind: 'string', path: 'node_name', usage: 'Name of this node. Must be unique in the cluster.' },
  { name: 'node-id', kind: 'string', path: 'node_id', usage: 'A unique ID for this node across space and time. Defaults to a randomly-generated ID that persists in the data-dir.' },
  { name: 'node-meta', kind: 'map', path: 'node_meta', usage: 'An arbitrary metadata key/value pair for this node, of the format `key:value`. Can be specified multiple times.' },
  { name: 'non-voting-server', kind: 'bool', path: 'non_voting_server', usage: '(Enterprise-only) DEPRECATED: -read-replica should be used instead' },
  { name: 'pid-file', kind: 'string', path: 'pid_file', usage: 'Path to file to store agent PID.' },
  { name: 'primary-gateway', kind: 'strings', path: 'primary_gateways', usage: 'Address of a mesh gateway in the primary datacenter to use to bootstrap WAN federation at start time with retries enabled. Can be specified multiple times.' },
  { name: 'protocol', kind: 'int', path: 'protocol', usage: 'Sets the protocol version. Defaults to latest.' },
  { name: 'raft-protocol', kind: 'int', path: 'raft_protocol', usage: 'Sets the Raft protocol version. Defaults to latest.' },
  { name: 'read-replica', kind: 'bool', path: 'read_replica', usage: '(Enterprise-only) This flag is used to make the server not participate in the Raft quorum, and have it only receive the data replication stream.' },
  { name: 'recursor', kind: 'strings', path: 'recursors', usage: 'Address of an upstream DNS server. Can be specified multiple times.' },
  { name: 'rejoin', kind: 'bool', path: 'rejoin_after_leave', usage: 'Ignores a previous leave and attempts to rejoin the cluster.' },
  { name: 'retry-interval', kind: 'duration', path: 'retry_interval', usage: 'Time to wait between join attempts.' },
  { name: 'retry-interval-wan', kind: 'duration', path: 'retry_interval_wan', usage: 'Time to wait between join -wan attempts.' },
  { name: 'retry-join', kind: 'strings', path: 'retry_join', usage: 'Address of an agent to join at start time with retries enabled. Can be specified multiple times.' },
  { name: 'retry-join-wan', kind: 'strings', path: 'retry_join_wan', usage: 'Address of an agent to join -wan at start time with retries enabled. Can be specified multiple times.' },
  { name: 'retry-max', kind: 'int', path: 'retry_max', usage: 'Maximum number of join attempts. Defaults to 0, which will retry indefinitely.' },
  { name: 'retry-max-wan', kind: 'int', path: 'retry_max_wan', usage: 'Maximum number of join -wan attempts. Defaults to 0, which will retry indefinitely.' },
  { name: 'segment', kind: 'string', path: 'segment', usage: '(Enterprise-only) Sets the network segment to join.' },
  { name: 'serf-lan-allowed-cidrs', kind: 'strings', path: 'serf_lan_allowed_cidrs', usage: 'Networks (eg: 192.168.1.0/24) allowed for Serf LAN. Can be specified multiple times.' },
  { name: 'serf-lan-bind', kind: 'string', path: 'serf_lan', usage: 'Address to bind Serf LAN listeners to.' },
  { name: 'serf-lan-port', kind: 'int', path: 'ports.serf_lan', usage: 'Sets the Serf LAN port to listen on.' },
  { name: 'serf-wan-allowed-cidrs', kind: 'strings', path: 'serf_wan_allowed_cidrs', usage: 'Networks (eg: 192.168.1.0/24) allowed for Serf WAN (other datacenters). Can be specified multiple times.' },
  { name: 'serf-wan-bind', kind: 'string', path: 'serf_wan', usage: 'Address to bind Serf WAN listeners to.' },
  { name: 'serf-wan-port', kind: 'int', path: 'ports.serf_wan', usage: 'Sets the Serf WAN port to listen on.' },
  { name: 'server', kind: 'bool', path: 'server', usage: 'Switches agent to server mode.' },
  { name: 'server-port', kind: 'int', path: 'ports.server', usage: 'Sets the server port to listen on.' },
  { name: 'syslog', kind: 'bool', path: 'enable_syslog', usage: 'Enables logging to syslog.' },
  { name: 'ui', kind: 'bool', path: 'ui_config.enabled', usage: 'Enables the built-in static web UI server.' },
  { name: 'ui-content-path', kind: 'string', path: 'ui_config.content_path', usage: 'Sets the external UI path to a string. Defaults to: /ui/ ' },
  { name: 'ui-dir', kind: 'string', path: 'ui_config.dir', usage: 'Path to directory containing the web UI resources.' },
];

export function agentFlagSet(): FlagSet {
  const fs = new FlagSet('agent');
  for (const f of FLAGS) fs.add({ name: f.name, kind: f.kind, usage: f.usage, mapSeparator: ':' });
  return fs;
}

export interface AgentFlags {
  /** -config-file and -config-dir paths, interleaved in the order given. */
  configPaths: string[];
  configFormat: string | undefined;
  dev: boolean;
  hcl: string[];
  /** List-valued flags: merged before the config files so that file lists append after them. */
  slices: Decoded;
  /** Everything else: merged after the config files, so flags win. */
  values: Decoded;
}

export function agentFlagsFromParsed(parsed: ParsedFlags): AgentFlags {
  const configPaths: string[] = [];
  const seen = new Map<string, number>();
  for (const name of parsed.order) {
    if (name !== 'config-file' && name !== 'config-dir') continue;
    const k = seen.get(name) ?? 0;
    seen.set(name, k + 1);
    configPaths.push((parsed.values.get(name) as string[])[k]!);
  }
  const slices: Decoded = {};
  const values: Decoded = {};
  for (const f of FLAGS) {
    if (!f.path || !parsed.values.has(f.name)) continue;
    const v = parsed.values.get(f.name);
    setPath(f.kind === 'strings' ? slices : values, f.path, v);
  }
  return {
    configPaths,
    configFormat: parsed.values.get('config-format') as string | undefined,
    dev: parsed.values.get('dev') === true,
    hcl: (parsed.values.get('hcl') as string[] | undefined) ?? [],
    slices,
    values,
  };
}

function setPath(target: Decoded, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = target;
  for (const p of parts.slice(0, -1)) {
    cur[p] ??= {};
    cur = cur[p] as Decoded;
  }
  cur[parts[parts.length - 1]!] = value;
}
