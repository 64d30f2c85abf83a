// Turns the merged config layers into a validated RuntimeConfig (Consul's builder.build + validate).
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { isIP } from 'node:net';
import { parseDurationNs } from '../lib/duration.js';
import { isUuid, newUuid } from '../lib/uuid.js';
import type { Decoded } from './schema.js';
import {
  ConfigError,
  type CheckDefinition,
  type GossipSettings,
  type LogLevel,
  type RuntimeConfig,
  type ServiceDefinition,
} from './types.js';

/** Host facts the builder needs, injectable for tests. */
export interface HostFacts {
  hostname(): string;
  privateIPv4s(): string[];
}

export const systemHost: HostFacts = {
  hostname: () => hostname(),
  privateIPv4s: () => {
    const out: string[] = [];
    for (const addrs of Object.values(networkInterfaces())) {
      for (const a of addrs ?? []) {
        if (a.family === 'IPv4' && !a.internal && isPrivateIPv4(a.address)) out.push(a.address);
      }
    }
    return out;
  },
};

export function buildRuntime(
  c: Decoded,
  opts: { devMode: boolean; sources: string[]; warnings: string[]; host: HostFacts },
): RuntimeConfig {
  const warnings = opts.warnings;
  const r = new Reader(c);
  const devMode = opts.devMode;
  const server = r.bool('server');

  // ---- addresses ----
  const bindAddr = expandSingleIp('bind_addr', r.str('bind_addr'), opts.host);
  if (!bindAddr) throw new ConfigError('bind_addr cannot be empty');
  const advertiseRaw = r.optStr('advertise_addr');
  if (advertiseRaw !== undefined && isAny(advertiseRaw)) {
    throw new ConfigError('Advertise address cannot be 0.0.0.0, :: or [::]');
  }
  let advertiseAddr = advertiseRaw ? expandSingleIp('advertise_addr', advertiseRaw, opts.host) : bindAddr;
  if (isAny(advertiseAddr)) advertiseAddr = detectPrivateIPv4(opts.host);
  const wanRaw = r.optStr('advertise_addr_wan');
  if (wanRaw !== undefined && isAny(wanRaw)) throw new ConfigError('Advertise WAN address cannot be 0.0.0.0, :: or [::]');
  const advertiseAddrWan = wanRaw ? expandSingleIp('advertise_addr_wan', wanRaw, opts.host) : advertiseAddr;
  const clientAddrs = expandIps('client_addr', r.str('client_addr'), opts.host);
  if (clientAddrs.length === 0) {
    warnings.push('client_addr is empty, client services (DNS, HTTP, HTTPS, GRPC) will not be listening for connections');
  }

  const ports = {
    http: portVal('ports.http', r.optNum('ports.http')),
    https: portVal('ports.https', r.optNum('ports.https')),
    dns: portVal('ports.dns', r.optNum('ports.dns')),
    server: portVal('ports.server', r.optNum('ports.server')),
    serfLan: portVal('ports.serf_lan', r.optNum('ports.serf_lan')),
    serfWan: portVal('ports.serf_wan', r.optNum('ports.serf_wan')),
    grpc: portVal('ports.grpc', r.optNum('ports.grpc')),
  };

  // ---- identity ----
  const datacenter = r.str('datacenter').toLowerCase();
  validateBasicName('datacenter', datacenter);
  const primaryDatacenter = (r.optStr('primary_datacenter') ?? r.optStr('acl_datacenter') ?? '').toLowerCase() || datacenter;
  validateBasicName('primary_datacenter', primaryDatacenter);
  const nodeName = r.optStr('node_name') ?? opts.host.hostname();
  if (nodeName === '') throw new ConfigError('node_name cannot be empty');
  if (/[^A-Za-z0-9\-.]/.test(nodeName)) {
    warnings.push(
      `Node name "${nodeName}" will not be discoverable via DNS due to invalid characters. Valid characters include all alpha-numerics and dashes.`,
    );
  } else if (nodeName.length > 63) {
    warnings.push(
      `Node name "${nodeName}" will not be discoverable via DNS due to it being too long. Valid lengths are between 1 and 63 bytes.`,
    );
  }

  // ---- data dir ----
  const dataDirRaw = r.optStr('data_dir');
  const dataDir = dataDirRaw === undefined || dataDirRaw === '' ? null : dataDirRaw;
  if (!devMode && dataDir === null) throw new ConfigError('data_dir cannot be empty');
  if (dataDir !== null && existsSync(dataDir) && !statSync(dataDir).isDirectory()) {
    throw new ConfigError(`data_dir "${dataDir}" is not a directory`);
  }

  // ---- server role ----
  let bootstrap = r.bool('bootstrap');
  let bootstrapExpect = r.num('bootstrap_expect');
  if (bootstrapExpect === 1) {
    bootstrap = true;
    bootstrapExpect = 0;
    warnings.push('BootstrapExpect is set to 1; this is the same as Bootstrap mode.');
  }
  if (bootstrap && !server) throw new ConfigError("'bootstrap = true' requires 'server = true'");
  if (bootstrapExpect < 0) {
    throw new ConfigError(`bootstrap_expect cannot be ${bootstrapExpect}. Must be greater than or equal to zero`);
  }
  if (bootstrapExpect > 0 && !server) throw new ConfigError("'bootstrap_expect > 0' requires 'server = true'");
  if (bootstrapExpect > 0 && devMode) throw new ConfigError("'bootstrap_expect > 0' not allowed in dev mode");
  if (bootstrapExpect > 0 && bootstrap) {
    throw new ConfigError("'bootstrap_expect > 0' and 'bootstrap = true' are mutually exclusive");
  }
  if (server && !devMode && !bootstrap && bootstrapExpect === 2) {
    warnings.push('bootstrap_expect = 2: A cluster with 2 servers will provide no failure tolerance. See https://www.consul.io/docs/internals/consensus.html#deployment-table');
  }
  if (server && !bootstrap && bootstrapExpect > 2 && bootstrapExpect % 2 === 0) {
    warnings.push('bootstrap_expect is even number: A cluster with an even number of servers does not achieve optimum fault tolerance. See https://www.consul.io/docs/internals/consensus.html#deployment-table');
  }
  if (server && bootstrap && bootstrapExpect === 0 && !devMode) warnings.push('bootstrap = true: do not enable unless necessary');
  if (server && !devMode && !bootstrap && bootstrapExpect > 1) warnings.push(`bootstrap_expect > 0: expecting ${bootstrapExpect} servers`);

  const raftMultiplier = r.num('performance.raft_multiplier');
  if (raftMultiplier < 1 || raftMultiplier > 10) {
    throw new ConfigError(`performance.raft_multiplier cannot be ${raftMultiplier}. Must be between 1 and 10`);
  }

  // ---- ui ----
  // The deprecated top-level ui / ui_dir / ui_content_path keys fill ui_config when it does not say otherwise.
  const uiEnabled = r.optBool('ui_config.enabled') ?? r.optBool('ui') ?? false;
  for (const [old, now] of [['ui', 'enabled'], ['ui_dir', 'dir'], ['ui_content_path', 'content_path']] as const) {
    if (c[old] !== undefined) warnings.push(`The '${old}' field is deprecated. Use the 'ui_config.${now}' field instead.`);
  }
  const uiDir = r.optStr('ui_config.dir') ?? r.optStr('ui_dir') ?? null;
  if (!devMode && uiEnabled && uiDir) {
    throw new ConfigError(
      'Both the ui_config.enabled and ui_config.dir (or -ui and -ui-dir) were specified, please provide only one.\n' +
        'If trying to use your own web UI resources, use ui_config.dir or the -ui-dir flag.\n' +
        'The web UI is included in the binary so use ui_config.enabled or the -ui flag to enable it',
    );
  }
  const contentPath = uiContentPath(r.optStr('ui_config.content_path') ?? r.optStr('ui_content_path') ?? '/ui/');

  // ---- logging ----
  const logLevel = normaliseLogLevel(r.str('log_level'));

  // ---- node meta / encrypt ----
  const nodeMeta = { ...((c.node_meta as Record<string, string>) ?? {}) };
  validateNodeMeta(nodeMeta);
  const encrypt = r.optStr('encrypt') || null;
  if (encrypt !== null) validateEncryptKey(encrypt);

  // ---- durations ----
  const reconnectTimeoutMs = r.ms('reconnect_timeout');
  if (!devMode && reconnectTimeoutMs !== 0 && reconnectTimeoutMs < 8 * 3600e3) {
    throw new ConfigError('reconnect_timeout: must be >= 8h');
  }

  // ---- dns ----
  const serviceTtl: Record<string, number> = {};
  for (const [k, v] of Object.entries((r.get('dns_config.service_ttl') as Record<string, string>) ?? {})) {
    serviceTtl[k] = parseDurationNs(v) / 1e6;
  }
  const udpAnswerLimit = r.num('dns_config.udp_answer_limit');
  if (udpAnswerLimit < 0) throw new ConfigError(`dns_config.udp_answer_limit cannot be ${udpAnswerLimit}. Must be greater than or equal to zero`);
  const aRecordLimit = r.num('dns_config.a_record_limit');
  if (aRecordLimit < 0) throw new ConfigError(`dns_config.a_record_limit cannot be ${aRecordLimit}. Must be greater than or equal to zero`);
  const recursors = uniqueWords((c.recursors as string[] | undefined) ?? []);
  for (const rec of recursors) {
    if (rec.startsWith('unix://')) throw new ConfigError(`DNS Recursors cannot be unix sockets: ${rec}`);
    if (isAny(rec)) throw new ConfigError('DNS recursor address cannot be 0.0.0.0, :: or [::]');
  }
  const domain = fqdn(r.str('domain'));
  const altDomainRaw = r.optStr('alt_domain') ?? '';
  const altDomain = altDomainRaw === '' ? '' : fqdn(altDomainRaw);
  if (altDomain !== '') {
    const first = altDomain.split('.')[0];
    if (['service', 'connect', 'node', 'query', 'addr', datacenter].includes(first!)) {
      throw new ConfigError(`alt_domain cannot start with {service,connect,node,query,addr,${datacenter}}`);
    }
  }

  // ---- acl ----
  const aclEnabled = r.bool('acl.enabled');
  const defaultPolicy = r.optStr('acl.default_policy') ?? r.optStr('acl_default_policy') ?? 'allow';
  if (defaultPolicy !== 'allow' && defaultPolicy !== 'deny') {
    throw new ConfigError(`Unsupported ACL default policy: ${JSON.stringify(defaultPolicy)}`);
  }
  const tokens = aclTokens(c);

  const enableScriptChecks = r.bool('enable_script_checks');
  const enableLocalScriptChecks = r.optBool('enable_local_script_checks') ?? enableScriptChecks;
  // Hardening beyond Consul (reliability plan §4.4): remotely registered script checks are remote code
  // execution for anyone who can reach the HTTP API, so they need ACLs in deny mode or a loopback-only API.
  if (enableScriptChecks && !(aclEnabled && defaultPolicy === 'deny') && clientAddrs.some((a) => !isLoopback(a))) {
    throw new ConfigError(
      "enable_script_checks = true requires 'acl { enabled = true, default_policy = \"deny\" }' or a loopback-only client_addr: " +
        'otherwise anyone who can reach the HTTP API can run commands on this host',
    );
  }
  if (enableScriptChecks && !(aclEnabled && defaultPolicy === 'deny')) {
    warnings.push('using enable-script-checks without ACLs and without allow_write_http_from is DANGEROUS, use enable-local-script-checks instead');
  }

  const services = ((c.services as ServiceDefinition[] | undefined) ?? []).map((s) => s);
  const checks = ((c.checks as CheckDefinition[] | undefined) ?? []).map((ch) => ch);
  services.forEach((s) => validateServiceDef(s));
  checks.forEach((ch) => validateCheckDef(ch, `check ${JSON.stringify(ch.Name ?? '')}`));

  const nodeId = resolveNodeId(r.optStr('node_id'), dataDir);

  const rt: RuntimeConfig = {
    nodeName,
    nodeId,
    datacenter,
    primaryDatacenter,
    domain,
    altDomain,
    dataDir,
    devMode,
    server,
    bootstrap,
    bootstrapExpect,
    bindAddr,
    advertiseAddr,
    advertiseAddrWan,
    clientAddrs,
    ports,
    retryJoin: (c.retry_join as string[] | undefined) ?? [],
    startJoin: (c.start_join as string[] | undefined) ?? [],
    retryIntervalMs: r.ms('retry_interval'),
    retryMax: r.num('retry_max'),
    rejoinAfterLeave: r.bool('rejoin_after_leave'),
    ui: { enabled: uiEnabled, dir: uiDir, contentPath },
    logLevel,
    logJson: r.bool('log_json'),
    logFile: r.optStr('log_file') || null,
    pidFile: r.optStr('pid_file') || null,
    nodeMeta,
    taggedAddresses: { ...((c.tagged_addresses as Record<string, string>) ?? {}), lan: advertiseAddr, wan: advertiseAddrWan },
    raftMultiplier,
    raftProtocol: r.num('raft_protocol'),
    snapshotThreshold: r.num('raft_snapshot_threshold'),
    snapshotIntervalMs: r.ms('raft_snapshot_interval'),
    trailingLogs: r.num('raft_trailing_logs'),
    limits: {
      kvMaxValueSize: r.num('limits.kv_max_value_size'),
      txnMaxReqLen: r.num('limits.txn_max_req_len'),
      httpMaxConnsPerClient: r.num('limits.http_max_conns_per_client'),
    },
    sessionTtlMinMs: r.ms('session_ttl_min'),
    defaultQueryTimeMs: r.ms('default_query_time'),
    maxQueryTimeMs: r.ms('max_query_time'),
    checkUpdateIntervalMs: r.ms('check_update_interval'),
    checkOutputMaxSize: positive('check_output_max_size', r.num('check_output_max_size')),
    discardCheckOutput: r.bool('discard_check_output'),
    enableScriptChecks,
    enableLocalScriptChecks,
    enableDebug: r.bool('enable_debug'),
    disableRemoteExec: r.bool('disable_remote_exec'),
    disableCoordinates: r.bool('disable_coordinates'),
    discoveryMaxStaleMs: r.ms('discovery_max_stale'),
    dns: {
      allowStale: r.bool('dns_config.allow_stale'),
      maxStaleMs: r.ms('dns_config.max_stale'),
      nodeTtlMs: r.ms('dns_config.node_ttl'),
      serviceTtl,
      onlyPassing: r.bool('dns_config.only_passing'),
      udpAnswerLimit,
      aRecordLimit,
      enableTruncate: r.bool('dns_config.enable_truncate'),
      recursors,
      recursorTimeoutMs: r.ms('dns_config.recursor_timeout'),
      recursorStrategy: r.str('dns_config.recursor_strategy'),
      enableAdditionalNodeMetaTxt: r.bool('dns_config.enable_additional_node_meta_txt'),
      disableCompression: r.bool('dns_config.disable_compression'),
      soa: {
        expire: r.optNum('dns_config.soa.expire') ?? 86400,
        minTtl: r.optNum('dns_config.soa.min_ttl') ?? 0,
        refresh: r.optNum('dns_config.soa.refresh') ?? 3600,
        retry: r.optNum('dns_config.soa.retry') ?? 600,
      },
    },
    acl: {
      enabled: aclEnabled,
      defaultPolicy,
      downPolicy: r.optStr('acl.down_policy') ?? r.optStr('acl_down_policy') ?? 'extend-cache',
      tokenTtlMs: r.ms('acl.token_ttl'),
      enableTokenPersistence: r.optBool('acl.enable_token_persistence') ?? false,
      tokens,
    },
    http: {
      responseHeaders: { ...((r.get('http_config.response_headers') as Record<string, string>) ?? {}) },
      useCache: r.bool('http_config.use_cache'),
      blockEndpoints: (r.get('http_config.block_endpoints') as string[] | undefined) ?? [],
      allowWriteHttpFrom: (r.get('http_config.allow_write_http_from') as string[] | undefined) ?? [],
    },
    gossipLan: gossip(r, 'gossip_lan'),
    gossipWan: gossip(r, 'gossip_wan'),
    autopilot: {
      cleanupDeadServers: r.bool('autopilot.cleanup_dead_servers'),
      lastContactThresholdMs: r.ms('autopilot.last_contact_threshold'),
      maxTrailingLogs: r.num('autopilot.max_trailing_logs'),
      minQuorum: r.num('autopilot.min_quorum'),
      serverStabilizationTimeMs: r.ms('autopilot.server_stabilization_time'),
    },
    services,
    checks,
    watches: (c.watches as Record<string, unknown>[] | undefined) ?? [],
    reconnectTimeoutMs,
    leaveOnTerminate: r.optBool('leave_on_terminate') ?? !server,
    skipLeaveOnInterrupt: r.optBool('skip_leave_on_interrupt') ?? server,
    leaveDrainTimeMs: r.ms('performance.leave_drain_time'),
    rpcHoldTimeoutMs: r.ms('performance.rpc_hold_timeout'),
    ...(r.optStr('server_name') ? { serverName: r.str('server_name') } : {}),
    encrypt,
    encryptVerifyIncoming: r.bool('encrypt_verify_incoming'),
    encryptVerifyOutgoing: r.bool('encrypt_verify_outgoing'),
    disableKeyringFile: r.optBool('disable_keyring_file') ?? false,
    sources: opts.sources,
    warnings,
  };
  return deepFreeze(rt);
}

