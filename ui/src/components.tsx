// Small shared pieces: health badges, tags, key/value tables, tabs, a dialog and toasts.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { href } from './router';

export type Health = 'passing' | 'warning' | 'critical';

export interface Check {
  Node: string;
  CheckID: string;
  Name: string;
  Status: Health;
  Notes: string;
  Output: string;
  ServiceID: string;
  ServiceName: string;
  Type: string;
}

export function worst(statuses: Iterable<string>): Health {
  let w: Health = 'passing';
  for (const s of statuses) {
    if (s === 'critical') return 'critical';
    if (s === 'warning') w = 'warning';
  }
  return w;
}

const HEALTH_LABEL: Record<Health, string> = { passing: 'Healthy', warning: 'Warning', critical: 'Critical' };

export function StatusDot({ status, label }: { status: Health; label?: string }) {
  return <span class={`dot dot-${status}`} title={label ?? HEALTH_LABEL[status]} aria-label={label ?? HEALTH_LABEL[status]} />;
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge-${status}`}>{status}</span>;
}

export function HealthCounts({ passing, warning, critical }: { passing: number; warning: number; critical: number }) {
  return (
    <span class="counts">
      <span class={`count count-passing${passing ? '' : ' zero'}`} title={`${passing} passing`}>✓ {passing}</span>
      <span class={`count count-warning${warning ? '' : ' zero'}`} title={`${warning} warning`}>! {warning}</span>
      <span class={`count count-critical${critical ? '' : ' zero'}`} title={`${critical} critical`}>✕ {critical}</span>
    </span>
  );
}

export function Tags({ tags, max = 6 }: { tags: readonly string[] | null | undefined; max?: number }) {
  const list = tags ?? [];
  if (list.length === 0) return <span class="muted">—</span>;
  const shown = list.slice(0, max);
  return (
    <span class="tags">
      {shown.map((t) => (
        <span class="tag" key={t}>{t}</span>
      ))}
      {list.length > max && <span class="tag tag-more" title={list.slice(max).join(', ')}>+{list.length - max}</span>}
    </span>
  );
}

export function KeyValues({ values, empty = 'None' }: { values: Record<string, string> | null | undefined; empty?: string }) {
  const entries = Object.entries(values ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return <p class="muted">{empty}</p>;
  return (
    <dl class="kv-list">
      {entries.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

export function Loading({ what }: { what: string }) {
  return <div class="loading" role="status">Loading {what}…</div>;
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}

export function ErrorNote({ message }: { message: string | null }) {
  if (!message) return null;
  return <div class="note note-error" role="alert">{message}</div>;
}

export function PageHeader({ title, crumbs, children }: { title: ComponentChildren; crumbs?: Array<[string, string]>; children?: ComponentChildren }) {
  return (
    <header class="page-header">
      {crumbs && crumbs.length > 0 && (
        <nav class="crumbs" aria-label="Breadcrumb">
          {crumbs.map(([label, to]) => (
            <span key={to}>
              <a href={href(to)}>{label}</a>
              <span class="crumb-sep">/</span>
            </span>
          ))}
        </nav>
      )}
      <div class="page-title-row">
        <h1>{title}</h1>
        <div class="actions">{children}</div>
      </div>
    </header>
  );
}

export function Tabs({ tabs, active, onSelect }: { tabs: Array<[string, string, number?]>; active: string; onSelect: (id: string) => void }) {
  return (
    <div class="tabs" role="tablist">
      {tabs.map(([id, label, count]) => (
        <button type="button" role="tab" aria-selected={id === active} class={id === active ? 'tab active' : 'tab'} key={id} onClick={() => onSelect(id)}>
          {label}
          {count !== undefined && <span class="tab-count">{count}</span>}
        </button>
      ))}
    </div>
  );
}

export function SearchBox({ value, onInput, placeholder }: { value: string; onInput: (v: string) => void; placeholder: string }) {
  return (
    <input
      class="search"
      type="search"
      value={value}
      placeholder={placeholder}
      aria-label={placeholder}
      onInput={(e) => onInput((e.target as HTMLInputElement).value)}
    />
  );
}

export function Segmented<T extends string>({ options, value, onChange, label }: { options: Array<[T, string]>; value: T; onChange: (v: T) => void; label: string }) {
  return (
    <div class="segmented" role="group" aria-label={label}>
      {options.map(([v, text]) => (
        <button type="button" key={v} class={v === value ? 'active' : ''} aria-pressed={v === value} onClick={() => onChange(v)}>
          {text}
        </button>
      ))}
    </div>
  );
}

// ---- dialog: one at a time, awaited by the caller ----

interface DialogRequest {
  title: string;
  body?: ComponentChildren;
  confirm: string;
  danger?: boolean;
  /** When set, the dialog asks for a line of text (this is its label). */
  input?: { label: string; value?: string; placeholder?: string };
  resolve: (value: string | null) => void;
}

let showDialog: ((d: DialogRequest | null) => void) | null = null;

/** Asks for confirmation; resolves with "" (or the typed text) when confirmed, null when cancelled. */
export function ask(d: Omit<DialogRequest, 'resolve'>): Promise<string | null> {
  return new Promise((resolve) => {
    if (!showDialog) return resolve(null);
    showDialog({ ...d, resolve });
  });
}

export function DialogHost() {
  const [d, set] = useState<DialogRequest | null>(null);
  const [text, setText] = useState('');
  const inputRef = useRef<HTMLInputElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    showDialog = (next) => {
      setText(next?.input?.value ?? '');
      set(next);
    };
    return () => void (showDialog = null);
  }, []);
  useEffect(() => {
    if (d) (inputRef.current ?? confirmRef.current)?.focus();
  }, [d]);
  if (!d) return null;
  const close = (value: string | null) => {
    set(null);
    d.resolve(value);
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') close(null);
  };
  return (
    <div class="overlay" onKeyDown={onKey} onClick={(e) => e.target === e.currentTarget && close(null)}>
      <div role="dialog" aria-modal="true" aria-label={d.title}>
      <form
        class="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          close(text);
        }}
      >
        <h2>{d.title}</h2>
        {d.body && <div class="dialog-body">{d.body}</div>}
        {d.input && (
          <label class="field">
            <span>{d.input.label}</span>
            <input ref={inputRef} value={text} placeholder={d.input.placeholder} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
          </label>
        )}
        <div class="dialog-actions">
          <button type="button" class="btn" onClick={() => close(null)}>Cancel</button>
          <button ref={confirmRef} type="submit" class={d.danger ? 'btn btn-danger' : 'btn btn-primary'}>{d.confirm}</button>
        </div>
      </form>
      </div>
    </div>
  );
}

// ---- toasts ----

interface Toast {
  id: number;
  text: string;
  kind: 'ok' | 'error';
}

let pushToast: ((t: Toast) => void) | null = null;
let toastSeq = 0;

export function toast(text: string, kind: 'ok' | 'error' = 'ok'): void {
  pushToast?.({ id: ++toastSeq, text, kind });
}

export function ToastHost() {
  const [list, setList] = useState<Toast[]>([]);
  useEffect(() => {
    pushToast = (t) => {
      setList((l) => [...l, t]);
      setTimeout(() => setList((l) => l.filter((x) => x.id !== t.id)), t.kind === 'error' ? 8000 : 4000);
    };
    return () => void (pushToast = null);
  }, []);
  return (
    <div class="toasts" aria-live="polite">
      {list.map((t) => (
        <div key={t.id} class={`toast toast-${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'}>{t.text}</div>
      ))}
    </div>
  );
}

/** Runs a write, reporting its outcome as a toast; resolves true on success. */
export async function attempt(what: string, fn: () => Promise<unknown>, done?: string): Promise<boolean> {
  try {
    await fn();
    if (done) toast(done);
    return true;
  } catch (err) {
    toast(`${what} failed: ${(err as Error).message}`, 'error');
    return false;
  }
}
