// The agent process: wires the server role (when enabled), local state, checks, anti-entropy and
// the HTTP API. Implements AgentApi for http/. Gossip and RPC to remote servers arrive with later issues.
import { loadConfig, type RuntimeConfig } from '../config/index.js';
import type { Logger } from '../lib/logger.js';
import { Server } from '../server/server.js';
import type { MemberInfo } from '../server/leader.js';
import { HttpApi } from '../http/server.js';
import { DnsServer } from '../dns/server.js';
import type { AgentApi, AgentHttpConfig } from '../http/backend.js';
import type { RpcMethod, RpcMethods } from '../structs/requests.js';
import type { QueryOptions } from '../structs/rpc.js';
import type { AgentCheck, AgentMember, AgentService, CheckDefinition, ServiceDefinition } from '../structs/agent.js';
import type { CheckStatus, HealthCheck, NodeService } from '../structs/catalog.js';
import { NODE_MAINT_CHECK_ID, SERVICE_MAINT_PREFIX } from '../structs/catalog.js';
import { ConclaveError } from '../lib/errors.js';
import { randomInt, systemRng } from '../lib/rng.js';
import { CONSUL_VERSION } from '../lib/version.js';
import { LocalState } from './local-state.js';
import { AntiEntropy, type NodeInfo } from './anti-entropy.js';
import { healthCheckFor, parseCheck, parseService, validStatus, type CheckSpec } from './definitions.js';
import { CheckRegistry } from './checks/registry.js';
import { contentHash } from './content-hash.js';
import { buildSelf, nodeInfo, selfMember, serfTags } from './identity.js';
import { RpcListener } from '../rpc/listener.js';
import { RpcPool } from '../rpc/mux.js';
import { readPeersJson } from './peers-json.js';
import { AgentCache, parseCacheControl } from './cache.js';
import { ServerManager } from './servers.js';
import { Membership } from './membership.js';
import { BootstrapExpect } from './bootstrap-expect.js';
import { LocalPersistence } from './persist.js';
import { EVENT_PREFIX, UserEventBuffer, encodeUserEvent, eventIndex, eventToWire, newUserEvent, type UserEvent } from './events.js';
import { rpcTimeoutMs } from '../rpc/timeouts.js';

const NODE_MAINT_DEFAULT = 'Maintenance mode is enabled for this node, but no reason was provided. This is a default message.';
const SERVICE_MAINT_DEFAULT =
  'Maintenance mode is enabled for this service, but no reason was provided. This is a default message.';

const notFound = (msg: string) => new ConclaveError('ERR_NOT_FOUND', msg);

export class Agent implements AgentApi {
  readonly httpConfig: AgentHttpConfig;
  readonly state: LocalState;
  private server: Server | null = null;
  private rpcListener: RpcListener | null = null;
  private readonly pool = new RpcPool();
  private readonly cache = new AgentCache();
  readonly servers = new ServerManager(systemRng);
  private membership: Membership | null = null;
  private bootstrapExpect: BootstrapExpect | null = null;
  private readonly events: UserEventBuffer;
  /** API-registered services and checks on disk (null without a data dir, e.g. -dev). */
  private persistence: LocalPersistence | null = null;
  /** Services and checks that came from config files (what a reload may change). */
  private readonly configServiceIds = new Set<string>();
  private readonly configCheckIds = new Set<string>();
  private http: HttpApi | null = null;
  private dns: DnsServer | null = null;
  private ae: AntiEntropy | null = null;
  /** Runs every check, TTL ones included, and the DeregisterCriticalServiceAfter reaper (src/agent/checks). */
  private readonly checkRunners = new CheckRegistry(this);
  private startedAt = Date.now();
  private stopping: Promise<void> | null = null;
  /** Called when the agent wants the process to exit (leave). */
  onLeave: () => void = () => {};