/** Typed access to the merged config by dotted path. Defaults guarantee presence for the non-opt getters. */
class Reader {
  constructor(private readonly c: Decoded) {}
  get(path: string): unknown {
    let cur: unknown = this.c;
    for (const p of path.split('.')) {
      if (cur === null || typeof cur !== 'object') return undefined;
      cur = (cur as Record<string, unknown>)[p];
    }
    return cur;
  }
  optStr(path: string): string | undefined {
    return this.get(path) as string | undefined;
  }
  str(path: string): string {
    return (this.get(path) as string | undefined) ?? '';
  }
  optNum(path: string): number | undefined {
    return this.get(path) as number | undefined;
  }
  num(path: string): number {
    return (this.get(path) as number | undefined) ?? 0;
  }
  optBool(path: string): boolean | undefined {
    return this.get(path) as boolean | undefined;
  }
  bool(path: string): boolean {
    return (this.get(path) as boolean | undefined) ?? false;
  }
  ms(path: string): number {
    const v = this.get(path);
    return typeof v === 'string' ? parseDurationNs(v) / 1e6 : 0;
  }
}

function gossip(r: Reader, base: string): GossipSettings {
  return {
    gossipNodes: r.num(`${base}.gossip_nodes`),
    gossipIntervalMs: r.ms(`${base}.gossip_interval`),
    probeIntervalMs: r.ms(`${base}.probe_interval`),
    probeTimeoutMs: r.ms(`${base}.probe_timeout`),
    retransmitMult: r.num(`${base}.retransmit_mult`),
    suspicionMult: r.num(`${base}.suspicion_mult`),
  };
}

