// The Consul version whose API Conclave speaks, and our own build identity.
export const CONSUL_VERSION = '1.18.0';
export const VERSION_PRERELEASE = '';
export const VERSION_METADATA = '';
export const PRODUCT = 'Conclave';
export const REVISION = 'conclave';
export const BUILD_DATE = '2026-11-24T00:00:00Z';
/** The protocol versions we speak: Consul's raft protocol 3, serf protocol 2..5 ranges. */
export const RAFT_PROTOCOL = 3;
export const PROTOCOL_VERSION_MIN = 2;
export const PROTOCOL_VERSION_MAX = 3;
export const PROTOCOL_VERSION = 2;
