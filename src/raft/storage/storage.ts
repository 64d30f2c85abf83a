// The storage a RaftNode writes to and the core reads from. Two implementations: DiskStorage
// (WAL segments + snapshot files under <dataDir>/raft) and MemoryStorage (consul agent -dev and
// the simulator). Calls never overlap: the driver awaits sync()/saveSnapshot() one at a time.

import type { RaftConfiguration, SnapshotStream } from '../api.js';
import type { ConfState, Entry, HardState, Snapshot, SnapshotMeta } from '../core/messages.js';
import type { LogReader } from '../core/log-storage.js';
import { pack, unpack } from 'msgpackr';
import { releasePackBuffer } from '../../lib/msgpack-buffer.js';

/** A snapshot as stored: the FSM bytes plus what Raft needs to resume after it. */
export interface StoredSnapshot {
  index: number;
  term: number;
  configuration: RaftConfiguration;
  fsm: Uint8Array;
}

/** A snapshot to store: the FSM state as whole bytes or as a stream of pieces (see SnapshotStream). */
export interface SnapshotToSave {
  index: number;
  term: number;
  configuration: RaftConfiguration;
  fsm: Uint8Array | SnapshotStream;
}

export interface RaftStorage extends LogReader {
  readonly kind: 'disk' | 'memory';
  /** Appends entries, replacing any suffix from entries[0].index. Visible at once; durable after sync(). */
  append(entries: readonly Entry[]): void;
  /** Records the hard state. Visible at once; durable after sync(). */
  setHardState(hs: HardState): void;
  /**
   * Writes everything buffered since the last call and, when `mustSync`, makes it durable with
   * one fdatasync (group commit). Rejects on an I/O error, after which the storage is unusable.
   */
  sync(mustSync: boolean): Promise<void>;
  /**
   * Durably stores a snapshot. `resetLog`: the snapshot came from the leader and the log does not
   * agree with it, so the log restarts after the snapshot's index.
   */
  saveSnapshot(snap: SnapshotToSave, resetLog: boolean): Promise<void>;
  /** The latest snapshot, or null. DiskStorage reads it from its file on each call (it is large). */
  latestSnapshot(): StoredSnapshot | null;
  /** Discards entries up to and including `index` (which must be covered by a snapshot). */
  compact(index: number): void;
  hardStateNow(): HardState;
  /** Number of fdatasync/fsync calls issued so far (for stats and benchmarks). */
  syncCount(): number;
  close(): Promise<void>;
}

export function confStateOf(c: RaftConfiguration): ConfState {
  return {
    voters: c.servers.filter((s) => s.suffrage === 'voter').map((s) => s.id),
    learners: c.servers.filter((s) => s.suffrage === 'nonvoter').map((s) => s.id),
  };
}

export const emptyConfiguration: RaftConfiguration = { servers: [], index: 0 };

/** The core's view of a stored snapshot (index 0 and no servers when there is none). */
export function snapshotMetaOf(s: Pick<StoredSnapshot, 'index' | 'term' | 'configuration'> | null): SnapshotMeta {
  return s ? { index: s.index, term: s.term, confState: confStateOf(s.configuration) } : { index: 0, term: 0, confState: { voters: [], learners: [] } };
}

/** The bytes a leader ships in MsgSnap: configuration and FSM state together. */
export function encodeSnapshotForCore(s: StoredSnapshot): Snapshot {
  const data = pack({ configuration: s.configuration, fsm: s.fsm });
  releasePackBuffer(); // `data` keeps its bytes; msgpackr's shared buffer shrinks back
  return { meta: { index: s.index, term: s.term, confState: confStateOf(s.configuration) }, data };
}

/** Every piece of `fsm` copied into one array (the pieces of a stream may share one buffer). */
export function fsmBytes(fsm: Uint8Array | SnapshotStream): Uint8Array {
  if (fsm instanceof Uint8Array) return fsm;
  const pieces: Uint8Array[] = [];
  for (const c of fsm.chunks()) pieces.push(Uint8Array.prototype.slice.call(c));
  return Buffer.concat(pieces);
}

export function decodeSnapshotFromCore(s: Snapshot): StoredSnapshot {
  const body = unpack(s.data) as { configuration: RaftConfiguration; fsm: Uint8Array };
  return { index: s.meta.index, term: s.meta.term, configuration: body.configuration, fsm: body.fsm };
}
