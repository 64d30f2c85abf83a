// Docker checks (Consul's CheckDocker): runs the check's Args inside a container through the Docker
// Engine API on a Unix socket (DOCKER_HOST=unix://..., else /var/run/docker.sock): create an exec,
// start it attached, read the multiplexed stdout/stderr stream, then inspect it for the exit code.
// Exit codes map as for scripts. With no socket the check is critical and says so.
import http from 'node:http';
import { existsSync } from 'node:fs';
import type { CheckResult, Probe } from './runner.js';
import { TailBuffer } from './output.js';
import { exitStatus, timedOutOutput } from './script.js';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';
const API = '/v1.24';

export interface DockerCheckOptions {
  containerId: string;
  args: string[];
  shell: string;
  timeoutMs: number;
  outputMax: number;
  /** Path of the Docker Engine socket. */
  socketPath: string;
}

/** The socket named by DOCKER_HOST (unix:// only), or the default one. */
export function dockerSocketPath(env: NodeJS.ProcessEnv): string {
  const h = env.DOCKER_HOST ?? '';
  return h.startsWith('unix://') ? h.slice('unix://'.length) : DEFAULT_DOCKER_SOCKET;
}

export class DockerProbe implements Probe {
  constructor(private readonly o: DockerCheckOptions) {}

  async run(): Promise<CheckResult> {
    const o = this.o;
    if (!existsSync(o.socketPath)) {
      return { status: 'critical', output: `Docker socket ${o.socketPath} not found: Docker is not running on this host or DOCKER_HOST points elsewhere; cannot run the check in container ${o.containerId}` };
    }
    const signal = AbortSignal.timeout(o.timeoutMs);
    const out = new TailBuffer(o.outputMax);
    const demuxer = new FrameDemuxer(out);
    const cmd = o.args.length > 0 ? o.args : [o.shell || '/bin/sh'];
    try {
      const id = encodeURIComponent(o.containerId);
      const created = await this.call('POST', `/containers/${id}/exec`, { AttachStdout: true, AttachStderr: true, Tty: false, Cmd: cmd }, signal);
      if (created.status !== 201) return { status: 'critical', output: `Unable to create Exec, error: ${created.body.toString().trim()}` };
      const execId = encodeURIComponent(JSON.parse(created.body.toString()).Id as string);
      const started = await this.call('POST', `/exec/${execId}/start`, { Detach: false, Tty: false }, signal, (c) => demuxer.push(c));
      if (started.status !== 200) return { status: 'critical', output: `Unable to start Exec, error: ${started.body.toString().trim()}` };
      const inspected = await this.call('GET', `/exec/${execId}/json`, undefined, signal);
      if (inspected.status !== 200) return { status: 'critical', output: `Unable to inspect Exec, error: ${inspected.body.toString().trim()}` };
      return { status: exitStatus(JSON.parse(inspected.body.toString()).ExitCode as number), output: out.captured() };
    } catch (err) {
      if (signal.aborted) return { status: 'critical', output: timedOutOutput(o.timeoutMs, out.captured()) };
      return { status: 'critical', output: `Docker API at ${o.socketPath}: ${(err as Error).message}` };
    }
  }

  private call(
    method: string,
    path: string,
    body: unknown,
    signal: AbortSignal,
    onData?: (chunk: Buffer) => void,
  ): Promise<{ status: number; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request({
        socketPath: this.o.socketPath,
        path: API + path,
        method,
        signal,
        headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {},
      });
      req.once('error', reject);
      req.once('response', (res) => {
        const chunks: Buffer[] = [];
        const ok = (res.statusCode ?? 0) < 300;
        res.on('data', (c: Buffer) => (ok && onData ? onData(c) : chunks.push(c)));
        res.once('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.once('error', reject);
      });
      req.end(payload);
    });
  }
}

/** Docker's attach stream: frames of [stream, 0, 0, 0, size (u32 BE)] then the payload. */
export class FrameDemuxer {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly out: TailBuffer) {}

  push(chunk: Buffer): void {
    let buf: Buffer = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (buf.length >= 8) {
      const size = buf.readUInt32BE(4);
      if (buf.length < 8 + size) break;
      this.out.push(buf.subarray(8, 8 + size));
      buf = buf.subarray(8 + size);
    }
    this.pending = buf;
  }
}
