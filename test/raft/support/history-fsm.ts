// An FSM whose state is its whole history of (index, command): the crash test can then check
// every acknowledged entry survived, whether it came back through a snapshot or the WAL.
import { pack, unpack } from 'msgpackr';
import type { StateMachine } from '../../../src/raft/api.js';

export class HistoryFsm implements StateMachine {
  history: [number, string][] = [];

  apply(index: number, _term: number, data: Uint8Array): unknown {
    const last = this.history[this.history.length - 1];
    if (last && index <= last[0]) throw new Error(`apply out of order: ${index} after ${last[0]}`);
    this.history.push([index, new TextDecoder().decode(data)]);
    return this.history.length;
  }
  snapshot(): Uint8Array {
    return pack(this.history);
  }
  restore(data: Uint8Array): void {
    this.history = unpack(data) as [number, string][];
  }
}
