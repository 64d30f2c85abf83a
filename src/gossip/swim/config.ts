// SWIM configuration. Defaults are memberlist's DefaultLANConfig, which Consul uses for its LAN pool.

export interface SwimConfig {
  /** Unique node name (memberlist Name). */
  name: string;
  /** Address and port other members should use to reach us (advertise). */
  advertiseAddr: string;
  advertisePort: number;
  /** Time between probes of a random member; scaled by the Lifeguard health score. Default 1000 ms. */
  probeIntervalMs: number;
  /** How long to wait for a direct ack before indirect probes; not scaled. Default 500 ms. */
  probeTimeoutMs: number;
  /** Members asked to probe indirectly when a direct probe fails. Default 3. */
  indirectChecks: number;
  /** Time between gossip rounds. Default 200 ms. */
  gossipIntervalMs: number;
  /** Members gossiped to per round. Default 3. */
  gossipNodes: number;
  /** Keep gossiping to a dead member for this long so it can refute. Default 30 s. */
  gossipToTheDeadMs: number;
  /** Suspicion timeout = mult * max(1, log10(n)) * probeInterval. Default 4. */
  suspicionMult: number;
  /** Upper bound of the suspicion timeout as a multiple of the lower bound. Default 6. */
  suspicionMaxTimeoutMult: number;
  /** Broadcasts are sent retransmitMult * ceil(log10(n+1)) times. Default 4. */
  retransmitMult: number;
  /** Full state sync with a random member; scaled up above 32 members. Default 30 s. */
  pushPullIntervalMs: number;
  /** Lifeguard: the health score ranges over [0, awarenessMaxMultiplier). Default 8. */
  awarenessMaxMultiplier: number;
  /** Largest UDP packet we build. Default 1400. */
  udpBufferSize: number;
  /** Bytes a label header adds to each packet (the driver adds it). */
  labelOverhead: number;
  /** memberlist protocol versions we speak: min 1, max 5, current 2 (ProtocolVersion2Compatible). */
  protocolMin: number;
  protocolMax: number;
  protocolCur: number;
  /** Delegate (serf) protocol versions. */
  delegateMin: number;
  delegateMax: number;
  delegateCur: number;
  /** Send TCP pings to members that fail UDP probes (memberlist does unless DisableTcpPings). */
  tcpPings: boolean;
}

export function defaultLanSwimConfig(name: string, advertiseAddr: string, advertisePort: number): SwimConfig {
  return {
    name,
    advertiseAddr,
    advertisePort,
    probeIntervalMs: 1000,
    probeTimeoutMs: 500,
    indirectChecks: 3,
    gossipIntervalMs: 200,
    gossipNodes: 3,
    gossipToTheDeadMs: 30_000,
    suspicionMult: 4,
    suspicionMaxTimeoutMult: 6,
    retransmitMult: 4,
    pushPullIntervalMs: 30_000,
    awarenessMaxMultiplier: 8,
    udpBufferSize: 1400,
    labelOverhead: 0,
    protocolMin: 1,
    protocolMax: 5,
    protocolCur: 2,
    delegateMin: 2,
    delegateMax: 5,
    delegateCur: 4,
    tcpPings: true,
  };
}

/** Suspicion lower bound: mult * max(1, log10(max(1, n))) * interval (memberlist suspicionTimeout). */
export function suspicionTimeoutMs(mult: number, n: number, intervalMs: number): number {
  const nodeScale = Math.max(1, Math.log10(Math.max(1, n)));
  return Math.floor((mult * Math.floor(nodeScale * 1000) * intervalMs) / 1000);
}

/** Broadcast transmit limit: mult * ceil(log10(n + 1)). */
export function retransmitLimit(mult: number, n: number): number {
  return mult * Math.ceil(Math.log10(n + 1));
}

/** Push/pull interval scaled for large clusters (memberlist pushPullScale, threshold 32). */
export function pushPullScaleMs(intervalMs: number, n: number): number {
  const threshold = 32;
  if (n <= threshold) return intervalMs;
  const multiplier = Math.ceil(Math.log2(n) - Math.log2(threshold)) + 1;
  return multiplier * intervalMs;
}