  constructor(
    readonly config: RuntimeConfig,
    readonly log: Logger,
  ) {
    this.httpConfig = {
      nodeName: config.nodeName,
      datacenter: config.datacenter,
      devMode: config.devMode,
      kvMaxValueSize: config.limits.kvMaxValueSize,
      txnMaxReqLen: config.limits.txnMaxReqLen,
      discoveryMaxStaleMs: config.discoveryMaxStaleMs,
      aclDefaultPolicy: config.acl.defaultPolicy,
      defaultToken: config.acl.tokens['default'] ?? '',
      responseHeaders: { ...config.http.responseHeaders },
      ui: { ...config.ui },
    };
    this.state = new LocalState(config.nodeName, config.checkUpdateIntervalMs, () => Date.now());
    this.events = new UserEventBuffer({ nodeName: config.nodeName, services: () => this.state.liveServices() });
  }

  async start(): Promise<string[]> {
    const c = this.config;
    if (c.server) {
      this.rpcListener = new RpcListener(this.log.named('agent.rpc'));
      await this.rpcListener.listen(c.bindAddr, c.ports.server);
      const peers = c.dataDir && !c.devMode ? readPeersJson(c.dataDir, this.log.named('agent.server')) : null;
      this.server = await Server.start({
        listener: this.rpcListener,
        pool: this.pool,
        recoverServers: peers,
        nodeName: c.nodeName,
        nodeId: c.nodeId,
        datacenter: c.datacenter,
        advertiseAddr: c.advertiseAddr,
        serverPort: c.ports.server,
        dataDir: c.devMode ? null : c.dataDir,
        bootstrap: c.bootstrap || c.bootstrapExpect === 1 || c.devMode,
        raftMultiplier: c.raftMultiplier,
        snapshotThreshold: c.snapshotThreshold,
        snapshotIntervalMs: c.snapshotIntervalMs,
        trailingLogs: c.trailingLogs,
        sessionTtlMinMs: c.sessionTtlMinMs,
        defaultQueryTimeMs: c.defaultQueryTimeMs,
        maxQueryTimeMs: c.maxQueryTimeMs,
        logger: this.log.named('agent'),
        members: () => this.memberInfos(),
      });
    }
    this.membership = new Membership(c, () => this.selfTags(), this.servers, {
      onChange: () => this.onMembershipChange(),
      onUserEvent: (name, payload, ltime) => this.onUserEvent(name, payload, ltime),
    }, this.log.named('agent.client.serf.lan'));
    if (this.server && c.bootstrapExpect > 1) {
      const srv = this.server;
      this.bootstrapExpect = new BootstrapExpect({
        expect: c.bootstrapExpect,
        datacenter: c.datacenter,
        selfId: c.nodeId,
        members: () => this.membership?.rawMembers() ?? [],
        hasRaftState: () => srv.raft.status().lastLogIndex > 0,
        peersOf: async (address) => (await this.pool.call(address, 'Status.Peers', {})) as string[],
        bootstrap: (servers) => srv.raft.bootstrapCluster(servers),
        log: this.log.named('agent.server'),
      });
    }
    await this.membership.start();
    for (const def of c.services as ServiceDefinition[]) await this.registerService(def, false, 'local');
    await this.restorePersisted();
    for (const def of c.checks as CheckDefinition[]) await this.registerCheck(def, 'local');
    this.ae = new AntiEntropy({
      state: this.state,
      rpc: (m, a) => this.rpc(m, a),
      nodeInfo: () => this.nodeInfo(),
      logger: this.log.named('agent.anti_entropy'),
      rng: systemRng,
      nowMs: () => Date.now(),
      intervalMs: aeInterval(c.aeIntervalMs, this.membership?.rawMembers().length ?? 1),
      retryMs: 3_000,
    });
    this.ae.start();
    const addrs = c.ports.http >= 0 ? c.clientAddrs : [];
    this.http = new HttpApi({ agent: this, addresses: [...addrs], port: c.ports.http, logger: this.log });
    const listening = await this.http.listen();
    // DNS interface (src/dns): answers from this agent's RPCs; -dns-port -1 disables it.
    if (c.ports.dns >= 0) await (this.dns = new DnsServer({ backend: this, config: c, logger: this.log.named('dns') })).listen();
    return listening;
  }

