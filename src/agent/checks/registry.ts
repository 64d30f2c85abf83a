// The agent's running checks: one CheckRunner per check ID, whatever its kind, built from a table of
// kinds (no parallel map per kind). The registry also owns what every kind shares: flap damping,
// the output cap and discard_check_output, and the DeregisterCriticalServiceAfter reaper.
//
// TTL checks live here too (./ttl.ts): the agent's /v1/agent/check/{pass,warn,fail,update} endpoints
// call `reported()`, which records the result and restarts the TTL.
//
// Who calls: the agent, from addCheckInternal / removeCheckInternal / shutdown. Calls are synchronous
// and never overlap; runners report later, from timers and I/O callbacks.
import type { Logger } from '../../lib/logger.js';
import { systemRng, type Rng } from '../../lib/rng.js';
import type { CheckStatus, HealthCheck, NodeService } from '../../structs/catalog.js';
import { DEFAULT_CHECK_TIMEOUT_NS, DEFAULT_OUTPUT_MAX, truncateOutput, type CheckSpec } from '../definitions.js';
import { IntervalRunner, SlotClock, type CheckRunner, type Probe, type ReportFn } from './runner.js';
import { StatusDamper, dampingLimits } from './damping.js';
import { HttpProbe } from './http.js';
import { TcpProbe } from './tcp.js';
import { UdpProbe } from './udp.js';
import { GrpcProbe } from './grpc.js';
import { H2PingProbe } from './h2ping.js';
import { ScriptProbe } from './script.js';
import { DockerProbe, dockerSocketPath } from './docker.js';
import { OsServiceProbe, SYSTEMD_DEFAULTS } from './os-service.js';
import { AliasRunner } from './alias.js';
import { CriticalReaper } from './reaper.js';
import { TtlRunner, ttlExpiredOutput } from './ttl.js';

/** Consul's default for script checks (and the other checks that run a program). */
export const DEFAULT_SCRIPT_TIMEOUT_NS = 30e9;

/** The part of LocalState the checks read and write. */
export interface LocalView {
  check(id: string): HealthCheck | null;
  liveChecks(): HealthCheck[];
  service(id: string): NodeService | null;
  onChange(fn: () => void): () => void;
  updateCheck(id: string, status: CheckStatus, output: string): boolean;
}

/** What the registry needs from the agent (the Agent class satisfies it as it is). */
export interface CheckAgent {
  readonly config: { readonly nodeName: string; readonly checkOutputMaxSize: number; readonly discardCheckOutput: boolean };
  readonly log: Logger;
  readonly state: LocalView;
  rpc(method: 'Health.NodeChecks' | 'Catalog.NodeServices', args: any): Promise<any>;
  deregisterService(id: string): Promise<void>;
}

export interface RegistryOptions {
  rng?: Rng;
  nowMs?: () => number;
  reapIntervalMs?: number;
  deregisterMinMs?: number;
  env?: NodeJS.ProcessEnv;
  systemctl?: string;
  systemdRunDir?: string;
}

interface BuildContext {
  spec: CheckSpec;
  row: HealthCheck;
  timeoutMs: number;
  outputMax: number;
  report: ReportFn;
}

type ProbeFactory = (c: BuildContext) => Probe;

export class CheckRegistry {
  private readonly runners = new Map<string, { kind: string; runner: CheckRunner; outputMax: number }>();
  private reaperInstance: CriticalReaper | null = null;
  private readonly rng: Rng;
  private readonly probes: Record<string, ProbeFactory>;
  private readonly clock = new SlotClock();

