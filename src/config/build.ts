// Turns the merged config layers into a validated RuntimeConfig (Consul's builder.build + validate).
import { existsSync, statSync } from 'node:fs';
import { parseDurationNs } from '../lib/duration.js';
import type { Decoded } from './schema.js';
import { ConfigError, type CheckDefinition, type GossipSettings, type RuntimeConfig, type ServiceDefinition } from './types.js';
import { resolveAddresses, isAny, isLoopback, type HostFacts } from './addresses.js';
import { resolveNodeId } from './node-id.js';
import {
  fqdn,
  normaliseLogLevel,
  portVal,
  positive,
  uiContentPath,
  uniqueWords,
  validateBasicName,
  validateCheckDef,
  validateEncryptKey,
  validateNodeMeta,
  validateServiceDef,
  resolveServerRole,
} from './validate.js';

export { systemHost, isPrivateIPv4, type HostFacts } from './addresses.js';

export function buildRuntime(
  c: Decoded,
  opts: { devMode: boolean; argv: string[]; sources: string[]; warnings: string[]; host: HostFacts },
): RuntimeConfig {
  const warnings = opts.warnings;
  const r = new Reader(c);
  const devMode = opts.devMode;
  const server = r.bool('server');

  const { bindAddr, advertiseAddr, advertiseAddrWan, clientAddrs } = resolveAddresses(
    {
      bind: r.str('bind_addr'),
      advertise: r.optStr('advertise_addr'),
      advertiseWan: r.optStr('advertise_addr_wan'),
      client: r.str('client_addr'),
    },
    opts.host,
    warnings,
  );

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

  const { bootstrap, bootstrapExpect } = resolveServerRole(
    { server, bootstrap: r.bool('bootstrap'), bootstrapExpect: r.num('bootstrap_expect'), devMode },
    warnings,
  );

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
    raftTimings: devMode
      ? { heartbeatTimeoutMs: 35 * raftMultiplier, electionTimeoutMs: 52 * raftMultiplier, leaderLeaseTimeoutMs: 20 * raftMultiplier }
      : { heartbeatTimeoutMs: 1000 * raftMultiplier, electionTimeoutMs: 1000 * raftMultiplier, leaderLeaseTimeoutMs: 500 * raftMultiplier },
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
    aeIntervalMs: r.ms('ae_interval'),
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
    argv: opts.argv,
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

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v as Record<string, unknown>)) deepFreeze(x);
  }
  return v;
}
