// The server port (8300): one TCP listener; the first byte of a connection selects the protocol,
// as in Consul (raft, multiplexed RPC). Anything else closes the connection.
import { createServer, type Server, type Socket } from 'node:net';

export const RpcProtocol = {
  Raft: 0x01,
  Multiplex: 0x04,
} as const;
export type RpcProtocol = (typeof RpcProtocol)[keyof typeof RpcProtocol];

export type ConnectionHandler = (socket: Socket, firstChunk: Buffer) => void;

/** Time a new connection has to send its protocol byte. */
const FIRST_BYTE_TIMEOUT_MS = 10_000;

export class RpcListener {
  private server: Server | null = null;
  private readonly handlers = new Map<number, ConnectionHandler>();
  private readonly sockets = new Set<Socket>();

  constructor(private readonly log?: { warn(msg: string, f?: object): void }) {}

  handle(protocol: RpcProtocol, handler: ConnectionHandler): void {
    this.handlers.set(protocol, handler);
  }

  listen(host: string, port: number): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setNoDelay(true);
    socket.setTimeout(FIRST_BYTE_TIMEOUT_MS, () => socket.destroy());
    socket.once('data', (chunk: Buffer) => {
      socket.setTimeout(0);
      const handler = this.handlers.get(chunk[0]!);
      if (!handler) {
        this.log?.warn('rpc: unrecognized protocol byte, closing connection', {
          byte: chunk[0],
          from: `${socket.remoteAddress}:${socket.remotePort}`,
        });
        socket.destroy();
        return;
      }
      handler(socket, chunk.subarray(1));
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
