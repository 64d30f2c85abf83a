// Multiplexed request/response over one connection: each request carries a sequence number, replies
// come back in any order. Blocking queries are ordinary requests the server holds open.
import { connect, type Socket } from 'node:net';
import { encodeFrame, FrameDecoder } from './frame.js';
import { RpcProtocol } from './listener.js';
import { ConclaveError, type ErrorCode } from '../lib/errors.js';

interface Request {
  s: number;
  m: string;
  a: unknown;
}

interface Response {
  s: number;
  r?: unknown;
  e?: string;
  c?: ErrorCode;
  st?: number;
}

export type RpcHandler = (method: string, args: unknown) => Promise<unknown>;

/** Serves multiplexed RPC on an accepted connection (after its protocol byte). */
export function serveMux(socket: Socket, first: Buffer, handler: RpcHandler, log?: { warn(m: string, f?: object): void }): void {
  const decoder = new FrameDecoder();
  const onData = (chunk: Buffer) => {
    let frames: unknown[];
    try {
      frames = decoder.push(chunk);
    } catch (err) {
      log?.warn('rpc: bad frame, closing connection', { error: (err as Error).message });
      socket.destroy();
      return;
    }
    for (const f of frames) dispatch(f as Request);
  };
  const dispatch = (req: Request) => {
    if (typeof req !== 'object' || req === null || typeof req.s !== 'number' || typeof req.m !== 'string') {
      log?.warn('rpc: malformed request, closing connection');
      socket.destroy();
      return;
    }
    handler(req.m, req.a).then(
      (r) => write({ s: req.s, r }),
      (err: unknown) => {
        const e = err as ConclaveError;
        write({ s: req.s, e: e?.message ?? String(err), c: e?.code ?? 'ERR_INTERNAL', st: e?.status });
      },
    );
  };
  const write = (res: Response) => {
    if (socket.destroyed) return;
    try {
      socket.write(encodeFrame(res));
    } catch (err) {
      socket.write(encodeFrame({ s: res.s, e: `rpc: reply could not be encoded: ${(err as Error).message}`, c: 'ERR_INTERNAL' }));
    }
  };
  socket.on('data', onData);
  if (first.length > 0) onData(first);
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  timer: NodeJS.Timeout | null;
}

/** One multiplexed connection to a server, dialled on first use and re-dialled after a failure. */
export class RpcClient {
  private socket: Socket | null = null;
  private connecting: Promise<Socket> | null = null;
  private seq = 0;
  private pending = new Map<number, Pending>();
  private closed = false;

  constructor(
    readonly address: string,
    private readonly connectTimeoutMs = 5_000,
  ) {}

  async call(method: string, args: unknown, timeoutMs = 30_000): Promise<unknown> {
    const socket = await this.connection();
    const s = ++this.seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(s);
        reject(new ConclaveError('ERR_TIMEOUT', `rpc error making call: timeout waiting for ${method} from ${this.address}`));
      }, timeoutMs);
      timer.unref();
      this.pending.set(s, { resolve, reject, timer });
      socket.write(encodeFrame({ s, m: method, a: args } satisfies Request));
    });
  }

  private connection(): Promise<Socket> {
    if (this.closed) return Promise.reject(new ConclaveError('ERR_SHUTDOWN', 'rpc client closed'));
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    if (this.connecting) return this.connecting;
    const [host, portText] = splitHostPort(this.address);
    this.connecting = new Promise<Socket>((resolve, reject) => {
      const sock = connect({ host, port: Number(portText) });
      sock.setNoDelay(true);
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new ConclaveError('ERR_TIMEOUT', `rpc error making call: dial tcp ${this.address}: i/o timeout`));
      }, this.connectTimeoutMs);
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.write(Buffer.from([RpcProtocol.Multiplex]));
        this.attach(sock);
        resolve(sock);
      });
      sock.once('error', (err) => {
        clearTimeout(timer);
        reject(new ConclaveError('ERR_INTERNAL', `rpc error making call: dial tcp ${this.address}: ${err.message}`));
      });
    }).finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private attach(sock: Socket): void {
    this.socket = sock;
    const decoder = new FrameDecoder();
    sock.on('data', (chunk: Buffer) => {
      let frames: unknown[];
      try {
        frames = decoder.push(chunk);
      } catch {
        sock.destroy();
        return;
      }
      for (const f of frames) this.settle(f as Response);
    });
    sock.on('error', () => sock.destroy());
    sock.on('close', () => {
      if (this.socket === sock) this.socket = null;
      const err = new ConclaveError('ERR_INTERNAL', `rpc error making call: connection to ${this.address} closed`);
      for (const p of this.pending.values()) {
        if (p.timer) clearTimeout(p.timer);
        p.reject(err);
      }
      this.pending.clear();
    });
  }

  private settle(res: Response): void {
    const p = this.pending.get(res.s);
    if (!p) return;
    this.pending.delete(res.s);
    if (p.timer) clearTimeout(p.timer);
    if (res.e !== undefined) p.reject(new ConclaveError(res.c ?? 'ERR_INTERNAL', res.e, { status: res.st }));
    else p.resolve(res.r);
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
  }
}

/** One client per server address. */
export class RpcPool {
  private clients = new Map<string, RpcClient>();

  client(address: string): RpcClient {
    let c = this.clients.get(address);
    if (!c) {
      c = new RpcClient(address);
      this.clients.set(address, c);
    }
    return c;
  }

  call(address: string, method: string, args: unknown, timeoutMs?: number): Promise<unknown> {
    return this.client(address).call(method, args, timeoutMs);
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}

export function splitHostPort(addr: string): [string, string] {
  if (addr.startsWith('[')) {
    const end = addr.indexOf(']');
    return [addr.slice(1, end), addr.slice(end + 2)];
  }
  const i = addr.lastIndexOf(':');
  return [addr.slice(0, i), addr.slice(i + 1)];
}
