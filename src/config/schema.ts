// The shape of Consul's configuration file, and a decoder that checks one source against it.
//
// Decoding mirrors what Consul does with mapstructure: keys must be known (unknown ones are reported as
// `invalid config key <path>`), values must have the right type (`'<path>' expected type 'int', got
// unconvertible type 'string', value: 'abc'`), and a one-element list is accepted where an object is
// expected (HCL blocks always decode as lists in HCL1). Service and check definitions accept both the
// config files' snake_case and the HTTP API's CamelCase, and come out keyed in the API's CamelCase.
import { isPlainObject } from './hcl.js';
import { parseDurationNs } from '../lib/duration.js';

export type Field =
  | 'string'
  | 'int'
  | 'float'
  | 'bool'
  | 'duration' // a Go duration string; kept as the string, checked here
  | 'strings'
  | 'stringMap'
  | 'headerMap' // map[string][]string
  | 'any'
  | { obj: Record<string, Field>; api?: boolean } // api: keys matched case/underscore-insensitively
  | { list: Field }
  | { mapOf: Field };

const S = 'string' as const;
const I = 'int' as const;
const B = 'bool' as const;
const D = 'duration' as const;
const L = 'strings' as const;
const M = 'stringMap' as const;
const A = 'any' as const;
const obj = (fields: Record<string, Field>): Field => ({ obj: fields });
const api = (fields: Record<string, Field>): Field => ({ obj: fields, api: true });

// ---- service and check definitions (canonical names are the HTTP API's) ----
export const CHECK_FIELDS: Record<string, Field> = {
  ID: S, Name: S, Notes: S, ServiceID: S, Token: S, Status: S,
  Args: L, HTTP: S, Header: 'headerMap', Method: S, Body: S, DisableRedirects: B,
  TCP: S, TCPUseTLS: B, UDP: S, Interval: D, Timeout: D, TTL: D,
  DockerContainerID: S, Shell: S, GRPC: S, GRPCUseTLS: B, H2PING: S, H2PingUseTLS: B,
  TLSServerName: S, TLSSkipVerify: B, AliasNode: S, AliasService: S, OSService: S,
  SuccessBeforePassing: I, FailuresBeforeWarning: I, FailuresBeforeCritical: I,
  DeregisterCriticalServiceAfter: D, OutputMaxSize: I, Namespace: S, Partition: S,
};
/** Other spellings Consul accepts for a check field (compared lower-cased without underscores). */
export const CHECK_ALIASES: Record<string, string> = { checkid: 'ID', scriptargs: 'Args', script_args: 'Args' };

const CHECK: Field = api(CHECK_FIELDS);
export const SERVICE_FIELDS: Record<string, Field> = {
  ID: S, Name: S, Kind: S, Tags: L, Address: S, Port: I, SocketPath: S,
  TaggedAddresses: { mapOf: api({ Address: S, Port: I }) },
  Meta: M, EnableTagOverride: B, Weights: api({ Passing: I, Warning: I }), Token: S,
  Check: CHECK, Checks: { list: CHECK }, Proxy: A, Connect: A, Namespace: S, Partition: S, Locality: A,
};
const SERVICE: Field = api(SERVICE_FIELDS);

// ---- the configuration file ----
const TLS_PROTOCOL = obj({
  ca_file: S, ca_path: S, cert_file: S, key_file: S, tls_min_version: S, tls_cipher_suites: S,
  verify_incoming: B, verify_outgoing: B, verify_server_hostname: B, use_auto_cert: B,
});
const GOSSIP = obj({
  gossip_nodes: I, gossip_interval: D, probe_interval: D, probe_timeout: D, retransmit_mult: I, suspicion_mult: I,
});

