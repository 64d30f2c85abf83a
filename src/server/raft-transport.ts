// Raft messages over TCP on the server port. One outbound connection per peer (protocol byte Raft),
// one-way frames {from, addr, msg}; replies travel as ordinary messages on the peer's own connection.
// Bounded per-peer queues: when a peer is unreachable its oldest messages are dropped (raft retries).
import { connect, type Socket } from 'node:net';
import type { RaftTransport } from '../raft/node.js';
import type { RaftServer } from '../raft/api.js';
import type { Message } from '../raft/core/messages.js';
import { encodeFrame, FrameDecoder } from '../rpc/frame.js';
import { RpcProtocol, type RpcListener } from '../rpc/listener.js';
import { splitHostPort } from '../rpc/mux.js';
import type { Logger } from '../lib/logger.js';

/** Messages buffered for a peer while its connection is down or draining. */
export const PEER_QUEUE_MAX = 1024;
const RECONNECT_MIN_MS = 50;
const RECONNECT_MAX_MS = 2_000;

interface Frame {
  from: string;
  addr: string;
  msg: Message;
}

class Peer {
  private socket: Socket | null = null;
  private queue: Buffer[] = [];
  private backoffMs = RECONNECT_MIN_MS;
  private retryAt = 0;
  private dialing = false;
  closed = false;

  constructor(readonly address: string) {}

  send(frame: Buffer): void {
    if (this.closed) return;
    if (this.socket && !this.socket.destroyed && this.socket.writableLength < 8 * 1024 * 1024) {
      this.socket.write(frame);
      return;
    }
    this.queue.push(frame);
    if (this.queue.length > PEER_QUEUE_MAX) this.queue.shift();
    this.dial();
  }

  private dial(): void {
    if (this.dialing || this.closed || (this.socket && !this.socket.destroyed)) return;
    if (Date.now() < this.retryAt) return;
    this.dialing = true;
    const [host, port] = splitHostPort(this.address);
    const sock = connect({ host, port: Number(port) });
    sock.setNoDelay(true);
    sock.once('connect', () => {
      this.dialing = false;
      this.backoffMs = RECONNECT_MIN_MS;
      this.socket = sock;
      sock.write(Buffer.from([RpcProtocol.Raft]));
      const pending = this.queue;
      this.queue = [];
      for (const f of pending) sock.write(f);
    });
    sock.on('error', () => sock.destroy());
    sock.on('close', () => {
      this.dialing = false;
      if (this.socket === sock) this.socket = null;
      this.retryAt = Date.now() + this.backoffMs;
      this.backoffMs = Math.min(this.backoffMs * 2, RECONNECT_MAX_MS);
    });
    // Inbound data on an outbound raft connection is not expected; ignore it.
    sock.on('data', () => {});
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
    this.queue = [];
  }
}

export class TcpRaftTransport implements RaftTransport {
  private peers = new Map<string, Peer>();
  private handler: ((msg: Message, fromAddress?: string) => void) | null = null;

  constructor(
    private readonly selfId: string,
    private readonly selfAddress: string,
    listener: RpcListener,
    private readonly log: Logger,
  ) {
    listener.handle(RpcProtocol.Raft, (socket, first) => this.accept(socket, first));
  }

  send(to: RaftServer, msg: Message): void {
    let peer = this.peers.get(to.address);
    if (!peer) {
      peer = new Peer(to.address);
      this.peers.set(to.address, peer);
    }
    peer.send(encodeFrame({ from: this.selfId, addr: this.selfAddress, msg } satisfies Frame));
  }

  onMessage(handler: (msg: Message, fromAddress?: string) => void): void {
    this.handler = handler;
  }

  private accept(socket: Socket, first: Buffer): void {
    const decoder = new FrameDecoder();
    const onData = (chunk: Buffer) => {
      let frames: unknown[];
      try {
        frames = decoder.push(chunk);
      } catch (err) {
        this.log.warn('raft transport: bad frame, closing connection', { error: (err as Error).message });
        socket.destroy();
        return;
      }
      for (const f of frames) {
        const frame = f as Frame;
        if (!frame || typeof frame !== 'object' || typeof frame.msg !== 'object' || frame.msg === null) {
          this.log.warn('raft transport: malformed frame, closing connection');
          socket.destroy();
          return;
        }
        this.handler?.(frame.msg, typeof frame.addr === 'string' ? frame.addr : undefined);
      }
    };
    socket.on('data', onData);
    if (first.length > 0) onData(first);
  }

  close(): void {
    for (const p of this.peers.values()) p.close();
    this.peers.clear();
  }
}
