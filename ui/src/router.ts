// Deep links: every page is a path under the content path (index.html's <base href>), and the agent
// answers unknown paths below it with index.html, so a reload or a shared link lands on the same page.
import { useEffect, useState } from 'preact/hooks';

/** The content path, e.g. "/ui/". */
export const BASE = new URL(document.baseURI).pathname.replace(/\/?$/, '/');

export interface Location {
  /** Path below BASE without a leading slash, still percent-encoded ("kv/a%20b/"). */
  path: string;
  query: URLSearchParams;
}

function read(): Location {
  const p = location.pathname;
  const path = p.startsWith(BASE) ? p.slice(BASE.length) : p.replace(/^\//, '');
  return { path, query: new URLSearchParams(location.search) };
}

const listeners = new Set<() => void>();

export function navigate(to: string, replace = false): void {
  const url = to.startsWith('/') ? to : BASE + to;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  for (const l of listeners) l();
  if (!replace) window.scrollTo(0, 0);
}

/** Rewrites the query of the current page without a history entry (search boxes, filters). */
export function setQuery(values: Record<string, string>): void {
  const q = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(values)) {
    if (v) q.set(k, v);
    else q.delete(k);
  }
  const s = q.toString();
  navigate(location.pathname + (s ? `?${s}` : ''), true);
}

export function useLocation(): Location {
  const [loc, set] = useState(read);
  useEffect(() => {
    const l = () => set(read());
    listeners.add(l);
    window.addEventListener('popstate', l);
    return () => {
      listeners.delete(l);
      window.removeEventListener('popstate', l);
    };
  }, []);
  return loc;
}

/** href for a page below the content path. */
export function href(path: string): string {
  return BASE + path;
}

/** Same-origin links below BASE navigate in place; modified clicks keep the browser's behaviour. */
export function interceptLinks(): void {
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element).closest?.('a');
    if (!a || a.target || a.hasAttribute('download')) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || !url.pathname.startsWith(BASE)) return;
    e.preventDefault();
    navigate(url.pathname + url.search);
  });
}