export const CONFIG_SCHEMA: Record<string, Field> = {
  // ACL (modern and legacy spellings)
  acl: obj({
    enabled: B, default_policy: S, down_policy: S, token_ttl: D, policy_ttl: D, role_ttl: D,
    enable_token_persistence: B, enable_key_list_policy: B, enable_token_replication: B,
    token_replication: B, msp_disable_bootstrap: B,
    tokens: obj({
      initial_management: S, master: S, default: S, agent: S, agent_recovery: S, agent_master: S,
      replication: S, config_file_service_registration: S, dns: S, managed_service_provider: A,
    }),
  }),
  acl_agent_master_token: S, acl_agent_token: S, acl_datacenter: S, acl_default_policy: S, acl_down_policy: S,
  acl_enable_key_list_policy: B, acl_master_token: S, acl_replication_token: S, acl_ttl: D, acl_token: S,
  acl_enforce_version_8: B,
  addresses: obj({ dns: S, http: S, https: S, grpc: S, grpc_tls: S }),
  advertise_addr: S, advertise_addr_ipv4: S, advertise_addr_ipv6: S,
  advertise_addr_wan: S, advertise_addr_wan_ipv4: S, advertise_addr_wan_ipv6: S, advertise_reconnect_timeout: D,
  alt_domain: S, audit: A, auto_config: A, auto_encrypt: A, auto_reload_config: B,
  autopilot: obj({
    cleanup_dead_servers: B, last_contact_threshold: D, max_trailing_logs: I, min_quorum: I,
    server_stabilization_time: D, redundancy_zone_tag: S, disable_upgrade_migration: B, upgrade_version_tag: S,
  }),
  bind_addr: S, bootstrap: B, bootstrap_expect: I,
  ca_file: S, ca_path: S, cert_file: S, key_file: S, cache: A, cloud: A,
  check: CHECK, checks: { list: CHECK }, check_output_max_size: I, check_update_interval: D, ae_interval: D,
  client_addr: S, config_entries: A, connect: A,
  data_dir: S, datacenter: S, default_query_time: D,
  disable_anonymous_signature: B, disable_coordinates: B, disable_host_node_id: B,
  disable_http_unprintable_char_filter: B, disable_keyring_file: B, disable_remote_exec: B,
  disable_update_check: B, discard_check_output: B, discovery_max_stale: D,
  dns_config: obj({
    allow_stale: B, a_record_limit: I, disable_compression: B, enable_truncate: B, max_stale: D,
    node_ttl: D, only_passing: B, recursor_strategy: S, recursor_timeout: D,
    service_ttl: { mapOf: D }, udp_answer_limit: I, enable_additional_node_meta_txt: B,
    soa: obj({ expire: I, min_ttl: I, refresh: I, retry: I }), use_cache: B, cache_max_age: D,
    prefer_namespace: B,
  }),
  domain: S,
  enable_acl_replication: B, enable_agent_tls_for_checks: B, enable_central_service_config: B,
  enable_debug: B, enable_script_checks: B, enable_local_script_checks: B, enable_syslog: B,
  encrypt: S, encrypt_verify_incoming: B, encrypt_verify_outgoing: B, experiments: L,
  gossip_lan: GOSSIP, gossip_wan: GOSSIP,
  http_config: obj({
    block_endpoints: L, allow_write_http_from: L, response_headers: M, use_cache: B, max_header_bytes: I,
  }),
  leave_on_terminate: B,
  limits: obj({
    http_max_conns_per_client: I, https_handshake_timeout: D, rpc_handshake_timeout: D, rpc_client_timeout: D,
    rpc_rate: 'float', rpc_max_burst: I, rpc_max_conns_per_client: I, kv_max_value_size: I,
    txn_max_req_len: I, request_limits: A,
  }),
  locality: A,
  log_level: S, log_json: B, log_file: S, log_rotate_duration: D, log_rotate_bytes: I, log_rotate_max_files: I,
  max_query_time: D,
  node_id: S, node_meta: M, node_name: S, non_voting_server: B, read_replica: B,
  partition: S, peering: A,
  performance: obj({ leave_drain_time: D, raft_multiplier: I, rpc_hold_timeout: D, grpc_keepalive_interval: D, grpc_keepalive_timeout: D }),
  pid_file: S,
  ports: obj({
    dns: I, http: I, https: I, serf_lan: I, serf_wan: I, server: I, grpc: I, grpc_tls: I,
    proxy_min_port: I, proxy_max_port: I, sidecar_min_port: I, sidecar_max_port: I,
    expose_min_port: I, expose_max_port: I,
  }),
  primary_datacenter: S, primary_gateways: L, primary_gateways_interval: D, protocol: I,
  raft_boltdb: A, raft_logstore: A, raft_protocol: I, raft_snapshot_threshold: I, raft_snapshot_interval: D,
  raft_trailing_logs: I,
  reconnect_timeout: D, reconnect_timeout_wan: D, recursors: L, rejoin_after_leave: B,
  retry_interval: D, retry_interval_wan: D, retry_join: L, retry_join_wan: L, retry_max: I, retry_max_wan: I,
  rpc: obj({ enable_streaming: B }),
  segment: S, segments: A, serf_lan: S, serf_wan: S, serf_lan_allowed_cidrs: L, serf_wan_allowed_cidrs: L,
  server: B, server_name: S, server_rejoin_age_max: D,
  service: SERVICE, services: { list: SERVICE },
  session_ttl_min: D, skip_leave_on_interrupt: B, start_join: L, start_join_wan: L, syslog_facility: S,
  tagged_addresses: M, telemetry: A,
  tls: obj({ defaults: TLS_PROTOCOL, internal_rpc: TLS_PROTOCOL, https: TLS_PROTOCOL, grpc: TLS_PROTOCOL }),
  tls_cipher_suites: S, tls_min_version: S, tls_prefer_server_cipher_suites: B,
  translate_wan_addrs: B,
  ui: B, ui_dir: S, ui_content_path: S,
  ui_config: obj({
    enabled: B, dir: S, content_path: S, metrics_provider: S, metrics_provider_files: L,
    metrics_provider_options_json: S, metrics_proxy: A, dashboard_url_templates: M, hcp_enabled: B,
  }),
  unix_sockets: obj({ user: S, group: S, mode: S }),
  use_streaming_backend: B,
  verify_incoming: B, verify_incoming_https: B, verify_incoming_rpc: B, verify_outgoing: B,
  verify_server_hostname: B,
  watches: { list: A },
  xds: A,
};

