// Deliberate bugs, planted at run time (no source edits) to show the simulator finds them:
//   commit-old-term     the leader commits an entry of an earlier term by counting replicas
//                       (Raft §5.4.2 / Figure 8)
//   vote-before-fsync   the hard state (term, vote) is written after messages go out, so a vote
//                       can be forgotten by a crash after it was cast
//   skip-log-matching   a follower appends entries without checking the previous entry's term
//   ack-before-fsync    every message, append acknowledgements and votes included, leaves before
//                       the fsync of the entries and hard state it vouches for
//   local-reads         consistent reads are served from any server's local state (a canary for
//                       the linearizability checker)

import type { RawNode } from '../../src/raft/core/raw-node.js';
import type { Entry } from '../../src/raft/core/messages.js';
import type { ServerOptions } from './server.js';

export const MUTATIONS = ['commit-old-term', 'vote-before-fsync', 'skip-log-matching', 'ack-before-fsync', 'local-reads'] as const;
export type Mutation = (typeof MUTATIONS)[number];

export function isMutation(s: string): s is Mutation {
  return (MUTATIONS as readonly string[]).includes(s);
}

/** Server options that plant `m`. */
export function mutationOptions(m: Mutation | null): Partial<ServerOptions> {
  switch (m) {
    case null: return {};
    case 'vote-before-fsync': return { hardStateAfterSend: true };
    case 'local-reads': return { localReads: true };
    case 'ack-before-fsync': return { sendBeforeFsync: true };
    case 'commit-old-term': return { patchCore: commitOldTerm };
    case 'skip-log-matching': return { patchCore: skipLogMatching };
  }
}

function commitOldTerm(core: RawNode): void {
  const log = core.raft.log;
  log.maybeCommit = (maxIndex: number, _term: number): boolean => {
    if (maxIndex > log.committed) {
      log.commitTo(maxIndex);
      return true;
    }
    return false;
  };
}

function skipLogMatching(core: RawNode): void {
  const log = core.raft.log;
  log.maybeAppend = (index: number, _logTerm: number, committed: number, ents: Entry[]): number | null => {
    // The consistency check on (index, logTerm) is gone; everything else is as in RaftLog.
    if (index > log.lastIndex()) return null; // cannot append across a gap in memory
    const lastNew = index + ents.length;
    const ci = log.findConflict(ents);
    if (ci !== 0 && ci > log.committed) log.append(ents.slice(ci - (index + 1)));
    log.commitTo(Math.min(committed, lastNew, log.lastIndex()));
    return lastNew;
  };
}
