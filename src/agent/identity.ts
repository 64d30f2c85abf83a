// Who this agent is, as Consul reports it: the catalog node it syncs, the gossip tags servers and
// clients recognise each other by, and the /v1/agent/self document (read by `consul info`).
import os from 'node:os';
import type { RuntimeConfig } from '../config/index.js';
import type { AgentMember } from '../structs/agent.js';
import { BUILD_DATE, CONSUL_VERSION, RAFT_PROTOCOL, REVISION } from '../lib/version.js';
import type { NodeInfo } from './anti-entropy.js';

export function nodeInfo(c: RuntimeConfig): NodeInfo {
  const addr = c.advertiseAddr;
  const wan = c.advertiseAddrWan || addr;
  return {
    ID: c.nodeId,
    Node: c.nodeName,
    Address: addr,
    TaggedAddresses: { lan: addr, lan_ipv4: addr, wan, wan_ipv4: wan, ...c.taggedAddresses },
    Meta: { 'consul-network-segment': '', 'consul-version': CONSUL_VERSION, ...c.nodeMeta },
    Datacenter: c.datacenter,
  };
}

/** Consul's serf tags: role, dc, id, versions, and for servers the RPC port and bootstrap settings. */
export function serfTags(c: RuntimeConfig): Record<string, string> {
  const tags: Record<string, string> = {
    acls: c.acl.enabled ? '1' : '0',
    build: `${CONSUL_VERSION}:${REVISION}`,
    dc: c.datacenter,
    ft_fs: '1',
    ft_si: '1',
    id: c.nodeId,
    role: c.server ? 'consul' : 'node',
    segment: '',
    vsn: '2',
    vsn_max: '3',
    vsn_min: '2',
  };
  if (c.server) {
    tags.port = String(c.ports.server);
    tags.raft_vsn = String(RAFT_PROTOCOL);
    tags.wan_join_port = String(c.ports.serfWan);
    if (c.bootstrap) tags.bootstrap = '1';
    if (c.bootstrapExpect > 0) tags.expect = String(c.bootstrapExpect);
    if (c.ports.grpc > 0) tags.grpc_port = String(c.ports.grpc);
  }
  return tags;
}

/** Our own member entry when gossip is off (-serf-lan-port -1). */
export function selfMember(c: RuntimeConfig): AgentMember {
  return {
    Name: c.nodeName,
    Addr: c.advertiseAddr,
    Port: c.ports.serfLan,
    Tags: serfTags(c),
    Status: 1,
    ProtocolMin: 1,
    ProtocolMax: 5,
    ProtocolCur: 2,
    DelegateMin: 2,
    DelegateMax: 5,
    DelegateCur: 4,
  };
}

export interface SelfInputs {
  config: RuntimeConfig;
  member: AgentMember;
  /** Server-only sections (consul, raft), absent on clients. */
  serverStats: Record<string, Record<string, string>> | null;
  serfStats: Record<string, string>;
  knownServers: number;
  counts: { checkMonitors: number; checkTtls: number; checks: number; services: number };
  startedAtMs: number;
}

export function buildSelf(i: SelfInputs): Record<string, unknown> {
  const c = i.config;
  const cpus = String(os.cpus().length);
  return {
    Config: {
      Datacenter: c.datacenter,
      PrimaryDatacenter: c.primaryDatacenter,
      NodeName: c.nodeName,
      NodeID: c.nodeId,
      Revision: REVISION,
      Server: c.server,
      Version: CONSUL_VERSION,
      BuildDate: BUILD_DATE,
    },
    DebugConfig: {
      Datacenter: c.datacenter,
      NodeName: c.nodeName,
      NodeID: c.nodeId,
      DataDir: c.dataDir,
      DevMode: c.devMode,
      ServerMode: c.server,
      Bootstrap: c.bootstrap,
      BootstrapExpect: c.bootstrapExpect,
      BindAddr: c.bindAddr,
      AdvertiseAddrLAN: c.advertiseAddr,
      ClientAddrs: c.clientAddrs,
      HTTPPort: c.ports.http,
      DNSPort: c.ports.dns,
      ServerPort: c.ports.server,
      SerfPortLAN: c.ports.serfLan,
      UIConfig: { Enabled: c.ui.enabled, Dir: c.ui.dir ?? '', ContentPath: c.ui.contentPath },
      RaftSnapshotThreshold: c.snapshotThreshold,
      RaftTrailingLogs: c.trailingLogs,
    },
    Coord: { Vec: [0, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 1e-5 },
    Member: i.member,
    Stats: {
      agent: {
        check_monitors: String(i.counts.checkMonitors),
        check_ttls: String(i.counts.checkTtls),
        checks: String(i.counts.checks),
        services: String(i.counts.services),
      },
      build: { prerelease: '', revision: REVISION, version: CONSUL_VERSION, version_metadata: '' },
      consul: i.serverStats?.consul ?? { acl: 'disabled', known_servers: String(i.knownServers), server: 'false' },
      raft: i.serverStats?.raft ?? {},
      runtime: {
        arch: os.arch() === 'x64' ? 'amd64' : os.arch(),
        cpu_count: cpus,
        goroutines: '0',
        max_procs: cpus,
        os: process.platform,
        version: process.version,
      },
      // Placeholders first: what gossip reports wins.
      serf_lan: {
        coordinate_resets: '0',
        event_queue: '0',
        event_time: '1',
        failed: '0',
        health_score: '0',
        intent_queue: '0',
        left: '0',
        member_time: '1',
        members: '1',
        query_queue: '0',
        query_time: '1',
        ...i.serfStats,
        encrypted: String(!!c.encrypt),
      },
    },
    Meta: nodeInfo(c).Meta,
    UptimeSeconds: Math.floor((Date.now() - i.startedAtMs) / 1000),
  };
}
