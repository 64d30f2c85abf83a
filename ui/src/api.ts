// Talking to the agent: every request carries the stored ACL token; reads of changing data are
// blocking queries (?index=&wait=) that resume from X-Consul-Index and pause while the tab is hidden.
import { useEffect, useState } from 'preact/hooks';

const TOKEN_KEY = 'conclave.acl-token';
/** How long one blocking request may park on the agent. */
const WAIT = '60s';
const BACKOFF_MS_MAX = 10_000;

export function getToken(): string {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

export function setToken(token: string): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

// ---- agent reachability, shown as a banner by the layout ----

type Listener = () => void;
const listeners = new Set<Listener>();
let unreachable: string | null = null;

function setUnreachable(message: string | null): void {
  if (message === unreachable) return;
  unreachable = message;
  for (const l of listeners) l();
}

/** null while the agent answers; otherwise why it does not. */
export function useUnreachable(): string | null {
  const [value, set] = useState(unreachable);
  useEffect(() => {
    const l = () => set(unreachable);
    listeners.add(l);
    l();
    return () => void listeners.delete(l);
  }, []);
  return value;
}

// ---- plain requests ----

export interface RequestOptions {
  method?: string;
  body?: string | Blob;
  signal?: AbortSignal;
}

export async function request(path: string, o: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  const token = getToken();
  if (token) headers['X-Consul-Token'] = token;
  let res: Response;
  try {
    res = await fetch(path, { method: o.method ?? 'GET', body: o.body, headers, signal: o.signal });
  } catch (err) {
    if ((err as Error).name !== 'AbortError') setUnreachable('The agent cannot be reached.');
    throw err;
  }
  // A proxy in front of the agent answers these when the agent itself is gone.
  if (res.status === 502 || res.status === 504) setUnreachable(`The agent answered ${res.status}.`);
  else setUnreachable(null);
  if (!res.ok && res.status !== 404) {
    const text = (await res.text()).trim();
    throw new ApiError(res.status, text || `${res.status} ${res.statusText}`);
  }
  return res;
}

/** A JSON request; 404 yields null. */
export async function requestJson<T>(path: string, o: RequestOptions = {}): Promise<T | null> {
  const res = await request(path, o);
  if (res.status === 404) return null;
  const text = await res.text();
  return text ? (JSON.parse(text) as T) : (null as T | null);
}

/** A write; rejects on any non-2xx answer with the agent's own text. */
export async function write(path: string, body?: string, method = 'PUT'): Promise<unknown> {
  const res = await request(path, { method, body });
  const text = await res.text();
  if (res.status === 404) throw new ApiError(404, text.trim() || 'Not found');
  return text ? JSON.parse(text) : null;
}

// ---- live reads ----

export interface Live<T> {
  data: T | undefined;
  error: string | null;
  /** Index of the last answer (0 before the first). */
  index: number;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

function whenVisible(signal: AbortSignal): Promise<void> {
  if (!document.hidden) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      if (document.hidden && !signal.aborted) return;
      document.removeEventListener('visibilitychange', done);
      resolve();
    };
    document.addEventListener('visibilitychange', done);
    signal.addEventListener('abort', done);
  });
}

/**
 * Keeps `path` fresh. With a blocking endpoint each answer's X-Consul-Index feeds the next request;
 * endpoints without an index are polled every `pollMs`. A 404 yields null. Hidden tabs stop asking
 * (the request in flight is cancelled) and catch up when shown again.
 */
export function useLive<T>(path: string | null, pollMs = 5000): Live<T> {
  const [state, setState] = useState<Live<T>>({ data: undefined, error: null, index: 0 });
  useEffect(() => {
    setState({ data: undefined, error: null, index: 0 });
    if (path === null) return;
    const life = new AbortController();
    void run<T>(path, pollMs, life.signal, (s) => setState(s));
    return () => life.abort();
  }, [path, pollMs]);
  return state;
}

async function run<T>(path: string, pollMs: number, life: AbortSignal, publish: (s: Live<T>) => void): Promise<void> {
  let index = 0;
  let backoff = 500;
  let data: T | undefined;
  while (!life.aborted) {
    await whenVisible(life);
    if (life.aborted) return;
    const attempt = new AbortController();
    const hide = () => document.hidden && attempt.abort();
    const stop = () => attempt.abort();
    document.addEventListener('visibilitychange', hide);
    life.addEventListener('abort', stop);
    const started = Date.now();
    try {
      const sep = path.includes('?') ? '&' : '?';
      const url = index > 0 ? `${path}${sep}index=${index}&wait=${WAIT}` : path;
      const res = await request(url, { signal: attempt.signal });
      const text = await res.text();
      if (life.aborted) return;
      data = res.status === 404 ? (null as T) : (JSON.parse(text || 'null') as T);
      const header = res.headers.get('X-Consul-Index');
      const next = header ? Number(header) : 0;
      backoff = 500;
      publish({ data, error: null, index: next });
      if (!header) {
        await sleep(pollMs, life);
      } else {
        // An index going backwards (a restored snapshot, a new leader) restarts from scratch.
        const unchanged = next === index;
        index = next < index ? 0 : next;
        // Guards against an endpoint that answers at once without moving its index.
        if (unchanged && Date.now() - started < 1000) await sleep(1000, life);
      }
    } catch (err) {
      if (life.aborted) return;
      if (attempt.signal.aborted) continue; // hidden: wait for the tab to come back
      // An unreachable agent is the layout's banner; pages only show what the agent itself refused.
      publish({ data, error: err instanceof ApiError ? err.message : null, index });
      await sleep(backoff, life);
      backoff = Math.min(backoff * 2, BACKOFF_MS_MAX);
    } finally {
      document.removeEventListener('visibilitychange', hide);
      life.removeEventListener('abort', stop);
    }
  }
}

// ---- small encodings ----

/** Path segments of a KV key or a name, each percent-encoded. */
export function encodePath(p: string): string {
  return p.split('/').map(encodeURIComponent).join('/');
}

export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** Decodes a KV value as UTF-8 text; null when it is binary. */
export function decodeValue(b64: string | null): string | null {
  if (!b64) return '';
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(base64ToBytes(b64));
  } catch {
    return null;
  }
}

export function encodeValue(text: string): string {
  return bytesToBase64(new TextEncoder().encode(text));
}
