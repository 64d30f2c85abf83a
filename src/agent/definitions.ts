// Turns service and check definitions (HTTP API or config files) into the rows the agent keeps,
// validating them with Consul's rules and texts.
import { ConclaveError } from '../lib/errors.js';
import { durationFromJson, formatDurationNs } from '../lib/duration.js';
import type { CheckDefinition, ServiceDefinition } from '../structs/agent.js';
import { CHECK_STATUSES, defaultWeights, type CheckStatus, type HealthCheck, type NodeService } from '../structs/catalog.js';

export const MIN_CHECK_INTERVAL_NS = 1e9;
export const DEFAULT_CHECK_TIMEOUT_NS = 10e9;
export const DEFAULT_OUTPUT_MAX = 4096;
const META_MAX_PAIRS = 64;
const META_KEY_MAX = 128;
const META_VALUE_MAX = 512;
const META_KEY_RE = /^[a-zA-Z0-9_-]+$/;

const bad = (msg: string) => new ConclaveError('ERR_BAD_REQUEST', msg);

/** The parsed, validated form of a check definition: durations in ns, type resolved. */
export interface CheckSpec {
  def: CheckDefinition;
  type: string;
  intervalNs: number;
  timeoutNs: number;
  ttlNs: number;
  deregisterAfterNs: number;
}

function ns(v: unknown, field: string): number {
  try {
    return durationFromJson(v, field);
  } catch (err) {
    throw bad(`Request decode failed: ${(err as Error).message}`);
  }
}

export function checkType(d: CheckDefinition): string {
  if (d.AliasNode || d.AliasService) return 'alias';
  if (d.DockerContainerID) return 'docker';
  if ((d.Args && d.Args.length > 0) || (d.ScriptArgs && d.ScriptArgs.length > 0)) return 'script';
  if (d.HTTP) return 'http';
  if (d.TCP) return 'tcp';
  if (d.UDP) return 'udp';
  if (d.GRPC) return 'grpc';
  if (d.H2PING) return 'h2ping';
  if (d.OSService) return 'os_service';
  return 'ttl';
}

/** Consul's CheckType.Validate, with its messages. */
export function parseCheck(d: CheckDefinition): CheckSpec {
  const type = checkType(d);
  let intervalNs = ns(d.Interval, 'Interval');
  const ttlNs = ns(d.TTL, 'TTL');
  const timeoutNs = ns(d.Timeout, 'Timeout');
  const deregisterAfterNs = ns(d.DeregisterCriticalServiceAfter, 'DeregisterCriticalServiceAfter');
  const intervalCheck = ['script', 'docker', 'http', 'tcp', 'udp', 'grpc', 'h2ping', 'os_service'].includes(type);
  const alias = type === 'alias';
  if (intervalNs > 0 && ttlNs > 0) throw bad('Interval and TTL cannot both be specified');
  if (intervalCheck && intervalNs <= 0) {
    throw bad('Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks');
  }
  if (alias && intervalNs > 0) throw bad('Interval cannot be set for Alias checks');
  if (alias && ttlNs > 0) throw bad('TTL must be not be set for Alias checks');
  if (!intervalCheck && !alias && ttlNs <= 0) throw bad('TTL must be > 0 for TTL checks');
  if ((d.OutputMaxSize ?? 0) < 0) throw bad('MaxOutputMaxSize must be positive');
  if ((d.FailuresBeforeWarning ?? 0) > (d.FailuresBeforeCritical ?? 0) && d.FailuresBeforeCritical !== undefined) {
    throw bad("FailuresBeforeWarning can't be higher than FailuresBeforeCritical");
  }
  if (intervalCheck && intervalNs < MIN_CHECK_INTERVAL_NS) intervalNs = MIN_CHECK_INTERVAL_NS;
  return { def: d, type, intervalNs, timeoutNs, ttlNs, deregisterAfterNs };
}

export function validStatus(s: string | undefined): boolean {
  return s === undefined || s === '' || CHECK_STATUSES.includes(s as CheckStatus);
}

export function validateMeta(meta: Record<string, string> | undefined): void {
  if (!meta) return;
  const keys = Object.keys(meta);
  if (keys.length > META_MAX_PAIRS) {
    throw bad(`Invalid Service Meta: Node metadata cannot contain more than ${META_MAX_PAIRS} key/value pairs`);
  }
  for (const k of keys) {
    let reason = '';
    if (k === '') reason = 'Key cannot be blank';
    else if (!META_KEY_RE.test(k)) reason = `Key contains invalid characters: ${k}`;
    else if (k.length > META_KEY_MAX) reason = `Key is too long (limit: ${META_KEY_MAX} characters)`;
    else if (k.startsWith('consul-')) reason = "Key prefix 'consul-' is reserved for internal use";
    else if ((meta[k] ?? '').length > META_VALUE_MAX) reason = `Value is too long (limit: ${META_VALUE_MAX} characters)`;
    if (reason) throw bad(`Invalid Service Meta: ${reason}`);
  }
}

export interface ParsedService {
  service: NodeService;
  checks: CheckSpec[];
}

