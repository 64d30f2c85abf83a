// Pure rules of catalog registration: the checks Consul's Catalog.Register endpoint makes before a
// request reaches Raft (nodePreApply, servicePreApply, checkPreApply, vetRegisterWithACL's node and
// service-ID checks), the check Type derivation, and the "did anything change" comparisons that
// keep no-op registrations from waking watchers. No store access: callers pass what they know.
import { ConclaveError } from '../lib/errors.js';
import { parseDurationNs } from '../lib/duration.js';
import type { HealthCheck, HealthCheckDefinition, Node, NodeService, RegisterRequest } from '../structs/index.js';
import { nodeWithDefaults } from '../structs/catalog.js';
import { RAFT_INDEX_KEYS, sameData } from './db.js';

/**
 * An invalid write. Consul answers these as plain-text 500s (they come back from the RPC layer),
 * so the error carries status 500 while its code still says "the request was bad".
 */
export function stateError(message: string): ConclaveError {
  return new ConclaveError('ERR_BAD_REQUEST', message, { status: 500 });
}

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Go's uuid.ParseUUID error text, or null when valid. */
function uuidProblem(id: string): string | null {
  if (id.length !== 36) return 'uuid string is wrong length';
  if (!UUID_RE.test(id)) return 'uuid is improperly formatted';
  return null;
}

function isAnyAddress(addr: string): boolean {
  const a = addr.trim();
  return a === '0.0.0.0' || a === '::' || a === '[::]';
}

function durationNsOrZero(s: string | undefined): number {
  if (!s) return 0;
  try {
    return parseDurationNs(s);
  } catch {
    return 0;
  }
}

/** Consul's CheckType.Type(): which kind of check a definition describes ('' when none). */
export function deriveCheckType(def: HealthCheckDefinition | null | undefined): string {
  if (!def) return '';
  const interval = durationNsOrZero(def.Interval) > 0;
  const docker = (def as { DockerContainerID?: string }).DockerContainerID;
  if (def.GRPC && interval) return 'grpc';
  if (def.HTTP && interval) return 'http';
  if (durationNsOrZero(def.TTL) > 0) return 'ttl';
  if (def.TCP && interval) return 'tcp';
  if (def.UDP && interval) return 'udp';
  if (def.AliasNode || def.AliasService) return 'alias';
  if (docker && interval) return 'docker';
  if (def.ScriptArgs && def.ScriptArgs.length > 0 && interval) return 'script';
  if (def.H2PING && interval) return 'h2ping';
  if (def.OSService && interval) return 'os_service';
  return '';
}

/** Copies `extra` keys of `src` that `ordered` does not define, after the ordered ones. */
function withRest<T extends object>(ordered: T, src: object): T {
  const out = ordered as Record<string, unknown>;
  for (const [k, v] of Object.entries(src)) if (!(k in out) && v !== undefined) out[k] = v;
  return ordered;
}

/** Fills the NodeService defaults, in Consul's JSON field order. */
export function normalizeService(svc: NodeService): NodeService {
  const out = {} as NodeService;
  if (svc.Kind !== undefined) out.Kind = svc.Kind;
  out.ID = svc.ID ?? '';
  out.Service = svc.Service ?? '';
  out.Tags = svc.Tags ?? [];
  out.Address = svc.Address ?? '';
  if (svc.TaggedAddresses !== undefined) out.TaggedAddresses = svc.TaggedAddresses;
  out.Meta = svc.Meta ?? {};
  out.Port = svc.Port ?? 0;
  if (svc.SocketPath !== undefined) out.SocketPath = svc.SocketPath;
  out.Weights = svc.Weights ?? { Passing: 1, Warning: 1 };
  out.EnableTagOverride = svc.EnableTagOverride ?? false;
  if (svc.Proxy !== undefined) out.Proxy = svc.Proxy;
  if (svc.Connect !== undefined) out.Connect = svc.Connect;
  out.CreateIndex = svc.CreateIndex ?? 0;
  out.ModifyIndex = svc.ModifyIndex ?? 0;
  return withRest(out, svc);
}

/** Fills the HealthCheck defaults (empty strings and lists), in Consul's JSON field order. */
export function normalizeCheck(hc: HealthCheck): HealthCheck {
  const out: HealthCheck = {
    Node: hc.Node ?? '',
    CheckID: hc.CheckID ?? '',
    Name: hc.Name ?? '',
    Status: hc.Status ?? ('' as HealthCheck['Status']),
    Notes: hc.Notes ?? '',
    Output: hc.Output ?? '',
    ServiceID: hc.ServiceID ?? '',
    ServiceName: hc.ServiceName ?? '',
    ServiceTags: hc.ServiceTags ?? [],
    Type: hc.Type ?? '',
    Interval: hc.Interval ?? '',
    Timeout: hc.Timeout ?? '',
    ExposedPort: hc.ExposedPort ?? 0,
    Definition: hc.Definition ?? {},
    CreateIndex: hc.CreateIndex ?? 0,
    ModifyIndex: hc.ModifyIndex ?? 0,
  };
  return withRest(out, hc);
}