  /** Graceful stop: parked blocking queries answer, HTTP drains, raft flushes. */
  shutdown(): Promise<void> {
    if (!this.stopping) this.stopping = this.doShutdown();
    return this.stopping;
  }

  private async doShutdown(): Promise<void> {
    this.ae?.stop();
    this.cache.close();
    await this.membership?.shutdown().catch(() => {});
    this.checkRunners.stop();
    this.server?.abortQueries();
    await this.dns?.close();
    await this.http?.close();
    await this.server?.close();
  }

  // ---- RPC ----------------------------------------------------------------------------------

  rpc<M extends RpcMethod>(method: M, args: RpcMethods[M]): Promise<any> {
    if (this.server) return this.server.rpc(method, args);
    return this.forwardToServer(method, args);
  }

  call<M extends RpcMethod>(method: M, args: RpcMethods[M]): any {
    if (this.server) return this.server.call(method, args);
    return this.forwardToServer(method, args);
  }

  /**
   * A client agent's RPC: sent to a known server over the pooled connection; when the server cannot
   * be reached, the next one is tried (the call is not retried once a server answered, even with an error).
   */
  private async forwardToServer(method: string, args: unknown): Promise<any> {
    const candidates = this.servers.candidates();
    if (candidates.length === 0) throw new ConclaveError('ERR_INTERNAL', 'No known Consul servers');
    let lastErr: unknown;
    for (const s of candidates.slice(0, 3)) {
      try {
        return await this.pool.call(s.address, method, args, rpcTimeoutMs(args, this.config.maxQueryTimeMs));
      } catch (err) {
        const msg = (err as Error).message ?? '';
        if (!/dial tcp|connection to .* closed|i\/o timeout/.test(msg)) throw err;
        this.servers.failed(s.address);
        lastErr = err;
      }
    }
    throw lastErr;
  }

  async cachedRpc<M extends RpcMethod>(
    method: M,
    args: RpcMethods[M],
    kind: 'simple' | 'refresh',
    cacheControl: string | undefined,
  ): Promise<{ reply: any; hit: boolean; ageSeconds: number } | null> {
    if (!this.config.http.useCache) return null;
    const cc = kind === 'simple' ? parseCacheControl(cacheControl) : {};
    if (!cc) throw new ConclaveError('ERR_BAD_REQUEST', 'Invalid Cache-Control header.');
    const { Options, ...rest } = args as { Options?: QueryOptions } & Record<string, unknown>;
    const opts: QueryOptions = Options ?? {};
    const { MinQueryIndex: _min, MaxQueryTimeMs: _max, ...keyOpts } = opts;
    const key = `${method}:${JSON.stringify(rest)}:${JSON.stringify(keyOpts)}`;
    const fetch = async (o: QueryOptions) => {
      const reply = await this.rpc(method, { ...rest, Options: o } as RpcMethods[M]);
      // Catalog.ListDatacenters answers a bare list; give it the reply shape the cache stores.
      return Array.isArray(reply) ? { meta: { Index: 1, KnownLeader: true, LastContactMs: 0, ConsistencyLevel: 'leader' as const }, value: reply } : reply;
    };
    return kind === 'simple' ? this.cache.getSimple(key, opts, cc, fetch) : this.cache.getRefreshing(key, opts, fetch);
  }

  // ---- identity -----------------------------------------------------------------------------

  nodeInfo(): NodeInfo {
    return nodeInfo(this.config);
  }

  /** What the leader reconciles: every gossip member; our own entry carries our meta and addresses. */
  private memberInfos(): MemberInfo[] {
    const info = this.nodeInfo();
    const self: MemberInfo = {
      name: info.Node,
      id: info.ID,
      address: info.Address,
      status: 'alive',
      serverPort: this.config.server ? this.config.ports.server : undefined,
      meta: info.Meta,
      taggedAddresses: info.TaggedAddresses,
      version: CONSUL_VERSION,
    };
    const others = (this.membership?.memberInfos(CONSUL_VERSION) ?? []).filter((m) => m.name !== info.Node);
    return [self, ...others];
  }

