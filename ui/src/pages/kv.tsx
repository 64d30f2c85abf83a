// Key/Value: a folder at a time (keys listed with ?keys&separator=/), breadcrumbs, create, delete
// (folders recursively), search over keys and values of the subtree, export and import in the
// format of `consul kv export`.
import { useRef, useState } from 'preact/hooks';
import { decodeValue, encodePath, requestJson, useLive, write } from '../api';
import { ask, attempt, Empty, ErrorNote, Loading, PageHeader, SearchBox, toast } from '../components';
import { href, navigate, setQuery, useLocation } from '../router';
import { baseName, crumbsOf, exportFile, parseImport, snippet, type DirEntry, type Format } from '../kv-format';
import { KeyView, ValueEditor, validDraft } from './kv-editor';
import { KvTree } from './kv-tree';

/** Consul's txn endpoint takes at most 64 operations per request. */
const TXN_OPS_MAX = 64;

export function KvPage({ path }: { path: string }) {
  if (path === '' || path.endsWith('/')) return <FolderView folder={path} />;
  return <KeyView key={path} path={path} />;
}

function kvHref(path: string): string {
  return href(`kv/${encodePath(path)}`);
}

function FolderView({ folder }: { folder: string }) {
  const loc = useLocation();
  const q = loc.query.get('q') ?? '';
  const [creating, setCreating] = useState(false);
  const fileRef = useRef<HTMLInputElement>(null);
  const live = useLive<string[] | null>(`/v1/kv/${encodePath(folder)}?keys&separator=/`);
  const children = (live.data ?? []).filter((k) => k !== folder);
  children.sort((a, b) => Number(b.endsWith('/')) - Number(a.endsWith('/')) || a.localeCompare(b));
  const crumbs = crumbsOf(folder).slice(0, -1).map(([l, p]): [string, string] => [l, `kv/${encodePath(p)}`]);
  const title = folder === '' ? 'Key/Value' : baseName(folder);
  return (
    <>
      <PageHeader crumbs={crumbs} title={title}>
        <button type="button" class="btn btn-primary" onClick={() => setCreating(!creating)}>Create</button>
        <button type="button" class="btn" onClick={() => exportTree(folder)}>Export</button>
        <button type="button" class="btn" onClick={() => fileRef.current?.click()}>Import</button>
        <input ref={fileRef} type="file" accept="application/json,.json" hidden data-testid="import-file" onChange={(e) => importFile(e.target as HTMLInputElement)} />
        {folder !== '' && <button type="button" class="btn btn-danger-outline" onClick={() => removeFolder(folder)}>Delete folder…</button>}
      </PageHeader>
      {creating && <CreateForm folder={folder} onDone={() => setCreating(false)} />}
      <div class="toolbar">
        <SearchBox value={q} onInput={(v) => setQuery({ q: v })} placeholder={`Search keys and values in ${folder || 'all keys'}`} />
      </div>
      <ErrorNote message={live.error} />
      <div class="kv-browse">
      <KvTree current={folder} version={live.index} />
      <div>
      {q.trim() ? (
        <SearchResults folder={folder} needle={q.trim()} />
      ) : live.data === undefined ? (
        !live.error && <Loading what="keys" />
      ) : children.length === 0 ? (
        <Empty>{folder === '' ? 'The store is empty. Create a key to begin.' : 'This folder is empty.'}</Empty>
      ) : (
        <table class="table" data-testid="kv-table">
          <tbody>
            {children.map((k) => (
              <tr key={k} data-key={k}>
                <td class="col-icon">{k.endsWith('/') ? <span class="icon-folder" aria-label="folder" /> : <span class="icon-key" aria-label="key" />}</td>
                <td><a class="strong" href={kvHref(k)}>{baseName(k)}</a></td>
                <td class="right">
                  <button type="button" class="btn btn-small btn-ghost" aria-label={`Delete ${k}`} onClick={() => (k.endsWith('/') ? removeFolder(k) : removeKey(k))}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      </div>
      </div>
    </>
  );
}

function CreateForm({ folder, onDone }: { folder: string; onDone: () => void }) {
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [format, setFormat] = useState<Format>('text');
  const isFolder = name.endsWith('/');
  const submit = async () => {
    const rel = name.replace(/^\/+/, '');
    if (!rel) return toast('Give the key a name', 'error');
    if (!isFolder && !(await validDraft(value, format))) return;
    const key = folder + rel;
    await attempt('Create', async () => {
      const ok = await write(`/v1/kv/${encodePath(key)}?cas=0`, isFolder ? '' : value);
      if (ok !== true) throw new Error(`${key} already exists`);
      toast(`Created ${key}`);
      onDone();
      navigate(`kv/${encodePath(key)}`);
    });
  };
  return (
    <form class="card create" onSubmit={(e) => { e.preventDefault(); void submit(); }} data-testid="create-form">
      <label class="field">
        <span>Key or folder name <span class="muted">(end with / for a folder)</span></span>
        <div class="prefixed">
          <span class="prefix">{folder || '/'}</span>
          <input value={name} autofocus aria-label="Key name" placeholder="config/app.json" onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </div>
      </label>
      {!isFolder && <ValueEditor value={value} onInput={setValue} format={format} onFormat={setFormat} />}
      <div class="form-actions">
        <button type="submit" class="btn btn-primary">{isFolder ? 'Create folder' : 'Create key'}</button>
        <button type="button" class="btn" onClick={onDone}>Cancel</button>
      </div>
    </form>
  );
}

function SearchResults({ folder, needle }: { folder: string; needle: string }) {
  const live = useLive<DirEntry[] | null>(`/v1/kv/${encodePath(folder)}?recurse`);
  if (live.data === undefined) return live.error ? null : <Loading what="matches" />;
  const lower = needle.toLowerCase();
  const hits: Array<{ key: string; inKey: boolean; text: string }> = [];
  for (const e of live.data ?? []) {
    const value = decodeValue(e.Value) ?? '';
    const inKey = e.Key.toLowerCase().includes(lower);
    const inValue = value.toLowerCase().includes(lower);
    if (inKey || inValue) hits.push({ key: e.Key, inKey, text: inValue ? snippet(value, needle) : '' });
  }
  if (hits.length === 0) return <Empty>Nothing in {folder || 'the store'} mentions “{needle}”.</Empty>;
  return (
    <table class="table" data-testid="kv-search">
      <thead>
        <tr><th>Key</th><th>Match in value</th></tr>
      </thead>
      <tbody>
        {hits.map((h) => (
          <tr key={h.key} data-key={h.key}>
            <td><a class="strong" href={kvHref(h.key)}><Highlight text={h.key} needle={needle} /></a></td>
            <td>{h.text ? <code class="small"><Highlight text={h.text} needle={needle} /></code> : <span class="muted">key name only</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** `text` with every case-insensitive occurrence of `needle` marked. */
function Highlight({ text, needle }: { text: string; needle: string }) {
  const lower = text.toLowerCase();
  const n = needle.toLowerCase();
  const parts = [];
  let at = 0;
  for (let i = lower.indexOf(n); i >= 0 && n; i = lower.indexOf(n, i + n.length)) {
    parts.push(text.slice(at, i), <mark key={i}>{text.slice(i, i + n.length)}</mark>);
    at = i + n.length;
  }
  parts.push(text.slice(at));
  return <>{parts}</>;
}

async function removeKey(key: string): Promise<void> {
  const yes = await ask({ title: `Delete ${key}?`, body: 'The key and its value are deleted.', confirm: 'Delete', danger: true });
  if (yes === null) return;
  await attempt('Delete', () => write(`/v1/kv/${encodePath(key)}`, undefined, 'DELETE'), `Deleted ${key}`);
}

async function removeFolder(folder: string): Promise<void> {
  const keys = (await requestJson<string[]>(`/v1/kv/${encodePath(folder)}?keys`)) ?? [];
  const yes = await ask({
    title: `Delete the folder ${folder}?`,
    body: (
      <>
        Everything under <code>{folder}</code> is deleted: <strong>{keys.length}</strong> {keys.length === 1 ? 'key' : 'keys'}. This cannot be undone.
      </>
    ),
    confirm: 'Delete folder',
    danger: true,
  });
  if (yes === null) return;
  const ok = await attempt('Delete', () => write(`/v1/kv/${encodePath(folder)}?recurse`, undefined, 'DELETE'), `Deleted ${folder} and ${keys.length} keys`);
  if (ok && location.pathname.startsWith(kvHref(folder))) {
    const parent = folder.slice(0, folder.slice(0, -1).lastIndexOf('/') + 1);
    navigate(`kv/${encodePath(parent)}`);
  }
}

async function exportTree(folder: string): Promise<void> {
  await attempt('Export', async () => {
    const entries = (await requestJson<DirEntry[]>(`/v1/kv/${encodePath(folder)}?recurse`)) ?? [];
    const blob = new Blob([exportFile(entries)], { type: 'application/json' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `kv-${(folder || 'root').replace(/\/$/, '').replace(/[^A-Za-z0-9._-]+/g, '_')}.json`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    toast(`Exported ${entries.length} ${entries.length === 1 ? 'key' : 'keys'}`);
  });
}

async function importFile(input: HTMLInputElement): Promise<void> {
  const file = input.files?.[0];
  input.value = '';
  if (!file) return;
  let entries;
  try {
    entries = parseImport(await file.text());
  } catch (err) {
    toast(`Import failed: ${file.name}: ${(err as Error).message}`, 'error');
    return;
  }
  const yes = await ask({
    title: `Import ${entries.length} ${entries.length === 1 ? 'key' : 'keys'}?`,
    body: <>Keys from <code>{file.name}</code> are written as they are named in the file; existing keys with the same names are overwritten.</>,
    confirm: 'Import',
  });
  if (yes === null) return;
  await attempt(
    'Import',
    async () => {
      for (let i = 0; i < entries.length; i += TXN_OPS_MAX) {
        const ops = entries.slice(i, i + TXN_OPS_MAX).map((e) => ({ KV: { Verb: 'set', Key: e.key, Value: e.value, Flags: e.flags } }));
        await write('/v1/txn', JSON.stringify(ops));
      }
    },
    `Imported ${entries.length} ${entries.length === 1 ? 'key' : 'keys'}`,
  );
}
