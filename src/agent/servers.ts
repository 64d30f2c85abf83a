// Which servers a client agent sends its RPCs to (Consul's router/manager): the list comes from
// gossip (members tagged role=consul in our datacenter); one server is preferred until it fails,
// then the next one is tried. The order is shuffled per agent so clients spread over servers.
import { randomInt, type Rng } from '../lib/rng.js';

export interface ServerInfo {
  name: string;
  /** RPC address "ip:port". */
  address: string;
}

export class ServerManager {
  private servers: ServerInfo[] = [];

  constructor(private readonly rng: Rng) {}

  /** Replaces the list, keeping the current preference first when it is still there. */
  update(list: ServerInfo[]): void {
    const current = this.servers[0];
    const shuffled = [...list];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = randomInt(this.rng, i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    if (current) {
      const at = shuffled.findIndex((s) => s.address === current.address);
      if (at > 0) shuffled.unshift(...shuffled.splice(at, 1));
    }
    this.servers = shuffled;
  }

  /** The servers in the order to try them. */
  candidates(): ServerInfo[] {
    return [...this.servers];
  }

  /** Moves a server that failed to the back of the line. */
  failed(address: string): void {
    const at = this.servers.findIndex((s) => s.address === address);
    if (at >= 0) this.servers.push(...this.servers.splice(at, 1));
  }

  get size(): number {
    return this.servers.length;
  }
}