  private onMembershipChange(): void {
    if (!this.server) return;
    void this.bootstrapExpect?.maybeBootstrap().catch((err) => this.log.warn('bootstrap failed', { error: String(err) }));
    void this.server.leaderDuties.reconcile();
  }

  /** User events arrive through gossip; the buffer keeps the ones meant for this agent. */
  private onUserEvent(name: string, payload: Buffer, ltime: number): void {
    this.events.ingest(name, payload, ltime);
  }

  async fireEvent(name: string, payload: Buffer, filters: { node?: string; service?: string; tag?: string }) {
    const event = newUserEvent(name, payload, filters);
    if (!this.membership?.enabled) throw new ConclaveError('ERR_INTERNAL', 'gossip is disabled on this agent');
    try {
      await this.membership.userEvent(EVENT_PREFIX + name, encodeUserEvent(event));
    } catch (err) {
      throw new ConclaveError('ERR_INTERNAL', (err as Error).message);
    }
    return eventToWire(event);
  }

  async listEvents(filters: { name: string; node: string; service: string; tag: string }, index: bigint, waitMs: number) {
    const select = (): UserEvent[] =>
      this.events.list(filters.name).filter((e) => matchesEventFilters(e, filters));
    let events = select();
    const indexOf = (list: UserEvent[]) => (list.length === 0 ? 1n : eventIndex(list[list.length - 1]!.ID));
    if (index > 0n) {
      const deadline = Date.now() + waitMs + randomInt(systemRng, Math.floor(waitMs / 16));
      while (indexOf(events) === index && Date.now() < deadline) {
        await this.events.waitNext(deadline - Date.now());
        events = select();
      }
    }
    return { events: events.map(eventToWire), index: indexOf(events) };
  }

  private selfTags(): Record<string, string> {
    return serfTags(this.config);
  }

  members(_wan: boolean): AgentMember[] {
    if (this.membership?.enabled) return this.membership.members();
    return [selfMember(this.config)];
  }

  self(): Record<string, unknown> {
    const members = this.members(false);
    return buildSelf({
      config: this.config,
      member: members.find((m) => m.Name === this.config.nodeName) ?? selfMember(this.config),
      serverStats: this.server?.stats() ?? null,
      serfStats: this.membership?.stats() ?? {},
      knownServers: this.servers.size,
      counts: {
        checkMonitors: Object.entries(this.checkRunners.counts()).reduce((a, [kind, n]) => (kind === 'ttl' ? a : a + n), 0),
        checkTtls: this.checkRunners.counts()['ttl'] ?? 0,
        checks: this.state.liveChecks().length,
        services: this.state.liveServices().length,
      },
      startedAtMs: this.startedAt,
    });
  }

  // ---- local services -------------------------------------------------------------------------

  private toAgentService(s: NodeService): AgentService {
    const out: AgentService = {
      ID: s.ID,
      Service: s.Service,
      Tags: s.Tags,
      Meta: s.Meta,
      Port: s.Port,
      Address: s.Address,
      Weights: s.Weights,
      EnableTagOverride: s.EnableTagOverride,
      Datacenter: this.config.datacenter,
    };
    if (s.Kind) out.Kind = s.Kind;
    if (s.SocketPath) out.SocketPath = s.SocketPath;
    if (s.TaggedAddresses) out.TaggedAddresses = s.TaggedAddresses;
    return out;
  }

  localServices(): Record<string, AgentService> {
    const out: Record<string, AgentService> = {};
    for (const s of this.state.liveServices()) out[s.ID] = this.toAgentService(s);
    return out;
  }

  localService(id: string): AgentService | null {
    const s = this.state.service(id);
    if (!s) return null;
    const svc = this.toAgentService(s);
    svc.ContentHash = contentHash(svc);
    return svc;
  }

