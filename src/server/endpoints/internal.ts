// Internal.* endpoints (used by the UI and `consul members`-style views).
import type { RpcMethods } from '../../structs/requests.js';
import type { Server } from '../server.js';

/** Every node with its services and checks (Consul's Internal.NodeDump). */
export function nodeDump(srv: Server, args: RpcMethods['Internal.NodeDump']) {
  return srv.read(args.Options, (store, ws) => {
    const [idx, nodes] = store.nodes(ws);
    let max = idx;
    const out = nodes.map((n) => {
      const [i1, found] = store.nodeServices(ws, n.Node);
      const [i2, checks] = store.nodeChecks(ws, n.Node);
      max = Math.max(max, i1, i2);
      return { ...n, Services: found?.Services ?? [], Checks: checks };
    });
    return [max, out];
  });
}
