// Catalog vocabulary. Field names mirror Consul's JSON exactly, so rows go to the wire untranslated.

export type CheckStatus = 'passing' | 'warning' | 'critical';
export const CHECK_STATUSES: readonly CheckStatus[] = ['passing', 'warning', 'critical'];
export const HealthAny = 'any';

export const SERF_CHECK_ID = 'serfHealth';
export const SERF_CHECK_NAME = 'Serf Health Status';
export const SERF_ALIVE_OUTPUT = 'Agent alive and reachable';
export const SERF_FAILED_OUTPUT = 'Agent not live or unreachable';
export const NODE_MAINT_CHECK_ID = '_node_maintenance';
export const SERVICE_MAINT_PREFIX = '_service_maintenance:';
export const CONSUL_SERVICE_ID = 'consul';
export const CONSUL_SERVICE_NAME = 'consul';

export interface Weights {
  Passing: number;
  Warning: number;
}

export interface ServiceAddress {
  Address: string;
  Port: number;
}

export interface RaftIndex {
  CreateIndex: number;
  ModifyIndex: number;
}

/** A catalog node. */
export interface Node extends RaftIndex {
  ID: string;
  Node: string;
  Address: string;
  Datacenter: string;
  TaggedAddresses: Record<string, string> | null;
  Meta: Record<string, string> | null;
}

/** A service instance on a node (catalog view; the agent's view is AgentService). */
export interface NodeService extends RaftIndex {
  Kind?: string;
  ID: string;
  Service: string;
  Tags: string[];
  Address: string;
  TaggedAddresses?: Record<string, ServiceAddress>;
  Meta: Record<string, string>;
  Port: number;
  SocketPath?: string;
  Weights: Weights;
  EnableTagOverride: boolean;
  Proxy?: Record<string, unknown>;
  Connect?: Record<string, unknown>;
}

/** Check definition as echoed in HealthCheck.Definition (durations as Go strings on the wire). */
export interface HealthCheckDefinition {
  HTTP?: string;
  TLSServerName?: string;
  TLSSkipVerify?: boolean;
  Header?: Record<string, string[]>;
  Method?: string;
  Body?: string;
  DisableRedirects?: boolean;
  TCP?: string;
  TCPUseTLS?: boolean;
  UDP?: string;
  H2PING?: string;
  H2PingUseTLS?: boolean;
  GRPC?: string;
  GRPCUseTLS?: boolean;
  OSService?: string;
  Interval?: string;
  Timeout?: string;
  DeregisterCriticalServiceAfter?: string;
  ScriptArgs?: string[] | null;
  AliasNode?: string;
  AliasService?: string;
  TTL?: string;
}

export interface HealthCheck extends RaftIndex {
  Node: string;
  CheckID: string;
  Name: string;
  Status: CheckStatus;
  Notes: string;
  Output: string;
  ServiceID: string;
  ServiceName: string;
  ServiceTags: string[];
  Type: string;
  Interval: string;
  Timeout: string;
  ExposedPort: number;
  Definition: HealthCheckDefinition;
}

/** catalog/service answer row: node fields flattened with Service* fields. */
export interface ServiceNode extends RaftIndex {
  ID: string;
  Node: string;
  Address: string;
  Datacenter: string;
  TaggedAddresses: Record<string, string> | null;
  NodeMeta: Record<string, string> | null;
  ServiceKind: string;
  ServiceID: string;
  ServiceName: string;
  ServiceTags: string[];
  ServiceAddress: string;
  ServiceTaggedAddresses?: Record<string, ServiceAddress>;
  ServiceWeights: Weights;
  ServiceMeta: Record<string, string>;
  ServicePort: number;
  ServiceSocketPath: string;
  ServiceEnableTagOverride: boolean;
  ServiceProxy: Record<string, unknown>;
  ServiceConnect: Record<string, unknown>;
}

/** health/service answer row. */
export interface CheckServiceNode {
  Node: Node;
  Service: NodeService;
  Checks: HealthCheck[];
}

/** Body of PUT /v1/catalog/register and the Register raft command (already normalised). */
export interface RegisterRequest {
  Datacenter?: string;
  ID?: string;
  Node: string;
  Address: string;
  TaggedAddresses?: Record<string, string> | null;
  NodeMeta?: Record<string, string> | null;
  Service?: NodeService | null;
  Check?: HealthCheck | null;
  Checks?: HealthCheck[] | null;
  SkipNodeUpdate?: boolean;
}