  localChecks(): Record<string, AgentCheck> {
    const out: Record<string, AgentCheck> = {};
    for (const c of this.state.liveChecks()) out[c.CheckID] = c;
    return out;
  }

  waitLocalChange(timeoutMs: number): Promise<void> {
    return this.state.waitChange(timeoutMs);
  }

  async registerService(def: ServiceDefinition, replaceExistingChecks: boolean, source: 'remote' | 'local' = 'remote'): Promise<void> {
    const { service, checks } = parseService(def);
    if (source === 'local') this.configServiceIds.add(service.ID);
    for (const spec of checks) this.vetScript(spec, source);
    const existing = this.state.service(service.ID);
    const newChecks = checks.map((spec, i) => ({ spec, row: healthCheckFor(spec, this.config.nodeName, service, i, checks.length) }));
    if (existing && replaceExistingChecks) {
      const keep = new Set(newChecks.map((c) => c.row.CheckID));
      for (const c of this.state.liveChecks()) {
        if (c.ServiceID === service.ID && !keep.has(c.CheckID)) this.removeCheckInternal(c.CheckID);
      }
    }
    this.state.addService(service, def.Token ?? '');
    for (const { spec, row } of newChecks) this.addCheckInternal(spec, row, def.Token ?? '');
    if (source === 'remote') this.persistence?.saveService(service.ID, { Token: def.Token ?? '', Definition: def });
    await this.ae?.syncNow().catch(() => {});
  }

  /** Brings back what was registered through the API before a restart (config files win on conflicts). */
  private async restorePersisted(): Promise<void> {
    const c = this.config;
    if (!c.dataDir || c.devMode) return;
    this.persistence = new LocalPersistence(c.dataDir, this.log.named('agent'));
    for (const p of this.persistence.loadServices()) {
      const id = p.Definition.ID || p.Definition.Name || '';
      if (this.state.service(id)) continue;
      await this.registerService(p.Definition, false, 'remote').catch((err) =>
        this.log.named('agent').warn('failed to restore persisted service', { service: id, error: (err as Error).message }),
      );
    }
    for (const p of this.persistence.loadChecks()) {
      const id = p.Definition.ID || p.Definition.CheckID || p.Definition.Name || '';
      if (this.state.check(id)) continue;
      await this.registerCheck(p.Definition, 'remote').catch((err) =>
        this.log.named('agent').warn('failed to restore persisted check', { check: id, error: (err as Error).message }),
      );
    }
  }

  async deregisterService(id: string): Promise<void> {
    if (!this.state.service(id)) {
      throw notFound(`Unknown service ID "${id}". Ensure that the service ID is passed, not the service name.`);
    }
    for (const c of this.state.liveChecks()) {
      if (c.ServiceID !== id) continue;
      this.removeCheckInternal(c.CheckID);
      this.persistence?.removeCheck(c.CheckID);
    }
    this.state.removeService(id);
    this.persistence?.removeService(id);
    await this.ae?.syncNow().catch(() => {});
  }

  // ---- local checks ---------------------------------------------------------------------------

  private vetScript(spec: CheckSpec, source: 'remote' | 'local'): void {
    if (spec.type !== 'script' && spec.type !== 'docker') return;
    const c = this.config;
    if (source === 'remote' && !c.enableScriptChecks) {
      throw new ConclaveError(
        'ERR_INTERNAL',
        "Scripts are disabled on this agent from remote calls; to enable, configure 'enable_script_checks' to true",
      );
    }
    if (source === 'local' && !c.enableScriptChecks && !c.enableLocalScriptChecks) {
      throw new ConclaveError(
        'ERR_CONFIG',
        "Scripts are disabled on this agent; to enable, configure 'enable_script_checks' or 'enable_local_script_checks' to true",
      );
    }
  }

