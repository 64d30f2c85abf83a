// A small stand-in for an agent's HTTP API, recording requests, for CLI formatting tests.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  url: string;
  body: Buffer;
  token: string | undefined;
}

interface Entry {
  value: Buffer;
  flags: string;
  session: string;
  lockIndex: number;
  createIndex: number;
  modifyIndex: number;
}

export interface FakeAgent {
  address: string;
  requests: Recorded[];
  kv: Map<string, Entry>;
  services: Map<string, Record<string, unknown>>;
  /** Canned JSON answers by path (GET), checked before the built-in routes. */
  canned: Map<string, { status: number; body: string }>;
  close(): Promise<void>;
}

export async function startFakeAgent(socketPath?: string): Promise<FakeAgent> {
  const kv = new Map<string, Entry>();
  const services = new Map<string, Record<string, unknown>>();
  const requests: Recorded[] = [];
  const canned = new Map<string, { status: number; body: string }>();
  let index = 10;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://x');
      requests.push({ method: req.method ?? '', url: req.url ?? '', body, token: req.headers['x-consul-token'] as string | undefined });
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
      };
      const c = canned.get(url.pathname);
      if (c) return send(c.status, c.body);
      const p = url.pathname;
      if (p.startsWith('/v1/kv/')) return kvRoute(req.method ?? 'GET', decodeURIComponent(p.slice(7)), url.searchParams, body, send);
      if (p === '/v1/agent/service/register' && req.method === 'PUT') {
        const svc = JSON.parse(body.toString()) as Record<string, unknown>;
        services.set(String(svc.ID ?? svc.Name), svc);
        return send(200, '');
      }
      if (p.startsWith('/v1/agent/service/deregister/')) {
        const id = decodeURIComponent(p.slice('/v1/agent/service/deregister/'.length));
        if (!services.delete(id)) return send(404, `Unknown service ID "${id}". Ensure that the service ID is passed, not the service name.`);
        return send(200, '');
      }
      if (p.startsWith('/v1/agent/join/')) {
        const addr = decodeURIComponent(p.slice('/v1/agent/join/'.length));
        if (addr.startsWith('bad')) return send(500, `1 error occurred:\n\t* Failed to join ${addr}: dial tcp: no route\n\n`);
        return send(200, '');
      }
      if (p === '/v1/agent/leave' || p === '/v1/agent/reload') return send(200, '');
      send(404, 'Invalid URL path: not a recognized HTTP API endpoint');
    });
  });

  function kvRoute(method: string, key: string, q: URLSearchParams, body: Buffer, send: (s: number, p: unknown) => void): void {
    const wire = (k: string, e: Entry) =>
      `{"LockIndex":${e.lockIndex},"Key":${JSON.stringify(k)},"Flags":${e.flags},"Value":${e.value.length ? JSON.stringify(e.value.toString('base64')) : 'null'}${e.session ? `,"Session":${JSON.stringify(e.session)}` : ''},"CreateIndex":${e.createIndex},"ModifyIndex":${e.modifyIndex}}`;
    if (method === 'GET') {
      if (q.has('keys')) {
        const sep = q.get('separator') ?? '';
        const out = new Set<string>();
        for (const k of [...kv.keys()].sort()) {
          if (!k.startsWith(key)) continue;
          const i = sep ? k.indexOf(sep, key.length) : -1;
          out.add(i >= 0 ? k.slice(0, i + sep.length) : k);
        }
        return out.size ? send(200, JSON.stringify([...out])) : send(404, '');
      }
      const keys = q.has('recurse') ? [...kv.keys()].filter((k) => k.startsWith(key)).sort() : kv.has(key) ? [key] : [];
      if (keys.length === 0) return send(404, '');
      return send(200, `[${keys.map((k) => wire(k, kv.get(k)!)).join(',')}]`);
    }
    if (method === 'PUT') {
      const prev = kv.get(key);
      if (q.has('cas') && Number(q.get('cas')) !== (prev?.modifyIndex ?? 0)) return send(200, 'false');
      if (q.has('acquire')) {
        if (prev?.session && prev.session !== q.get('acquire')) return send(200, 'false');
      }
      if (q.has('release') && prev?.session !== q.get('release')) return send(200, 'false');
      index++;
      kv.set(key, {
        value: body,
        flags: q.get('flags') ?? '0',
        session: q.has('acquire') ? q.get('acquire')! : q.has('release') ? '' : prev?.session ?? '',
        lockIndex: (prev?.lockIndex ?? 0) + (q.has('acquire') ? 1 : 0),
        createIndex: prev?.createIndex ?? index,
        modifyIndex: index,
      });
      return send(200, 'true');
    }
    if (method === 'DELETE') {
      if (q.has('recurse')) {
        for (const k of [...kv.keys()]) if (k.startsWith(key)) kv.delete(k);
        return send(200, 'true');
      }
      if (q.has('cas') && Number(q.get('cas')) !== (kv.get(key)?.modifyIndex ?? 0)) return send(200, 'false');
      kv.delete(key);
      return send(200, 'true');
    }
    send(405, '');
  }

  let address: string;
  if (socketPath) {
    await new Promise<void>((r) => server.listen(socketPath, r));
    address = `unix://${socketPath}`;
  } else {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  return {
    address,
    requests,
    kv,
    services,
    canned,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