export type Decoded = Record<string, unknown>;

/** Problems found while decoding one source: unknown keys and type errors are reported separately. */
export interface DecodeProblems {
  unknownKeys: string[];
  typeErrors: string[];
}

/** Decodes raw (JSON or HCL) data against the top-level schema. */
export function decodeConfig(raw: Record<string, unknown>): { config: Decoded; problems: DecodeProblems } {
  const problems: DecodeProblems = { unknownKeys: [], typeErrors: [] };
  const config = decodeObject(raw, CONFIG_SCHEMA, false, '', problems) as Decoded;
  // Several `service {}` (or `check {}`) blocks in one HCL file: accept them as a list, a friendlier
  // reading than Consul's "'service' expected a map, got 'slice'".
  for (const single of ['service', 'check'] as const) {
    const value = raw[single];
    if (!Array.isArray(value) || value.length < 2) continue;
    const plural = `${single}s`;
    problems.typeErrors = problems.typeErrors.filter((e) => e !== `'${single}' expected a map, got 'slice'`);
    const listed = decodeValue(value, CONFIG_SCHEMA[plural]!, single, problems) as unknown[] | undefined;
    if (listed) config[plural] = [...((config[plural] as unknown[]) ?? []), ...listed];
  }
  return { config, problems };
}

function decodeObject(
  raw: Record<string, unknown>,
  fields: Record<string, Field>,
  apiKeys: boolean,
  path: string,
  problems: DecodeProblems,
): Decoded {
  const out: Decoded = {};
  const byLoose = apiKeys ? looseIndex(fields) : undefined;
  for (const [key, value] of Object.entries(raw)) {
    const name = apiKeys ? byLoose!.get(loose(key)) ?? CHECK_ALIASES[loose(key)] : key;
    const field = name !== undefined ? fields[name] : undefined;
    const sub = path ? `${path}.${key}` : key;
    if (name === undefined || field === undefined || !Object.prototype.hasOwnProperty.call(fields, name)) {
      problems.unknownKeys.push(sub);
      continue;
    }
    const v = decodeValue(value, field, sub, problems);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

function decodeValue(value: unknown, field: Field, path: string, problems: DecodeProblems): unknown {
  const typeError = (want: string) => {
    problems.typeErrors.push(
      `'${path}' expected type '${want}', got unconvertible type '${goType(value)}', value: '${goValue(value)}'`,
    );
    return undefined;
  };
  if (typeof field === 'string') {
    switch (field) {
      case 'any':
        return value;
      case 'string':
        return typeof value === 'string' ? value : typeError('string');
      case 'bool':
        return typeof value === 'boolean' ? value : typeError('bool');
      case 'int':
        return typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : typeError('int');
      case 'float':
        return typeof value === 'number' && Number.isFinite(value) ? value : typeError('float64');
      case 'duration': {
        if (typeof value !== 'string') return typeError('string');
        try {
          parseDurationNs(value);
        } catch (err) {
          problems.typeErrors.push(`'${path}' error parsing ${JSON.stringify(value)}: ${(err as Error).message}`);
          return undefined;
        }
        return value;
      }
      case 'strings': {
        if (typeof value === 'string') return [value]; // Consul's weak decode accepts a single string
        if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) return typeError('[]string');
        return [...value];
      }
      case 'stringMap': {
        const m = singleObject(value);
        if (!m) return typeError('map[string]string');
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(m)) {
          if (typeof v === 'string') out[k] = v;
          else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
          else decodeValue(v, 'string', `${path}[${k}]`, problems);
        }
        return out;
      }
      case 'headerMap': {
        const m = singleObject(value);
        if (!m) return typeError('map[string][]string');
        const out: Record<string, string[]> = {};
        for (const [k, v] of Object.entries(m)) {
          const list = decodeValue(v, 'strings', `${path}[${k}]`, problems);
          if (list) out[k] = list as string[];
        }
        return out;
      }
    }
  }
  if ('obj' in field) {
    const m = singleObject(value);
    if (!m) {
      if (Array.isArray(value)) {
        problems.typeErrors.push(`'${path}' expected a map, got 'slice'`);
        return undefined;
      }
      return typeError('map[string]interface {}');
    }
    return decodeObject(m, field.obj, field.api === true, path, problems);
  }
  if ('list' in field) {
    const items = Array.isArray(value) ? value : [value];
    const out: unknown[] = [];
    items.forEach((item, i) => {
      const v = decodeValue(item, field.list, `${path}[${i}]`, problems);
      if (v !== undefined) out.push(v);
    });
    return out;
  }
  // mapOf
  const m = singleObject(value);
  if (!m) return typeError('map[string]interface {}');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m)) {
    const d = decodeValue(v, field.mapOf, `${path}[${k}]`, problems);
    if (d !== undefined) out[k] = d;
  }
  return out;
}

/** An object, or a one-element list holding one (HCL1 blocks), else undefined. */
function singleObject(value: unknown): Record<string, unknown> | undefined {
  if (isPlainObject(value)) return value as Record<string, unknown>;
  if (Array.isArray(value) && value.length === 1 && isPlainObject(value[0])) return value[0] as Record<string, unknown>;
  return undefined;
}

function loose(key: string): string {
  return key.toLowerCase().replace(/_/g, '');
}

function looseIndex(fields: Record<string, Field>): Map<string, string> {
  const m = new Map<string, string>();
  for (const k of Object.keys(fields)) m.set(loose(k), k);
  return m;
}

function goType(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (Array.isArray(v)) return '[]interface {}';
  if (v === null) return '<nil>';
  return 'map[string]interface {}';
}

function goValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (isPlainObject(v)) return `map[${Object.entries(v).map(([k, x]) => `${k}:${goValue(x)}`).join(' ')}]`;
  return String(v);
}
