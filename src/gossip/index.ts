// Public surface of src/gossip: the Gossip facade and the types the agent needs.
export { Gossip, resolveJoinAddr, type GossipOptions, type GossipUserEvent, type GossipMember } from './gossip.js';
export type { MemberStatus } from './serf/types.js';