/** Validates a service definition as AgentRegisterService does. */
export function parseService(def: ServiceDefinition): ParsedService {
  if (!def.Name) throw bad('Missing service name');
  const addr = def.Address ?? '';
  if (addr === '0.0.0.0' || addr === '::' || addr === '[::]') throw bad('Invalid service address');
  const w = def.Weights;
  if (w) {
    if (!(w.Passing > 0)) throw bad('Invalid Weights: Passing must be greater than 0');
    if ((w.Warning ?? 0) < 0) throw bad('Invalid Weights: Warning must be greater or equal than 0');
  }
  validateMeta(def.Meta);
  const service: NodeService = {
    ID: def.ID || def.Name,
    Service: def.Name,
    Tags: def.Tags ?? [],
    Address: addr,
    Meta: def.Meta ?? {},
    Port: def.Port ?? 0,
    Weights: w ? { Passing: w.Passing, Warning: w.Warning ?? 0 } : defaultWeights(),
    EnableTagOverride: !!def.EnableTagOverride,
    CreateIndex: 0,
    ModifyIndex: 0,
  };
  if (def.Kind) service.Kind = def.Kind;
  if (def.TaggedAddresses && Object.keys(def.TaggedAddresses).length > 0) service.TaggedAddresses = def.TaggedAddresses;
  if (def.SocketPath) service.SocketPath = def.SocketPath;
  const defs: CheckDefinition[] = [];
  if (def.Check && Object.keys(def.Check).length > 0) defs.push(def.Check);
  for (const c of def.Checks ?? []) defs.push(c);
  const checks: CheckSpec[] = [];
  for (const c of defs) {
    let spec: CheckSpec;
    try {
      spec = parseCheck(c);
    } catch (err) {
      throw bad(`Invalid check: ${(err as Error).message}`);
    }
    if (!validStatus(c.Status)) throw bad("Status for checks must 'passing', 'warning', 'critical'");
    checks.push(spec);
  }
  return { service, checks };
}

/** Builds the HealthCheck row for a check spec (CheckID/Name defaults as Consul's AddService sets them). */
export function healthCheckFor(
  spec: CheckSpec,
  node: string,
  service: NodeService | null,
  index: number,
  count: number,
): HealthCheck {
  const d = spec.def;
  let id = d.CheckID || d.ID || '';
  if (!id && service) id = count > 1 ? `service:${service.ID}:${index + 1}` : `service:${service.ID}`;
  if (!id) id = d.Name ?? '';
  const name = d.Name || (service ? `Service '${service.Service}' check` : id);
  const definition: HealthCheck['Definition'] = {};
  if (d.HTTP) Object.assign(definition, { HTTP: d.HTTP, Method: d.Method, Header: d.Header, Body: d.Body, TLSSkipVerify: d.TLSSkipVerify, TLSServerName: d.TLSServerName, DisableRedirects: d.DisableRedirects });
  if (d.TCP) Object.assign(definition, { TCP: d.TCP, TCPUseTLS: d.TCPUseTLS });
  if (d.UDP) definition.UDP = d.UDP;
  if (d.GRPC) Object.assign(definition, { GRPC: d.GRPC, GRPCUseTLS: d.GRPCUseTLS });
  if (d.H2PING) Object.assign(definition, { H2PING: d.H2PING, H2PingUseTLS: d.H2PingUseTLS ?? true });
  if (d.OSService) definition.OSService = d.OSService;
  if (d.AliasNode) definition.AliasNode = d.AliasNode;
  if (d.AliasService) definition.AliasService = d.AliasService;
  const args = d.Args ?? d.ScriptArgs;
  if (args && args.length > 0) definition.ScriptArgs = args;
  if (spec.intervalNs) definition.Interval = formatDurationNs(spec.intervalNs);
  if (spec.timeoutNs) definition.Timeout = formatDurationNs(spec.timeoutNs);
  if (spec.deregisterAfterNs) definition.DeregisterCriticalServiceAfter = formatDurationNs(spec.deregisterAfterNs);
  for (const k of Object.keys(definition) as Array<keyof typeof definition>) {
    if (definition[k] === undefined) delete definition[k];
  }
  return {
    Node: node,
    CheckID: id,
    Name: name,
    Status: ((d.Status as CheckStatus) || 'critical'),
    Notes: d.Notes ?? '',
    Output: '',
    ServiceID: service?.ID ?? d.ServiceID ?? '',
    ServiceName: service?.Service ?? '',
    ServiceTags: service?.Tags ?? [],
    Type: spec.type,
    Interval: spec.intervalNs ? formatDurationNs(spec.intervalNs) : '',
    Timeout: spec.timeoutNs ? formatDurationNs(spec.timeoutNs) : '',
    ExposedPort: 0,
    Definition: definition,
    CreateIndex: 0,
    ModifyIndex: 0,
  };
}

/** Caps check output the way Consul's TTL update does. */
export function truncateOutput(output: string, max = DEFAULT_OUTPUT_MAX): string {
  const bytes = Buffer.from(output);
  if (bytes.length <= max) return output;
  return `${bytes.subarray(0, max).toString()} ... (captured ${max} of ${bytes.length} bytes)`;
}