  async registerCheck(def: CheckDefinition, source: 'remote' | 'local' = 'remote'): Promise<void> {
    if (!def.Name) throw new ConclaveError('ERR_BAD_REQUEST', 'Missing check name');
    if (!validStatus(def.Status)) throw new ConclaveError('ERR_BAD_REQUEST', 'Bad check status');
    let spec: CheckSpec;
    try {
      spec = parseCheck(def);
    } catch (err) {
      throw new ConclaveError('ERR_BAD_REQUEST', `Invalid check: ${(err as Error).message}`);
    }
    let service: NodeService | null = null;
    if (def.ServiceID) {
      service = this.state.service(def.ServiceID);
      if (!service) throw notFound(`ServiceID "${def.ServiceID}" does not exist`);
    }
    this.vetScript(spec, source);
    const row = healthCheckFor(spec, this.config.nodeName, service, 0, 1);
    this.addCheckInternal(spec, row, def.Token ?? '');
    if (source === 'local') this.configCheckIds.add(row.CheckID);
    if (source === 'remote') this.persistence?.saveCheck(row.CheckID, { Token: def.Token ?? '', Definition: def });
    await this.ae?.syncNow().catch(() => {});
  }

  private addCheckInternal(spec: CheckSpec, row: HealthCheck, token: string): void {
    const prev = this.state.check(row.CheckID);
    // A re-registered check keeps its last status unless the definition sets one.
    if (prev && !spec.def.Status) row = { ...row, Status: prev.Status, Output: prev.Output };
    // A TTL check added again (a restart, a reload) takes back the status it was last given, as long
    // as that report's TTL has not run out (Consul's loadCheckState).
    const saved = spec.type === 'ttl' ? this.persistence?.loadCheckState(row.CheckID, Date.now() / 1000) : null;
    if (saved && saved.Status !== '' && validStatus(saved.Status)) row = { ...row, Status: saved.Status as CheckStatus, Output: saved.Output };
    this.state.addCheck(row, token);
    this.checkRunners.add(spec, row);
  }

  private removeCheckInternal(id: string): boolean {
    this.checkRunners.remove(id);
    return this.state.removeCheck(id);
  }

  async deregisterCheck(id: string): Promise<void> {
    if (!this.removeCheckInternal(id)) {
      throw notFound(`Unknown check ID "${id}". Ensure that the check ID is passed, not the check name.`);
    }
    this.persistence?.removeCheck(id);
    await this.ae?.syncNow().catch(() => {});
  }

  async updateTtlCheck(id: string, status: CheckStatus, output: string): Promise<void> {
    if (!this.state.check(id)) {
      throw notFound(`Unknown check ID "${id}". Ensure that the check ID is passed, not the check name.`);
    }
    if (!this.checkRunners.reported(id, status, output)) {
      throw new ConclaveError('ERR_INTERNAL', `CheckID "${id}" does not have associated TTL`);
    }
    const row = this.state.check(id);
    const ttlMs = this.checkRunners.ttlMs(id);
    if (row && ttlMs !== null) {
      // Consul's persistCheckState: kept until the report's TTL would have run out.
      this.persistence?.saveCheckState({ CheckID: id, Status: row.Status, Output: row.Output, Expires: Math.floor((Date.now() + ttlMs) / 1000) });
    }
    await this.ae?.syncNow().catch(() => {});
  }

  // ---- maintenance ----------------------------------------------------------------------------

  async setNodeMaintenance(enable: boolean, reason: string): Promise<void> {
    if (enable) {
      if (!this.state.check(NODE_MAINT_CHECK_ID)) {
        this.state.addCheck(maintCheck(this.config.nodeName, NODE_MAINT_CHECK_ID, 'Node Maintenance Mode', reason || NODE_MAINT_DEFAULT, null));
      }
    } else {
      this.state.removeCheck(NODE_MAINT_CHECK_ID);
    }
    await this.ae?.syncNow().catch(() => {});
  }

  async setServiceMaintenance(id: string, enable: boolean, reason: string): Promise<void> {
    const svc = this.state.service(id);
    if (!svc) throw notFound(`Unknown service ID "${id}"`);
    const checkId = SERVICE_MAINT_PREFIX + id;
    if (enable) {
      if (!this.state.check(checkId)) {
        this.state.addCheck(maintCheck(this.config.nodeName, checkId, 'Service Maintenance Mode', reason || SERVICE_MAINT_DEFAULT, svc));
      }
    } else {
      this.state.removeCheck(checkId);
    }
    await this.ae?.syncNow().catch(() => {});
  }

