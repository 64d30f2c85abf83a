// An in-process RaftTransport for driver tests: messages are structured-cloned (no shared
// objects, as over a wire) and delivered on a later turn; links can be cut per node.
import type { RaftServer } from '../../../src/raft/api.js';
import type { RaftMessage, RaftTransport } from '../../../src/raft/node.js';

export class MemoryNetwork {
  private readonly handlers = new Map<string, (m: RaftMessage, fromAddress?: string) => void>();
  private readonly addresses = new Map<string, string>();
  private readonly down = new Set<string>();
  delivered = 0;

  transportFor(id: string, address?: string): RaftTransport {
    if (address) this.addresses.set(id, address);
    return {
      send: (to: RaftServer, msg: RaftMessage) => {
        if (this.down.has(id) || this.down.has(to.id)) return;
        const copy = structuredClone(msg);
        setImmediate(() => {
          if (this.down.has(id) || this.down.has(to.id)) return;
          const h = this.handlers.get(to.id);
          if (!h) return;
          this.delivered++;
          h(copy, this.addresses.get(id));
        });
      },
      onMessage: (handler) => {
        this.handlers.set(id, handler);
      },
    };
  }

  /** Cuts every link to and from `id`. */
  isolate(id: string): void {
    this.down.add(id);
  }

  heal(id: string): void {
    this.down.delete(id);
  }

  unregister(id: string): void {
    this.handlers.delete(id);
  }
}
