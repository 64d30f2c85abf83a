// Consul's /v1/agent/self Stats.raft: hashicorp/raft's Stats(), every value a string.
import type { RaftStatus } from './api.js';

export function raftStats(s: RaftStatus, selfId: string): Record<string, string> {
  const others = s.configuration.servers.filter((x) => x.suffrage === 'voter' && x.id !== selfId).length;
  const state = { leader: 'Leader', follower: 'Follower', candidate: 'Candidate', precandidate: 'Candidate' }[s.role];
  const lastContact = s.role === 'leader' ? '0' : s.lastContactMs < 0 ? 'never' : formatGoDuration(s.lastContactMs);
  const conf = '[' + s.configuration.servers.map((x) => `{Suffrage:${x.suffrage === 'voter' ? 'Voter' : 'Nonvoter'} ID:${x.id} Address:${x.address}}`).join(' ') + ']';
  return {
    applied_index: String(s.appliedIndex), commit_index: String(s.commitIndex), fsm_pending: '0',
    last_contact: lastContact, last_log_index: String(s.lastLogIndex), last_log_term: String(s.lastLogTerm),
    last_snapshot_index: String(s.lastSnapshotIndex), last_snapshot_term: String(s.lastSnapshotTerm),
    latest_configuration: conf, latest_configuration_index: String(s.configuration.index), num_peers: String(others),
    protocol_version: '3', protocol_version_max: '3', protocol_version_min: '0',
    snapshot_version_max: '1', snapshot_version_min: '0', state, term: String(s.term),
  };
}

/** Go's time.Duration String() for milliseconds, as Consul prints last_contact ("12.5ms", "1.2s"). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1) return `${+(ms * 1000).toFixed(3)}µs`;
  if (ms < 1000) return `${+ms.toFixed(6)}ms`;
  return `${+(ms / 1000).toFixed(9)}s`;
}
