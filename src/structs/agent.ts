// Agent-local vocabulary: the agent's own services and checks, members, definitions.
import type { HealthCheck, ServiceAddress, Weights } from './catalog.js';

export interface AgentService {
  Kind?: string;
  ID: string;
  Service: string;
  Tags: string[];
  Meta: Record<string, string>;
  Port: number;
  Address: string;
  SocketPath?: string;
  TaggedAddresses?: Record<string, ServiceAddress>;
  Weights: Weights;
  EnableTagOverride: boolean;
  ContentHash?: string;
  Datacenter: string;
}

/** A check definition as the agent API and config files accept it (already canonical CamelCase). */
export interface CheckDefinition {
  ID?: string;
  CheckID?: string;
  Name?: string;
  Notes?: string;
  ServiceID?: string;
  Status?: string;
  Interval?: string | number;
  Timeout?: string | number;
  TTL?: string | number;
  Args?: string[];
  ScriptArgs?: string[];
  DockerContainerID?: string;
  Shell?: string;
  HTTP?: string;
  Method?: string;
  Header?: Record<string, string[]>;
  Body?: string;
  DisableRedirects?: boolean;
  TLSServerName?: string;
  TLSSkipVerify?: boolean;
  TCP?: string;
  TCPUseTLS?: boolean;
  UDP?: string;
  GRPC?: string;
  GRPCUseTLS?: boolean;
  H2PING?: string;
  H2PingUseTLS?: boolean;
  OSService?: string;
  AliasNode?: string;
  AliasService?: string;
  SuccessBeforePassing?: number;
  FailuresBeforeWarning?: number;
  FailuresBeforeCritical?: number;
  DeregisterCriticalServiceAfter?: string | number;
  OutputMaxSize?: number;
  Token?: string;
}

export interface ServiceDefinition {
  ID?: string;
  Name?: string;
  Kind?: string;
  Tags?: string[];
  Address?: string;
  TaggedAddresses?: Record<string, ServiceAddress>;
  Meta?: Record<string, string>;
  Port?: number;
  SocketPath?: string;
  EnableTagOverride?: boolean;
  Weights?: Weights;
  Check?: CheckDefinition;
  Checks?: CheckDefinition[];
  Token?: string;
  Proxy?: Record<string, unknown>;
  Connect?: Record<string, unknown>;
}

export interface AgentMember {
  Name: string;
  Addr: string;
  Port: number;
  Tags: Record<string, string>;
  Status: number;
  ProtocolMin: number;
  ProtocolMax: number;
  ProtocolCur: number;
  DelegateMin: number;
  DelegateMax: number;
  DelegateCur: number;
}

export type AgentCheck = HealthCheck;