  constructor(
    private readonly agent: CheckAgent,
    private readonly opts: RegistryOptions = {},
  ) {
    this.rng = opts.rng ?? systemRng;
    const tls = (d: CheckSpec['def']) => ({ tlsSkipVerify: !!d.TLSSkipVerify, tlsServerName: d.TLSServerName ?? '' });
    this.probes = {
      http: ({ spec: { def: d }, timeoutMs, outputMax }) => new HttpProbe({
        url: d.HTTP!, method: d.Method ?? 'GET', header: d.Header ?? {}, body: d.Body ?? '', timeoutMs, outputMax,
        disableRedirects: !!d.DisableRedirects, ...tls(d),
      }),
      tcp: ({ spec: { def: d }, timeoutMs }) => new TcpProbe({ addr: d.TCP!, timeoutMs, useTls: !!d.TCPUseTLS, ...tls(d) }),
      udp: ({ spec: { def: d }, timeoutMs }) => new UdpProbe({ addr: d.UDP!, timeoutMs }),
      grpc: ({ spec: { def: d }, timeoutMs }) => new GrpcProbe({ target: d.GRPC!, timeoutMs, useTls: !!d.GRPCUseTLS, ...tls(d) }),
      h2ping: ({ spec: { def: d }, timeoutMs }) =>
        new H2PingProbe({ addr: d.H2PING!, timeoutMs, useTls: d.H2PingUseTLS ?? true, ...tls(d) }),
      script: ({ spec: { def: d }, timeoutMs, outputMax }) => new ScriptProbe({ args: d.Args ?? d.ScriptArgs ?? [], timeoutMs, outputMax }),
      docker: ({ spec: { def: d }, timeoutMs, outputMax }) => new DockerProbe({
        containerId: d.DockerContainerID!, args: d.Args ?? d.ScriptArgs ?? [], shell: d.Shell ?? '', timeoutMs, outputMax,
        socketPath: dockerSocketPath(opts.env ?? process.env),
      }),
      os_service: ({ spec: { def: d }, timeoutMs }) => new OsServiceProbe({
        service: d.OSService!, timeoutMs,
        systemctl: opts.systemctl ?? SYSTEMD_DEFAULTS.systemctl, systemdRunDir: opts.systemdRunDir ?? SYSTEMD_DEFAULTS.systemdRunDir,
      }),
    };
  }

  /** Starts (or restarts) the runner for a check just written to local state. */
  add(spec: CheckSpec, row: HealthCheck): void {
    this.remove(row.CheckID);
    if (spec.deregisterAfterNs > 0 && row.ServiceID) {
      this.reaper().track(row.CheckID, row.ServiceID, spec.deregisterAfterNs / 1e6);
    }
    const outputMax = this.outputMax(spec);
    const runner = this.build(spec, row, outputMax);
    if (!runner) return;
    this.runners.set(row.CheckID, { kind: spec.type, runner, outputMax });
    runner.start();
  }

  /**
   * A TTL check's report (/v1/agent/check/pass|warn|fail|update): records status and output (cut to
   * the check's output limit, as Consul's CheckTTL does) and restarts the TTL. False when `id` is not
   * a running TTL check.
   */
  reported(id: string, status: CheckStatus, output: string): boolean {
    const r = this.runners.get(id);
    if (!r || !(r.runner instanceof TtlRunner)) return false;
    const out = truncateOutput(output, r.outputMax);
    r.runner.reported(out);
    this.record(id, status, out);
    return true;
  }

  /** The TTL of a running TTL check, in ms; null for any other check. */
  ttlMs(id: string): number | null {
    const r = this.runners.get(id)?.runner;
    return r instanceof TtlRunner ? r.ttlMs : null;
  }

  /** Stops a check's runner; safe for unknown IDs. */
  remove(checkId: string): void {
    const r = this.runners.get(checkId);
    if (r) {
      r.runner.stop();
      this.runners.delete(checkId);
    }
    this.reaperInstance?.untrack(checkId);
  }

  /** Stops everything (agent shutdown). */
  stop(): void {
    for (const { runner } of this.runners.values()) runner.stop();
    this.runners.clear();
    this.reaperInstance?.stop();
  }