/** Fills the Node defaults, in Consul's JSON field order. */
export function normalizeNode(n: Node): Node {
  return withRest(nodeWithDefaults(n), n);
}

/** A registration after Consul's pre-apply steps: `Check` folded into `Checks`, defaults filled. */
export interface PreparedRegistration {
  req: RegisterRequest;
  service: NodeService | null;
  checks: HealthCheck[];
}

/**
 * Validates and normalises a catalog registration exactly as Catalog.Register does before Raft.
 * `nodeHasService(node, id)` answers from the current catalog (vetRegisterWithACL looks there for
 * a check's ServiceID that is not the request's own service). Throws with Consul's texts.
 */
export function prepareRegistration(
  input: RegisterRequest,
  nodeHasService: (node: string, serviceId: string) => boolean,
): PreparedRegistration {
  if (!input || typeof input !== 'object') throw stateError('Must provide node');
  const req: RegisterRequest = { ...input };
  if (!req.Node) throw stateError('Must provide node');
  if (req.ID) {
    const problem = uuidProblem(req.ID);
    if (problem) throw stateError(`Bad node ID: ${problem}`);
  }
  if (!req.Address && !req.SkipNodeUpdate) throw stateError('Must provide address if SkipNodeUpdate is not set');

  let service: NodeService | null = null;
  if (req.Service) {
    service = normalizeService(req.Service);
    if (service.ID === '' && service.Service !== '') service.ID = service.Service;
    if (service.ID !== '' && service.Service === '') {
      throw stateError('Must provide service name (Service.Service) when service ID is provided');
    }
    if (isAnyAddress(service.Address)) throw stateError('Invalid service address');
  }

  const raw: HealthCheck[] = [...(req.Checks ?? [])];
  if (req.Check) raw.push(req.Check);
  const checks: HealthCheck[] = [];
  for (const c of raw) {
    if (!c) continue;
    const hc = normalizeCheck(c);
    if (hc.Node === '') hc.Node = req.Node;
    if (hc.CheckID === '' && hc.Name !== '') hc.CheckID = hc.Name;
    if (hc.Type === '') hc.Type = deriveCheckType(hc.Definition);
    checks.push(hc);
  }
  for (const hc of checks) {
    if (hc.Node.toLowerCase() !== req.Node.toLowerCase()) {
      throw stateError(
        `Node '${hc.Node}' for check '${hc.CheckID}' doesn't match register request node '${req.Node}'`,
      );
    }
    if (hc.ServiceID === '') continue;
    if (service && service.ID === hc.ServiceID) continue;
    if (!nodeHasService(req.Node, hc.ServiceID)) {
      throw stateError(`Unknown service ID '${hc.ServiceID}' for check ID '${hc.CheckID}'`);
    }
  }
  req.Check = null;
  req.Checks = checks;
  req.Service = service;
  return { req, service, checks };
}

/** The node row a registration describes (indexes filled in by the store). */
export function nodeFromRequest(req: RegisterRequest): Node {
  return {
    ID: req.ID ?? '',
    Node: req.Node,
    Address: req.Address ?? '',
    Datacenter: req.Datacenter ?? '',
    TaggedAddresses: req.TaggedAddresses ?? null,
    Meta: req.NodeMeta ?? null,
    CreateIndex: 0,
    ModifyIndex: 0,
  };
}

/** RegisterRequest.ChangesNode: would applying this request modify `node`? */
export function changesNode(req: RegisterRequest, node: Node | undefined): boolean {
  if (!node) return true;
  if (req.SkipNodeUpdate) return false;
  return !sameNode(nodeFromRequest(req), node);
}

export function sameNode(a: Node, b: Node): boolean {
  return sameData(a, b, RAFT_INDEX_KEYS);
}

export function sameService(a: NodeService, b: NodeService): boolean {
  return sameData(a, b, RAFT_INDEX_KEYS);
}

export function sameCheck(a: HealthCheck, b: HealthCheck): boolean {
  return sameData(a, b, RAFT_INDEX_KEYS);
}

/** structs.SatisfiesMetaFilters: every filter pair must be present with the same value. */
export function satisfiesMeta(meta: Record<string, string> | null | undefined, filters?: Record<string, string>): boolean {
  if (!filters) return true;
  for (const [k, v] of Object.entries(filters)) {
    if (!meta || meta[k] !== v) return false;
  }
  return true;
}

/** Case-insensitive tag match: every wanted tag must be on the service (Consul's serviceTagsFilter). */
export function hasAllTags(tags: readonly string[] | null | undefined, wanted?: readonly string[]): boolean {
  if (!wanted || wanted.length === 0) return true;
  const have = new Set((tags ?? []).map((t) => t.toLowerCase()));
  return wanted.every((t) => have.has(t.toLowerCase()));
}
