// Routing the way Go's ServeMux does it for Consul: exact patterns, prefix patterns ending in "/",
// longest match wins, a missing trailing slash redirects, unclean paths redirect to the clean one.
import type { Ctx } from './context.js';

/** A handler answers at once (returning nothing) or returns a promise that settles once it has. */
export type Handler = (ctx: Ctx) => void | Promise<void>;

interface Route {
  pattern: string;
  prefix: boolean;
  methods: Map<string, Handler>;
  allow: string;
}

export type MatchResult =
  | { kind: 'route'; route: Route; rest: string }
  | { kind: 'redirect'; location: string }
  | { kind: 'none' };

export class Router {
  private exact = new Map<string, Route>();
  private prefixes: Route[] = [];
  private prefixPatterns = new Set<string>();

  /** Registers `pattern` for the given methods; OPTIONS is always allowed. */
  add(pattern: string, methods: string[], handler: Handler): void {
    const prefix = pattern.endsWith('/');
    const table = prefix ? this.prefixes.find((r) => r.pattern === pattern) : this.exact.get(pattern);
    const route: Route = table ?? { pattern, prefix, methods: new Map(), allow: '' };
    for (const m of methods) route.methods.set(m, handler);
    route.allow = ['OPTIONS', ...route.methods.keys()].join(',');
    if (!table) {
      if (prefix) {
        this.prefixes.push(route);
        this.prefixPatterns.add(pattern);
        this.prefixes.sort((a, b) => b.pattern.length - a.pattern.length);
      } else {
        this.exact.set(pattern, route);
      }
    }
  }

  match(path: string): MatchResult {
    const ex = this.exact.get(path);
    if (ex) return { kind: 'route', route: ex, rest: '' };
    // "/v1/kv" when "/v1/kv/" is registered: ServeMux redirects to the subtree root.
    if (!path.endsWith('/') && this.prefixPatterns.has(path + '/')) {
      return { kind: 'redirect', location: path + '/' };
    }
    for (const r of this.prefixes) {
      if (path.startsWith(r.pattern)) return { kind: 'route', route: r, rest: path.slice(r.pattern.length) };
    }
    return { kind: 'none' };
  }

  static allowHeader(route: Route): string {
    return route.allow;
  }

  static handlerFor(route: Route, method: string): Handler | undefined {
    return route.methods.get(method === 'HEAD' ? 'GET' : method);
  }
}

/** Go's path.Clean, keeping a trailing slash as ServeMux does. */
export function cleanPath(p: string): string {
  if (p === '') return '/';
  // Already clean (the usual case): rooted, no empty, "." or ".." element.
  if (p[0] === '/' && !p.includes('//') && !p.includes('/.')) return p;
  if (p[0] !== '/') p = '/' + p;
  const parts = p.split('/');
  const out: string[] = [];
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  let np = '/' + out.join('/');
  if (p.endsWith('/') && np !== '/') np += '/';
  return np;
}
