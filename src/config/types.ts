// The agent's runtime configuration: one frozen value, built once by loadConfig() and handed to the agent.
import { ConclaveError } from '../lib/errors.js';

/** A configuration problem: bad flag, unreadable or malformed file, unknown key, invalid combination. */
export class ConfigError extends ConclaveError {
  override name = 'ConfigError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_CONFIG', message, options);
  }
}

/** A check definition from a config file, keyed like the HTTP API (`/v1/agent/check/register`). */
export interface CheckDefinition {
  ID?: string;
  Name?: string;
  Notes?: string;
  ServiceID?: string;
  Token?: string;
  Status?: string;
  Args?: string[];
  HTTP?: string;
  Header?: Record<string, string[]>;
  Method?: string;
  Body?: string;
  DisableRedirects?: boolean;
  TCP?: string;
  TCPUseTLS?: boolean;
  UDP?: string;
  /** Go duration strings, as the HTTP API takes them. */
  Interval?: string;
  Timeout?: string;
  TTL?: string;
  DockerContainerID?: string;
  Shell?: string;
  GRPC?: string;
  GRPCUseTLS?: boolean;
  H2PING?: string;
  H2PingUseTLS?: boolean;
  TLSServerName?: string;
  TLSSkipVerify?: boolean;
  AliasNode?: string;
  AliasService?: string;
  OSService?: string;
  SuccessBeforePassing?: number;
  FailuresBeforeWarning?: number;
  FailuresBeforeCritical?: number;
  DeregisterCriticalServiceAfter?: string;
  OutputMaxSize?: number;
}

/** A service definition from a config file, keyed like the HTTP API (`/v1/agent/service/register`). */
export interface ServiceDefinition {
  ID?: string;
  Name?: string;
  Kind?: string;
  Tags?: string[];
  Address?: string;
  Port?: number;
  SocketPath?: string;
  TaggedAddresses?: Record<string, { Address?: string; Port?: number }>;
  Meta?: Record<string, string>;
  EnableTagOverride?: boolean;
  Weights?: { Passing?: number; Warning?: number };
  Token?: string;
  Check?: CheckDefinition;
  Checks?: CheckDefinition[];
  Proxy?: unknown;
  Connect?: unknown;
}

