// Outage recovery (Consul's raft/peers.json on a server that has raft state; hashicorp's
// RecoverCluster): force a new configuration onto an existing log. The FSM is rebuilt at the
// last log index — the latest snapshot plus every entry after it, committed or not — and saved
// as a snapshot whose configuration is the given server list; the log restarts after it.
//
// Like hashicorp's, this commits whatever the survivor's log holds, including entries the old
// cluster never committed. It is for operators who know the missing servers are gone for good.

import type { RaftServer, StateMachine } from '../api.js';
import { EntryType, NONE } from '../core/messages.js';
import { configurationProblem, encodeConfiguration } from './configuration.js';
import type { StorageLogger } from './io.js';
import type { RaftStorage } from './storage.js';

/** Returns false, changing nothing, when the storage has no raft state (bootstrap instead). */
export async function recoverConfiguration(
  storage: RaftStorage, fsm: StateMachine, servers: readonly RaftServer[], logger: StorageLogger,
): Promise<boolean> {
  const problem = configurationProblem(servers) ?? (servers.some((s) => s.suffrage === 'voter') ? null : 'at least one voter is required');
  if (problem) throw new RangeError(`raft recovery: ${problem}`);
  const hs = storage.hardStateNow();
  const snap = storage.latestSnapshot();
  const last = storage.lastIndex();
  if (last === 0 && hs.term === 0 && hs.vote === NONE && snap === null) return false;
  const list = servers.map((s) => ({ id: s.id, address: s.address, suffrage: s.suffrage }));
  if (last === 0) {
    // Raft state (a term or a vote) but no entries yet: the configuration becomes entry 1.
    const term = Math.max(1, hs.term);
    storage.append([{ index: 1, term, type: EntryType.ConfChange, data: encodeConfiguration(list) }]);
    storage.setHardState({ term, vote: hs.term === term ? hs.vote : NONE, commit: 1 });
    await storage.sync(true);
    logger.info('raft: recovered configuration (empty log)', { servers: list.map((s) => s.id) });
    return true;
  }
  if (snap) fsm.restore(snap.fsm, snap.index);
  const from = Math.max(storage.firstIndex(), (snap?.index ?? 0) + 1);
  let applied = 0;
  for (let i = from; i <= last;) {
    const batch = storage.entries(i, last + 1, 1024);
    for (const e of batch) {
      if (e.type !== EntryType.Normal || e.data.length === 0) continue;
      try {
        fsm.apply(e.index, e.term, e.data);
        applied++;
      } catch (err) {
        // The running cluster would have hit the same error applying this entry; carry on alike.
        logger.warn('raft recovery: FSM apply failed', { index: e.index, error: String(err) });
      }
    }
    i += batch.length;
  }
  const term = storage.term(last);
  if (term === null) throw new Error(`raft recovery: no term for the last index ${last}`);
  await storage.saveSnapshot({ index: last, term, configuration: { servers: list, index: last }, fsm: fsm.snapshot() }, true);
  storage.setHardState({ term: hs.term, vote: hs.vote, commit: last });
  await storage.sync(true);
  logger.info('raft: recovered configuration onto the existing log', {
    index: last, term, replayedEntries: applied, servers: list.map((s) => `${s.id}/${s.suffrage}`),
  });
  return true;
}