function aclTokens(c: Decoded): Record<string, string> {
  const out: Record<string, string> = {};
  const legacy: Record<string, string> = {
    acl_token: 'default',
    acl_agent_token: 'agent',
    acl_agent_master_token: 'agent_recovery',
    acl_master_token: 'initial_management',
    acl_replication_token: 'replication',
  };
  for (const [k, name] of Object.entries(legacy)) if (typeof c[k] === 'string') out[name] = c[k] as string;
  const t = ((c.acl as Decoded | undefined)?.tokens as Record<string, string> | undefined) ?? {};
  for (const [k, v] of Object.entries(t)) {
    if (typeof v !== 'string') continue;
    const name = k === 'master' ? 'initial_management' : k === 'agent_master' ? 'agent_recovery' : k;
    out[name] = v;
  }
  return out;
}

function portVal(name: string, v: number | undefined): number {
  if (v === undefined || v <= 0) return -1;
  if (v > 65535) throw new ConfigError(`${name}: invalid port: ${v}`);
  return v;
}

function positive(name: string, v: number): number {
  if (v < 1) {
    throw new ConfigError(`${name} must be positive, to discard check output use the discard_check_output flag`);
  }
  return v;
}

function validateBasicName(field: string, value: string): void {
  if (value === '') throw new ConfigError(`${field} cannot be empty`);
  if (!/^[a-z0-9_-]+$/.test(value)) {
    throw new ConfigError(`${field} can only contain lowercase alphanumeric, - or _ characters. received: ${JSON.stringify(value)}`);
  }
}

