// Majority arithmetic over the voters (etcd's quorum/majority.go). Non-voters never count.

import type { NodeId } from './messages.js';

export type VoteResult = 'pending' | 'won' | 'lost';

export function quorumSize(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/**
 * The largest index acknowledged by a majority of `voters`, given each voter's acknowledged
 * index. An empty voter set commits nothing.
 */
export function committedIndex(voters: readonly NodeId[], acked: (id: NodeId) => number): number {
  if (voters.length === 0) return 0;
  const xs = voters.map(acked).sort((a, b) => b - a);
  return xs[quorumSize(voters.length) - 1]!;
}

/** Election outcome so far, given the votes received (true = granted, false = rejected). */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.length === 0) return 'won';
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) granted++;
  }
  const q = quorumSize(voters.length);
  if (granted >= q) return 'won';
  if (granted + missing >= q) return 'pending';
  return 'lost';
}
