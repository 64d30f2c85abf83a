// What the HTTP layer needs from an agent. The agent implements it and hands itself in at start;
// http/ never imports agent/.
import type { RpcMethod, RpcMethods } from '../structs/requests.js';
import type { AgentCheck, AgentMember, AgentService, CheckDefinition, ServiceDefinition } from '../structs/agent.js';
import type { CheckStatus } from '../structs/catalog.js';

export interface AgentHttpConfig {
  nodeName: string;
  datacenter: string;
  devMode: boolean;
  kvMaxValueSize: number;
  txnMaxReqLen: number;
  discoveryMaxStaleMs: number;
  aclDefaultPolicy: 'allow' | 'deny';
  defaultToken: string;
  responseHeaders: Record<string, string>;
  ui: { enabled: boolean; dir: string | null; contentPath: string };
}

export interface AgentApi {
  readonly httpConfig: AgentHttpConfig;
  /** A server RPC: answered locally on servers, forwarded over :8300 from clients. */
  rpc<M extends RpcMethod>(method: M, args: RpcMethods[M]): Promise<any>;
  /**
   * rpc() for hot paths: on a server, a read it can answer at once (the lease covers it, or it may
   * be stale, and it does not block) comes back as the reply itself; everything else, and everything
   * on a client, as a promise. Errors found before any waiting are thrown.
   */
  call<M extends RpcMethod>(method: M, args: RpcMethods[M]): any;
  /**
   * The same read through the agent cache (`?cached`): 'simple' entries honour Cache-Control,
   * 'refresh' entries are kept current by a background blocking query. Null when caching is off.
   */
  cachedRpc<M extends RpcMethod>(
    method: M,
    args: RpcMethods[M],
    kind: 'simple' | 'refresh',
    cacheControl: string | undefined,
  ): Promise<{ reply: any; hit: boolean; ageSeconds: number } | null>;

  self(): Record<string, unknown>;
  members(wan: boolean): AgentMember[];
  localServices(): Record<string, AgentService>;
  localService(id: string): AgentService | null;
  localChecks(): Record<string, AgentCheck>;
  /** Resolves at the next change of local services/checks or after timeoutMs (hash blocking). */
  waitLocalChange(timeoutMs: number): Promise<void>;
  /** Throws HTTP-mappable errors with Consul's texts. */
  registerService(def: ServiceDefinition, replaceExistingChecks: boolean): Promise<void>;
  deregisterService(id: string): Promise<void>;
  registerCheck(def: CheckDefinition): Promise<void>;
  deregisterCheck(id: string): Promise<void>;
  updateTtlCheck(id: string, status: CheckStatus, output: string): Promise<void>;
  setNodeMaintenance(enable: boolean, reason: string): Promise<void>;
  setServiceMaintenance(id: string, enable: boolean, reason: string): Promise<void>;
  leave(): Promise<void>;
  reload(): Promise<void>;
  join(address: string, wan: boolean): Promise<number>;
  forceLeave(node: string, prune: boolean): Promise<void>;
  /** Fires a user event through gossip; returns the event as /v1/event/fire answers it. */
  fireEvent(name: string, payload: Buffer, filters: { node?: string; service?: string; tag?: string }): Promise<Record<string, unknown>>;
  /** The agent's buffered events (filtered); with index > 0, waits while the list's index equals it. */
  listEvents(
    filters: { name: string; node: string; service: string; tag: string },
    index: bigint,
    waitMs: number,
  ): Promise<{ events: Record<string, unknown>[]; index: bigint }>;
}