const LOG_LEVELS: Record<string, LogLevel> = {
  TRACE: 'TRACE', DEBUG: 'DEBUG', INFO: 'INFO', WARN: 'WARN', WARNING: 'WARN', ERR: 'ERROR', ERROR: 'ERROR',
};
function normaliseLogLevel(raw: string): LogLevel {
  const lvl = LOG_LEVELS[raw.trim().toUpperCase()];
  if (!lvl) {
    throw new ConfigError(`Invalid log level: ${JSON.stringify(raw)}. Valid log levels are: [TRACE DEBUG INFO WARN ERR]`);
  }
  return lvl;
}

function validateNodeMeta(meta: Record<string, string>): void {
  const keys = Object.keys(meta);
  const fail = (why: string) => {
    throw new ConfigError(`node_meta invalid: ${why}`);
  };
  if (keys.length > 64) fail('Node metadata cannot contain more than 64 key/value pairs');
  for (const k of keys) {
    if (k === '') fail('Key cannot be blank');
    if (!/^[A-Za-z0-9_-]+$/.test(k)) fail(`Key contains invalid characters: ${JSON.stringify(k)}`);
    if (k.length > 128) fail(`Key is too long (limit: 128 characters)`);
    if (k.startsWith('consul-')) fail(`Key prefix 'consul-' is reserved for internal use`);
    if (meta[k]!.length > 512) fail(`Value is too long (limit: 512 characters)`);
  }
}