export type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface RuntimeConfig {
  readonly nodeName: string;
  /** Lower-case UUID: -node-id, else persisted in <dataDir>/node-id, else random. */
  readonly nodeId: string;
  readonly datacenter: string;
  readonly primaryDatacenter: string;
  /** Always ends with a dot ("consul."). */
  readonly domain: string;
  /** "" when unset, else ends with a dot. */
  readonly altDomain: string;
  readonly dataDir: string | null;
  readonly devMode: boolean;
  readonly server: boolean;
  readonly bootstrap: boolean;
  readonly bootstrapExpect: number;
  /** IP the cluster listeners (RPC, serf) bind to; may be 0.0.0.0. */
  readonly bindAddr: string;
  /** IP other agents reach this one at; never 0.0.0.0. */
  readonly advertiseAddr: string;
  readonly advertiseAddrWan: string;
  /** IPs the HTTP/DNS/gRPC listeners bind to. */
  readonly clientAddrs: readonly string[];
  /** A port of -1 means disabled. */
  readonly ports: {
    readonly http: number;
    readonly https: number;
    readonly dns: number;
    readonly server: number;
    readonly serfLan: number;
    readonly serfWan: number;
    readonly grpc: number;
  };
  readonly retryJoin: readonly string[];
  readonly startJoin: readonly string[];
  readonly retryIntervalMs: number;
  /** 0 = retry forever. */
  readonly retryMax: number;
  readonly rejoinAfterLeave: boolean;
  readonly ui: { readonly enabled: boolean; readonly dir: string | null; readonly contentPath: string };
  readonly logLevel: LogLevel;
  readonly logJson: boolean;
  readonly logFile: string | null;
  readonly pidFile: string | null;
  readonly nodeMeta: Readonly<Record<string, string>>;
  readonly taggedAddresses: Readonly<Record<string, string>>;
  /** Scales raft timings: heartbeat/election 1000 ms and lease 500 ms times this (1 in -dev, 5 by default). */
  readonly raftMultiplier: number;
  /**
   * Raft timings already scaled by raftMultiplier: hashicorp/raft's 1000/1000/500 ms times the multiplier,
   * or Consul's dev-mode 35/52/20 ms (DevConsulSource) under -dev.
   */
  readonly raftTimings: {
    readonly heartbeatTimeoutMs: number;
    readonly electionTimeoutMs: number;
    readonly leaderLeaseTimeoutMs: number;
  };
  readonly raftProtocol: number;
  readonly snapshotThreshold: number;
  readonly snapshotIntervalMs: number;
  readonly trailingLogs: number;
  readonly limits: {
    readonly kvMaxValueSize: number;
    readonly txnMaxReqLen: number;
    readonly httpMaxConnsPerClient: number;
  };
  readonly sessionTtlMinMs: number;
  readonly defaultQueryTimeMs: number;
  readonly maxQueryTimeMs: number;
  readonly checkUpdateIntervalMs: number;
  /** Anti-entropy full-sync base interval (Consul's ae_interval, default 1m). */
  readonly aeIntervalMs: number;
  readonly checkOutputMaxSize: number;
  readonly discardCheckOutput: boolean;
  readonly enableScriptChecks: boolean;
  readonly enableLocalScriptChecks: boolean;
  readonly enableDebug: boolean;
  readonly disableRemoteExec: boolean;
  readonly disableCoordinates: boolean;
  readonly discoveryMaxStaleMs: number;
  readonly dns: {
    readonly allowStale: boolean;
    readonly maxStaleMs: number;
    readonly nodeTtlMs: number;
    /** Service name (or `prefix*`, or `*`) -> TTL in ms. */
    readonly serviceTtl: Readonly<Record<string, number>>;
    readonly onlyPassing: boolean;
    readonly udpAnswerLimit: number;
    readonly aRecordLimit: number;
    readonly enableTruncate: boolean;
    readonly recursors: readonly string[];
    readonly recursorTimeoutMs: number;
    readonly recursorStrategy: string;
    readonly enableAdditionalNodeMetaTxt: boolean;
    readonly disableCompression: boolean;
    readonly soa: { readonly expire: number; readonly minTtl: number; readonly refresh: number; readonly retry: number };
  };
  readonly acl: {
    readonly enabled: boolean;
    readonly defaultPolicy: 'allow' | 'deny';
    readonly downPolicy: string;
    readonly tokenTtlMs: number;
    readonly enableTokenPersistence: boolean;
    /** initial_management, default, agent, agent_recovery, replication, dns, ... (legacy names mapped). */
    readonly tokens: Readonly<Record<string, string>>;
  };
  readonly http: {
    readonly responseHeaders: Readonly<Record<string, string>>;
    readonly useCache: boolean;
    readonly blockEndpoints: readonly string[];
    readonly allowWriteHttpFrom: readonly string[];
  };
  readonly gossipLan: GossipSettings;
  readonly gossipWan: GossipSettings;
  readonly autopilot: {
    readonly cleanupDeadServers: boolean;
    readonly lastContactThresholdMs: number;
    readonly maxTrailingLogs: number;
    readonly minQuorum: number;
    readonly serverStabilizationTimeMs: number;
  };
  readonly services: readonly ServiceDefinition[];
  readonly checks: readonly CheckDefinition[];
  /** Raw watch definitions (snake_case, as written). */
  readonly watches: readonly Readonly<Record<string, unknown>>[];
  readonly reconnectTimeoutMs: number;
  readonly leaveOnTerminate: boolean;
  readonly skipLeaveOnInterrupt: boolean;
  readonly leaveDrainTimeMs: number;
  readonly rpcHoldTimeoutMs: number;
  readonly serverName?: string;
  readonly encrypt: string | null;
  readonly encryptVerifyIncoming: boolean;
  readonly encryptVerifyOutgoing: boolean;
  readonly disableKeyringFile: boolean;
  /**
   * The `consul agent` arguments this config came from: a reload (SIGHUP, `consul reload`) runs
   * loadConfig(argv) again. Under -dev that draws a new random node ID; keep the running one.
   */
  readonly argv: readonly string[];
  /** Files read, in order, for the startup banner. */
  readonly sources: readonly string[];
  /** Non-fatal findings (deprecated keys, skipped files, odd bootstrap_expect) for the agent to log as warnings. */
  readonly warnings: readonly string[];
}

export interface GossipSettings {
  readonly gossipNodes: number;
  readonly gossipIntervalMs: number;
  readonly probeIntervalMs: number;
  readonly probeTimeoutMs: number;
  readonly retransmitMult: number;
  readonly suspicionMult: number;
}