  /** How many checks of each kind are running (for /v1/agent/self stats). */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const { kind } of this.runners.values()) out[kind] = (out[kind] ?? 0) + 1;
    return out;
  }

  private outputMax(spec: CheckSpec): number {
    return spec.def.OutputMaxSize && spec.def.OutputMaxSize > 0 ? spec.def.OutputMaxSize : this.agent.config.checkOutputMaxSize || DEFAULT_OUTPUT_MAX;
  }

  private build(spec: CheckSpec, row: HealthCheck, outputMax: number): CheckRunner | null {
    const id = row.CheckID;
    if (spec.type === 'alias') return this.alias(spec, row);
    if (spec.type === 'ttl') {
      return new TtlRunner(spec.ttlNs / 1e6, (last) => {
        this.agent.log.named('agent').warn('Check missed TTL, is now critical', { check: id });
        this.record(id, 'critical', ttlExpiredOutput(last));
      });
    }
    const factory = this.probes[spec.type];
    if (!factory) return null;
    const programs = spec.type === 'script' || spec.type === 'docker' || spec.type === 'os_service';
    const timeoutNs = spec.timeoutNs > 0 ? spec.timeoutNs : programs ? DEFAULT_SCRIPT_TIMEOUT_NS : DEFAULT_CHECK_TIMEOUT_NS;
    const damper = new StatusDamper(dampingLimits(spec.def));
    const report: ReportFn = (r) => {
      const status = damper.next(r.status);
      if (status) this.record(id, status, r.output);
    };
    const probe = factory({ spec, row, timeoutMs: timeoutNs / 1e6, outputMax, report });
    return new IntervalRunner(probe, { intervalMs: spec.intervalNs / 1e6, rng: this.rng, report, clock: this.clock });
  }

  private alias(spec: CheckSpec, row: HealthCheck): CheckRunner {
    const a = this.agent;
    const target = { node: spec.def.AliasNode ?? '', serviceId: spec.def.AliasService ?? '' };
    return new AliasRunner(row.CheckID, target, {
      localChecks: () => a.state.liveChecks(),
      localServiceExists: (sid) => a.state.service(sid) !== null,
      onLocalChange: (fn) => a.state.onChange(fn),
      nodeChecks: async (node, minIndex, maxWaitMs) => {
        const r = await a.rpc('Health.NodeChecks', { Node: node, Options: { AllowStale: true, MinQueryIndex: minIndex, MaxQueryTimeMs: maxWaitMs } });
        return { index: r.meta.Index as number, checks: (r.value ?? []) as HealthCheck[] };
      },
      nodeServiceExists: async (node, sid) => {
        const r = await a.rpc('Catalog.NodeServices', { Node: node, Options: { AllowStale: true } });
        return !!r.value && Object.prototype.hasOwnProperty.call(r.value.Services ?? {}, sid);
      },
    }, (r) => this.record(row.CheckID, r.status, r.output));
  }

  private record(id: string, status: CheckStatus, output: string): void {
    const a = this.agent;
    const prev = a.state.check(id);
    if (!prev) return;
    if (prev.Status !== status) {
      const fields = { check: id, status };
      if (status === 'passing') a.log.named('agent').debug('Check status updated', fields);
      else a.log.named('agent').warn(`Check is now ${status}`, fields);
    }
    a.state.updateCheck(id, status, a.config.discardCheckOutput ? '' : output);
  }

  private reaper(): CriticalReaper {
    const a = this.agent;
    return (this.reaperInstance ??= new CriticalReaper({
      statusOf: (id) => a.state.check(id)?.Status ?? null,
      onChange: (fn) => a.state.onChange(fn),
      nowMs: this.opts.nowMs ?? (() => Date.now()),
      reapIntervalMs: this.opts.reapIntervalMs,
      deregisterMinMs: this.opts.deregisterMinMs,
      deregisterService: async (serviceId, checkId) => {
        if (!a.state.service(serviceId)) return;
        try {
          await a.deregisterService(serviceId);
          a.log.named('agent').info('Check for service has been critical for too long; deregistered service', { service: serviceId, check: checkId });
        } catch (err) {
          a.log.named('agent').error('failed to deregister service with critical health', { service: serviceId, check: checkId, error: (err as Error).message });
        }
      },
    }));
  }
}