function validateEncryptKey(key: string): void {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(key) || key.length % 4 !== 0) {
    throw new ConfigError('encrypt has invalid key: illegal base64 data');
  }
  const n = Buffer.from(key, 'base64').length;
  if (n !== 16 && n !== 24 && n !== 32) {
    throw new ConfigError(`encrypt has invalid key: key size must be 16, 24 or 32 bytes (got ${n})`);
  }
}

function validateServiceDef(s: ServiceDefinition): void {
  const label = `service ${JSON.stringify(s.Name ?? '')}`;
  if (!s.Name && s.Kind !== 'connect-proxy') throw new ConfigError(`${label}: missing service name`);
  if (s.Port !== undefined && (s.Port < 0 || s.Port > 65535)) throw new ConfigError(`${label}: invalid port ${s.Port}`);
  const checks = [...(s.Check ? [s.Check] : []), ...(s.Checks ?? [])];
  for (const ch of checks) validateCheckDef(ch, label, true);
}

function validateCheckDef(ch: CheckDefinition, label: string, embedded = false): void {
  if (!embedded && !ch.Name) throw new ConfigError(`${label}: missing check name`);
  const intervalKinds = [ch.Args?.length, ch.HTTP, ch.TCP, ch.UDP, ch.GRPC, ch.H2PING, ch.OSService, ch.DockerContainerID];
  const hasInterval = ch.Interval !== undefined && parseDurationNs(ch.Interval) > 0;
  const hasTtl = ch.TTL !== undefined && parseDurationNs(ch.TTL) > 0;
  const isAlias = !!(ch.AliasNode || ch.AliasService);
  if (intervalKinds.some(Boolean) && !hasInterval) {
    throw new ConfigError(`${label}: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or GRPC checks`);
  }
  if (isAlias && ch.Interval !== undefined) throw new ConfigError(`${label}: Interval cannot be set for Alias checks`);
  if (isAlias && ch.TTL !== undefined) throw new ConfigError(`${label}: TTL must be not be set for Alias checks`);
  if (!intervalKinds.some(Boolean) && !isAlias && !hasTtl) {
    throw new ConfigError(
      `${label}: Must provide TTL or Script/DockerContainerID/HTTP/TCP/UDP/H2PING/GRPC/AliasNode/AliasService and Interval`,
    );
  }
}

