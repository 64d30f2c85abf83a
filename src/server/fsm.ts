// The finite state machine: applies committed raft entries to the state store. The only writer.
// Operating errors (bad input that slipped past the endpoint, CAS failures) become the entry's result;
// an unknown command type stops the server rather than letting replicas diverge (Consul does the same).
import type { SnapshotStream, StateMachine } from '../raft/api.js';
import { StateStore } from '../state/store.js';
import { decodeCommand } from './codec.js';
import { IgnoreUnknownTypeFlag, MessageType } from '../structs/message-type.js';
import type { DeregisterRequest, RegisterRequest } from '../structs/catalog.js';
import type { DirEntry, KVSRequest } from '../structs/kv.js';
import type { SessionRequest } from '../structs/session.js';
import type { TxnOp } from '../structs/txn.js';
import type { Clock } from '../lib/clock.js';
import { ConclaveError } from '../lib/errors.js';

export class FsmError {
  constructor(readonly message: string, readonly code: string) {}
}

export class Fsm implements StateMachine {
  private current: StateStore;
  private listeners: Array<(store: StateStore) => void> = [];

  constructor(private readonly clock?: Clock) {
    this.current = new StateStore({ clock });
  }

  get store(): StateStore {
    return this.current;
  }

  /** Called after a restore swapped in a new store (endpoints re-read `fsm.store` each time anyway). */
  onRestore(fn: (store: StateStore) => void): void {
    this.listeners.push(fn);
  }

  apply(index: number, _term: number, data: Uint8Array): unknown {
    const { type, payload } = decodeCommand(data);
    try {
      return this.dispatch(index, type, payload);
    } catch (err) {
      if (err instanceof ConclaveError) return new FsmError(err.message, err.code);
      throw err;
    }
  }

  private dispatch(index: number, type: number, payload: unknown): unknown {
    const store = this.current;
    switch (type) {
      case MessageType.Noop:
        return null;
      case MessageType.Register:
        store.ensureRegistration(index, payload as RegisterRequest);
        return null;
      case MessageType.Deregister:
        return this.applyDeregister(index, payload as DeregisterRequest);
      case MessageType.KVS:
        return this.applyKVS(index, payload as KVSRequest);
      case MessageType.Session:
        return this.applySession(index, payload as SessionRequest);
      case MessageType.Txn:
        return store.txn(index, (payload as { Ops: TxnOp[] }).Ops.map(normaliseTxnOp), { enforceLockDelay: false });
      case MessageType.TombstoneReap:
        store.reapTombstones((payload as { ReapIndex: number }).ReapIndex);
        return null;
      default:
        if (type & IgnoreUnknownTypeFlag) return null;
        throw new Error(`failed to apply request: unknown message type ${type} at index ${index}`);
    }
  }

  private applyDeregister(index: number, req: DeregisterRequest): unknown {
    const store = this.current;
    if (req.ServiceID) store.deleteService(index, req.Node, req.ServiceID);
    else if (req.CheckID) store.deleteCheck(index, req.Node, req.CheckID);
    else store.deleteNode(index, req.Node);
    return null;
  }

  private applyKVS(index: number, req: KVSRequest): unknown {
    const store = this.current;
    const e = normaliseEntry(req.Entry);
    switch (req.Op) {
      case 'set':
        store.kvsSet(index, e);
        return true;
      case 'cas':
        return store.kvsCAS(index, e);
      case 'lock':
        // Lock-delay is judged by the leader before proposing (clocks differ between replicas).
        return store.kvsLock(index, e, { enforceLockDelay: false });
      case 'unlock':
        return store.kvsUnlock(index, e);
      case 'delete':
        store.kvsDelete(index, e.Key);
        return true;
      case 'delete-cas':
        return store.kvsDeleteCAS(index, e.Key, e.ModifyIndex);
      case 'delete-tree':
        store.kvsDeleteTree(index, e.Key);
        return true;
      default:
        return new FsmError(`Invalid KVS operation '${req.Op}'`, 'ERR_BAD_REQUEST');
    }
  }

  private applySession(index: number, req: SessionRequest): unknown {
    const store = this.current;
    if (req.Op === 'create') {
      store.sessionCreate(index, req.Session);
      return req.Session.ID;
    }
    if (req.Op === 'destroy') {
      store.sessionDestroy(index, req.Session.ID);
      return true;
    }
    return new FsmError(`Invalid session operation '${String(req.Op)}'`, 'ERR_BAD_REQUEST');
  }

  snapshot(): SnapshotStream {
    // Streamed: raft writes the pieces to the snapshot file as they are produced.
    return this.current.snapshotStream();
  }

  restore(data: Uint8Array, _index: number): void {
    const next = StateStore.restore(data, { clock: this.clock });
    const old = this.current;
    this.current = next;
    old.abandon();
    for (const fn of this.listeners) fn(next);
  }
}

function normaliseEntry(e: DirEntry): DirEntry {
  return {
    Key: e.Key,
    Value: e.Value ?? null,
    Flags: typeof e.Flags === 'bigint' ? e.Flags : BigInt(e.Flags ?? 0),
    Session: e.Session ?? '',
    LockIndex: e.LockIndex ?? 0,
    CreateIndex: e.CreateIndex ?? 0,
    ModifyIndex: e.ModifyIndex ?? 0,
  };
}

function normaliseTxnOp(op: TxnOp): TxnOp {
  if ('KV' in op) return { KV: { Verb: op.KV.Verb, Entry: normaliseEntry(op.KV.Entry) } };
  return op;
}
