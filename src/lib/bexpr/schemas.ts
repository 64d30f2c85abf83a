// Field schemas for the rows Consul filters, from the Go structs go-bexpr reflects over
// (agent/structs: Node, NodeService, ServiceNode, HealthCheck, CheckServiceNode;
// api.AgentService; serf.Member) and the field tables in Consul's structs_filtering_test.go.
// Fields absent from Consul's field tables (RaftIndex, EnterpriseMeta, check Definition,
// opaque Config maps, newer additions such as Locality) are left out, so selecting them is
// an error here, as it is in the Consul versions those tables describe.

import { type StructType, t } from './schema.js';

const stringMap = t.map(t.string);

const serviceAddress = t.struct({ Address: t.string, Port: t.int });

const weights = t.struct({ Passing: t.int, Warning: t.int });

const meshGateway = t.struct({ Mode: t.string });

const upstream = t.struct({
  DestinationType: t.string,
  DestinationNamespace: t.string,
  DestinationPartition: t.string,
  DestinationPeer: t.string,
  DestinationName: t.string,
  Datacenter: t.string,
  LocalBindAddress: t.string,
  LocalBindPort: t.int,
  LocalBindSocketPath: t.string,
  LocalBindSocketMode: t.string,
  MeshGateway: meshGateway,
});

const exposePath = t.struct({
  ListenerPort: t.int,
  Path: t.string,
  LocalPathPort: t.int,
  Protocol: t.string,
  ParsedFromCheck: t.bool,
});

const connectProxyConfig = t.struct({
  EnvoyExtensions: t.slice(
    t.struct({ Name: t.string, Required: t.bool, ConsulVersion: t.string, EnvoyVersion: t.string }),
  ),
  DestinationServiceName: t.string,
  DestinationServiceID: t.string,
  LocalServiceAddress: t.string,
  LocalServicePort: t.int,
  LocalServiceSocketPath: t.string,
  Mode: t.string,
  Upstreams: t.slice(upstream),
  MeshGateway: meshGateway,
  Expose: t.struct({ Checks: t.bool, Paths: t.slice(exposePath) }),
  TransparentProxy: t.struct({ OutboundListenerPort: t.int, DialedDirectly: t.bool }),
  AccessLogs: t.struct({
    Enabled: t.bool,
    DisableListenerLogs: t.bool,
    Type: t.string,
    Path: t.string,
    JSONPath: t.string,
    TextPath: t.string,
  }),
});

const serviceConnect = t.struct({ Native: t.bool });

/** structs.Node (catalog/nodes rows; CheckServiceNode.Node). */
const node: StructType = t.struct({
  ID: t.string,
  Node: t.string,
  Partition: t.string,
  PeerName: t.string,
  Address: t.string,
  Datacenter: t.string,
  TaggedAddresses: stringMap,
  Meta: stringMap,
});

/**
 * structs.NodeService, which api.AgentService mirrors field for field (Consul's own test
 * checks the two configurations are equal). Consul's table names the Connect block
 * "ServiceConnect" while its docs say "Connect"; both are accepted.
 */
const nodeService: StructType = t.struct({
  Kind: t.string,
  ID: t.string,
  Service: t.string,
  Tags: t.slice(t.string),
  Address: t.string,
  TaggedAddresses: t.map(serviceAddress),
  Meta: stringMap,
  Port: t.int,
  SocketPath: t.string,
  Weights: weights,
  EnableTagOverride: t.bool,
  Proxy: connectProxyConfig,
  ServiceConnect: t.field(serviceConnect, { json: 'Connect', aliases: ['Connect'] }),
  PeerName: t.string,
});

/** structs.ServiceNode (catalog/service rows). */
const serviceNode: StructType = t.struct({
  ID: t.string,
  Node: t.string,
  Address: t.string,
  Datacenter: t.string,
  TaggedAddresses: stringMap,
  NodeMeta: stringMap,
  ServiceKind: t.string,
  ServiceID: t.string,
  ServiceName: t.string,
  ServiceTags: t.slice(t.string),
  ServiceAddress: t.string,
  ServiceTaggedAddresses: t.map(serviceAddress),
  ServiceMeta: stringMap,
  ServicePort: t.int,
  ServiceSocketPath: t.string,
  ServiceWeights: weights,
  ServiceEnableTagOverride: t.bool,
  ServiceProxy: connectProxyConfig,
  ServiceConnect: serviceConnect,
  PeerName: t.string,
});

/**
 * structs.HealthCheck (health/node, health/checks, health/state rows; agent/checks values).
 * Consul's field table spells the ID "CheckId", its docs "CheckID"; both are accepted.
 */
const healthCheck: StructType = t.struct({
  Node: t.string,
  CheckID: t.field(t.string, { aliases: ['CheckId'] }),
  Name: t.string,
  Status: t.string,
  Notes: t.string,
  Output: t.string,
  ServiceID: t.string,
  ServiceName: t.string,
  ServiceTags: t.slice(t.string),
  Type: t.string,
  Interval: t.string,
  Timeout: t.string,
  ExposedPort: t.int,
  PeerName: t.string,
});

/** structs.CheckServiceNode (health/service rows). */
const checkServiceNode: StructType = t.struct({
  Node: node,
  Service: nodeService,
  Checks: t.slice(healthCheck),
});

/**
 * serf.Member (agent/members rows). Addr is a net.IP ([]byte) in Go; here it is the string the
 * JSON carries, so `Addr == "10.0.0.1"` works (Consul would refuse == on a byte slice).
 */
const member: StructType = t.struct({
  Name: t.string,
  Addr: t.string,
  Port: t.uint16,
  Tags: stringMap,
  Status: t.int,
  ProtocolMin: t.uint8,
  ProtocolMax: t.uint8,
  ProtocolCur: t.uint8,
  DelegateMin: t.uint8,
  DelegateMax: t.uint8,
  DelegateCur: t.uint8,
});

export const schemas = {
  node,
  serviceNode,
  nodeService,
  healthCheck,
  checkServiceNode,
  member,
  /** /v1/agent/services values (api.AgentService has NodeService's filterable fields). */
  agentService: nodeService,
  /** /v1/agent/checks values (Consul filters its structs.HealthCheck map). */
  agentCheck: healthCheck,
} as const satisfies Record<string, StructType>;

export type SchemaName = keyof typeof schemas;