function resolveNodeId(given: string | undefined, dataDir: string | null): string {
  if (given !== undefined && given !== '') {
    const id = given.toLowerCase();
    if (!isUuid(id)) throw new ConfigError(`node_id: ${JSON.stringify(given)} is not a valid UUID`);
    return id;
  }
  if (dataDir === null) return newUuid();
  const file = join(dataDir, 'node-id');
  if (existsSync(file)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(`failed to read ${file}: ${(err as Error).message}`);
    }
    if (!isUuid(text)) throw new ConfigError(`node ID ${JSON.stringify(text)} in ${file} is not a valid UUID`);
    return text.toLowerCase();
  }
  const id = newUuid();
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o755 });
    writeFileSync(file, id, { mode: 0o600 });
  } catch (err) {
    throw new ConfigError(`failed to write NodeID to disk: ${(err as Error).message}`);
  }
  return id;
}

function uiContentPath(raw: string): string {
  let p = raw.trim();
  if (!p.startsWith('/')) p = `/${p}`;
  if (!p.endsWith('/')) p = `${p}/`;
  if (p === '/v1/' || !/^\/[A-Za-z0-9_\-/]*\/$/.test(p)) {
    throw new ConfigError(`ui_config.content_path: invalid path ${JSON.stringify(raw)}`);
  }
  return p;
}