  // ---- membership --------------------------------------------------------------------------

  async leave(): Promise<void> {
    this.log.named('agent').info('graceful leave requested');
    try {
      await this.membership?.leave();
    } catch (err) {
      this.log.warn('leave failed', { error: (err as Error).message });
    }
    setImmediate(() => this.onLeave());
  }

  /**
   * consul reload / SIGHUP: re-reads the configuration and applies the difference in services and
   * checks from config files (API-registered ones are untouched). Other settings need a restart.
   */
  async reload(): Promise<void> {
    let next: RuntimeConfig;
    try {
      next = loadConfig([...this.config.argv]);
    } catch (err) {
      throw new ConclaveError('ERR_INTERNAL', `Failed reloading: ${(err as Error).message}`);
    }
    const log = this.log.named('agent');
    const services = next.services as ServiceDefinition[];
    const checks = next.checks as CheckDefinition[];
    const keepServices = new Set(services.map((d) => d.ID || d.Name || ''));
    const keepChecks = new Set(checks.map((d) => d.ID || d.CheckID || d.Name || ''));
    for (const id of [...this.configServiceIds]) {
      if (keepServices.has(id) || !this.state.service(id)) continue;
      await this.deregisterService(id);
      this.configServiceIds.delete(id);
    }
    for (const id of [...this.configCheckIds]) {
      if (keepChecks.has(id) || !this.state.check(id)) continue;
      await this.deregisterCheck(id);
      this.configCheckIds.delete(id);
    }
    // A service's embedded checks follow its definition: replace them.
    for (const def of services) await this.registerService(def, true, 'local');
    for (const def of checks) await this.registerCheck(def, 'local');
    log.info('Reloaded configuration', { services: services.length, checks: checks.length });
  }

  async join(address: string): Promise<number> {
    if (!this.membership?.enabled) throw new ConclaveError('ERR_INTERNAL', 'gossip is disabled on this agent');
    try {
      return await this.membership.join(address);
    } catch (err) {
      throw new ConclaveError('ERR_INTERNAL', (err as Error).message);
    }
  }

  async forceLeave(node: string, prune: boolean): Promise<void> {
    if (!this.membership?.enabled) throw new ConclaveError('ERR_INTERNAL', 'gossip is disabled on this agent');
    if (!this.membership.rawMembers().some((m) => m.name === node)) {
      throw new ConclaveError('ERR_INTERNAL', `agent: No node found with name '${node}'`);
    }
    await this.membership.forceLeave(node, prune);
  }
}

/** Consul scales the full-sync interval above 128 nodes: x (log2(nodes/128) + 1). */
function aeInterval(baseMs: number, nodes: number): number {
  return nodes <= 128 ? baseMs : Math.ceil(baseMs * (Math.log2(nodes / 128) + 1));
}

/** /v1/event/list's node/service/tag query filters: the event's own filters must match them. */
function matchesEventFilters(e: UserEvent, f: { node: string; service: string; tag: string }): boolean {
  if (f.node && e.NodeFilter !== f.node) return false;
  if (f.service && e.ServiceFilter !== f.service) return false;
  if (f.tag && e.TagFilter !== f.tag) return false;
  return true;
}

function maintCheck(node: string, id: string, name: string, notes: string, svc: NodeService | null): HealthCheck {
  return {
    Node: node,
    CheckID: id,
    Name: name,
    Status: 'critical',
    Notes: notes,
    Output: '',
    ServiceID: svc?.ID ?? '',
    ServiceName: svc?.Service ?? '',
    ServiceTags: svc?.Tags ?? [],
    Type: '',
    Interval: '',
    Timeout: '',
    ExposedPort: 0,
    Definition: {},
    CreateIndex: 0,
    ModifyIndex: 0,
  };
}