export interface DeregisterRequest {
  Datacenter?: string;
  Node: string;
  ServiceID?: string;
  CheckID?: string;
}

export function defaultWeights(): Weights {
  return { Passing: 1, Warning: 1 };
}

/** A node with every absent field at its zero value (indexes kept when given). */
export function nodeWithDefaults(n: Partial<Node>): Node {
  return {
    ID: n.ID ?? '',
    Node: n.Node ?? '',
    Address: n.Address ?? '',
    Datacenter: n.Datacenter ?? '',
    TaggedAddresses: n.TaggedAddresses ?? null,
    Meta: n.Meta ?? null,
    CreateIndex: n.CreateIndex ?? 0,
    ModifyIndex: n.ModifyIndex ?? 0,
  };
}

/** A service with Consul's defaults for every absent field (indexes kept when given). */
export function serviceWithDefaults(s: Partial<NodeService>): NodeService {
  const w = s.Weights ?? defaultWeights();
  const out: NodeService = {
    ID: s.ID ?? '',
    Service: s.Service ?? '',
    Tags: s.Tags ?? [],
    Address: s.Address ?? '',
    Meta: s.Meta ?? {},
    Port: s.Port ?? 0,
    // Consul reports a non-positive Passing weight as 1.
    Weights: { Passing: w.Passing > 0 ? w.Passing : 1, Warning: w.Warning ?? 1 },
    EnableTagOverride: !!s.EnableTagOverride,
    CreateIndex: s.CreateIndex ?? 0,
    ModifyIndex: s.ModifyIndex ?? 0,
  };
  if (s.Kind) out.Kind = s.Kind;
  if (s.TaggedAddresses && Object.keys(s.TaggedAddresses).length > 0) out.TaggedAddresses = s.TaggedAddresses;
  if (s.SocketPath) out.SocketPath = s.SocketPath;
  if (s.Proxy) out.Proxy = s.Proxy;
  if (s.Connect) out.Connect = s.Connect;
  return out;
}

/** A health check with Consul's defaults (CheckID from Name, status critical; indexes kept when given). */
export function checkWithDefaults(c: Partial<HealthCheck>): HealthCheck {
  return {
    Node: c.Node ?? '',
    CheckID: c.CheckID || c.Name || '',
    Name: c.Name ?? '',
    Status: (c.Status || 'critical') as CheckStatus,
    Notes: c.Notes ?? '',
    Output: c.Output ?? '',
    ServiceID: c.ServiceID ?? '',
    ServiceName: c.ServiceName ?? '',
    ServiceTags: c.ServiceTags ?? [],
    Type: c.Type ?? '',
    Interval: c.Interval ?? '',
    Timeout: c.Timeout ?? '',
    ExposedPort: c.ExposedPort ?? 0,
    Definition: c.Definition ?? {},
    CreateIndex: c.CreateIndex ?? 0,
    ModifyIndex: c.ModifyIndex ?? 0,
  };
}

/** Flattens a node + service into the catalog/service row shape (field order as Consul prints it). */
export function toServiceNode(node: Node, svc: NodeService): ServiceNode {
  const row: ServiceNode = {
    ID: node.ID,
    Node: node.Node,
    Address: node.Address,
    Datacenter: node.Datacenter,
    TaggedAddresses: node.TaggedAddresses,
    NodeMeta: node.Meta,
    ServiceKind: svc.Kind ?? '',
    ServiceID: svc.ID,
    ServiceName: svc.Service,
    ServiceTags: svc.Tags,
    ServiceAddress: svc.Address,
    ServiceTaggedAddresses: svc.TaggedAddresses,
    ServiceWeights: svc.Weights,
    ServiceMeta: svc.Meta,
    ServicePort: svc.Port,
    ServiceSocketPath: svc.SocketPath ?? '',
    ServiceEnableTagOverride: svc.EnableTagOverride,
    ServiceProxy: svc.Proxy ?? { Mode: '', MeshGateway: {}, Expose: {} },
    ServiceConnect: svc.Connect ?? {},
    CreateIndex: svc.CreateIndex,
    ModifyIndex: svc.ModifyIndex,
  };
  if (row.ServiceTaggedAddresses === undefined) delete row.ServiceTaggedAddresses;
  return row;
}