function fqdn(d: string): string {
  return d.endsWith('.') ? d : `${d}.`;
}

function uniqueWords(list: string[]): string[] {
  const out: string[] = [];
  for (const item of list) for (const w of item.split(/\s+/)) if (w && !out.includes(w)) out.push(w);
  return out;
}

// ---- IP helpers (a small subset of go-sockaddr templates is understood) ----

function expandIps(field: string, raw: string, host: HostFacts): string[] {
  const text = expandTemplate(field, raw, host);
  const out: string[] = [];
  for (const w of text.split(/\s+/)) {
    if (!w) continue;
    const ip = stripBrackets(w);
    if (!w.startsWith('unix://') && isIP(ip) === 0) throw new ConfigError(`${field}: invalid ip address: ${w}`);
    out.push(w.startsWith('unix://') ? w : ip);
  }
  return out;
}

function expandSingleIp(field: string, raw: string, host: HostFacts): string {
  const ips = expandIps(field, raw, host);
  if (ips.length > 1) {
    throw new ConfigError(`${field} cannot contain multiple addresses. Use 'addresses.{dns,http,https}' instead.`);
  }
  if (ips[0]?.startsWith('unix://')) throw new ConfigError(`${field} cannot be a unix socket`);
  return ips[0] ?? '';
}

function expandTemplate(field: string, raw: string, host: HostFacts): string {
  if (!raw.includes('{{')) return raw;
  return raw.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_m, expr: string) => {
    if (expr === 'GetPrivateIP') return detectPrivateIPv4(host);
    if (expr === 'GetPrivateIPs') return host.privateIPv4s().join(' ');
    const m = /^GetInterfaceIP\s+"([^"]+)"$/.exec(expr);
    if (m) {
      const addr = (networkInterfaces()[m[1]!] ?? []).find((a) => a.family === 'IPv4');
      if (!addr) throw new ConfigError(`${field}: No IP addresses found on interface ${JSON.stringify(m[1])}`);
      return addr.address;
    }
    throw new ConfigError(`${field}: unable to parse address template ${JSON.stringify(raw)}: unsupported function ${expr}`);
  });
}

function detectPrivateIPv4(host: HostFacts): string {
  const ips = host.privateIPv4s();
  if (ips.length === 0) throw new ConfigError('No private IPv4 address found');
  if (ips.length > 1) {
    throw new ConfigError("Multiple private IPv4 addresses found. Please configure one with 'bind' and/or 'advertise'.");
  }
  return ips[0]!;
}

function stripBrackets(s: string): string {
  return s.startsWith('[') && s.endsWith(']') ? s.slice(1, -1) : s;
}

function isAny(ip: string): boolean {
  return ['0.0.0.0', '::', '[::]'].includes(ip.trim());
}

function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1' || ip.startsWith('unix://');
}

export function isPrivateIPv4(ip: string): boolean {
  const [a, b] = ip.split('.').map(Number) as [number, number];
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v as Record<string, unknown>)) deepFreeze(x);
  }
  return v;
}
