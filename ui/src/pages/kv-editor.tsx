// Editing one key: a text editor that validates JSON or YAML, saves with ?cas= so that a change made
// by someone else meanwhile is reported instead of overwritten, and deletes with confirmation.
import { useEffect, useState } from 'preact/hooks';
import { decodeValue, encodePath, requestJson, useLive, write } from '../api';
import { ask, attempt, Empty, ErrorNote, Loading, PageHeader, Segmented, toast } from '../components';
import { navigate } from '../router';
import { crumbsOf, guessFormat, parentOf, validate, type DirEntry, type Format } from '../kv-format';

export function ValueEditor({ value, onInput, format, onFormat, readOnly }: {
  value: string;
  onInput: (v: string) => void;
  format: Format;
  onFormat: (f: Format) => void;
  readOnly?: boolean;
}) {
  const [check, setCheck] = useState({ ok: true, message: '' });
  useEffect(() => {
    let current = true;
    void validate(value, format).then((r) => current && setCheck(r));
    return () => void (current = false);
  }, [value, format]);
  return (
    <div class="editor">
      <div class="editor-bar">
        <Segmented<Format> label="Value format" value={format} onChange={onFormat} options={[['text', 'Text'], ['json', 'JSON'], ['yaml', 'YAML']]} />
        {format === 'json' && check.ok && !readOnly && (
          <button type="button" class="btn btn-small" onClick={() => onInput(JSON.stringify(JSON.parse(value), null, 2))}>
            Format
          </button>
        )}
        <span class={`validation ${check.ok ? 'ok' : 'bad'}`} data-testid="validation" role={check.ok ? undefined : 'alert'}>
          {check.message}
        </span>
      </div>
      <textarea
        class="code"
        spellcheck={false}
        readOnly={readOnly}
        value={value}
        aria-label="Value"
        rows={Math.min(30, Math.max(8, value.split('\n').length + 2))}
        onInput={(e) => onInput((e.target as HTMLTextAreaElement).value)}
      />
    </div>
  );
}

/** Checks the draft against its format; reports and answers false when it does not parse. */
export async function validDraft(text: string, format: Format): Promise<boolean> {
  const r = await validate(text, format);
  if (!r.ok) toast(`Not saved. ${r.message}`, 'error');
  return r.ok;
}

interface Conflict {
  theirs: DirEntry | null;
}

export function KeyView({ path }: { path: string }) {
  const live = useLive<DirEntry[] | null>(`/v1/kv/${encodePath(path)}`);
  const entry = live.data === undefined ? undefined : (live.data?.[0] ?? null);
  const [draft, setDraft] = useState<string | null>(null);
  const [format, setFormat] = useState<Format>('text');
  /** ModifyIndex the draft was based on: the cas of the next save. */
  const [base, setBase] = useState(0);
  const [dirty, setDirty] = useState(false);
  const [conflict, setConflict] = useState<Conflict | null>(null);

  const load = (e: DirEntry) => {
    const text = decodeValue(e.Value);
    // Guess the format once; later loads (our own save, another writer) keep the user's choice.
    if (text !== null && base === 0) setFormat(guessFormat(text));
    setDraft(text);
    setBase(e.ModifyIndex);
    setDirty(false);
    setConflict(null);
  };
  // Follow the server while there are no local edits.
  useEffect(() => {
    if (entry && !dirty) load(entry);
  }, [entry?.ModifyIndex]);

  const crumbs = crumbsOf(path).map(([l, p]): [string, string] => [l, `kv/${encodePath(p)}`]);
  const name = path.slice(parentOf(path).length);
  if (entry === undefined) {
    return (
      <>
        <PageHeader crumbs={crumbs} title={name} />
        <ErrorNote message={live.error} />
        {!live.error && <Loading what="key" />}
      </>
    );
  }
  if (entry === null && !dirty) {
    return (
      <>
        <PageHeader crumbs={crumbs} title={name} />
        <Empty>The key <code>{path}</code> does not exist (any more).</Empty>
      </>
    );
  }

  const save = async (cas: number) => {
    if (draft === null || !(await validDraft(draft, format))) return;
    await attempt('Save', async () => {
      const ok = await write(`/v1/kv/${encodePath(path)}?cas=${cas}`, draft);
      if (ok === true) {
        // Load what was stored, for its ModifyIndex: the live view may have skipped it while we were dirty.
        const now = await requestJson<DirEntry[]>(`/v1/kv/${encodePath(path)}`);
        if (now?.[0]) load(now[0]);
        else setDirty(false);
        toast('Saved');
      } else {
        // Read what is there now: the live view may not have caught up with the other writer yet.
        const now = await requestJson<DirEntry[]>(`/v1/kv/${encodePath(path)}`);
        setConflict({ theirs: now?.[0] ?? null });
      }
    });
  };
  const remove = async () => {
    const yes = await ask({ title: `Delete ${path}?`, body: 'The key and its value are deleted.', confirm: 'Delete', danger: true });
    if (yes === null) return;
    await attempt('Delete', async () => {
      const ok = await write(`/v1/kv/${encodePath(path)}?cas=${base}`, undefined, 'DELETE');
      if (ok !== true) throw new Error('the key changed since it was loaded; reload it and try again');
      toast(`Deleted ${path}`);
      navigate(`kv/${encodePath(parentOf(path))}`);
    });
  };
  const changedUnderneath = entry !== null && dirty && entry.ModifyIndex !== base;
  return (
    <>
      <PageHeader crumbs={crumbs} title={name}>
        <button type="button" class="btn btn-danger-outline" onClick={remove} disabled={entry === null}>Delete…</button>
      </PageHeader>
      <ErrorNote message={live.error} />
      {conflict && (
        <div class="note note-error" role="alert" data-testid="cas-conflict">
          <strong>Not saved: this key was changed by someone else</strong> since you loaded it (index {base}
          {conflict.theirs ? ` → ${conflict.theirs.ModifyIndex}` : ', and it has since been deleted'}). Your edits are still here.
          <div class="note-actions">
            {conflict.theirs && <button type="button" class="btn btn-small" onClick={() => load(conflict.theirs!)}>Discard mine, load theirs</button>}
            <button type="button" class="btn btn-small btn-danger-outline" onClick={() => save(conflict.theirs?.ModifyIndex ?? 0)}>Overwrite with mine</button>
          </div>
        </div>
      )}
      {!conflict && changedUnderneath && (
        <div class="note note-warning" role="status">
          This key changed on the server while you were editing. Saving will report a conflict.
          <button type="button" class="btn btn-small" onClick={() => load(entry!)}>Load the new value</button>
        </div>
      )}
      <div class="kv-layout">
        <section class="card">
          {draft === null ? (
            <p class="muted">This value is binary ({atob(entry?.Value ?? '').length} bytes) and cannot be edited as text.</p>
          ) : (
            <form onSubmit={(e) => { e.preventDefault(); void save(base); }}>
              <ValueEditor value={draft} format={format} onFormat={setFormat} onInput={(v) => { setDraft(v); setDirty(true); }} />
              <div class="form-actions">
                <button type="submit" class="btn btn-primary" disabled={!dirty}>Save</button>
                <button type="button" class="btn" disabled={!dirty || entry === null} onClick={() => entry && load(entry)}>Revert</button>
                {dirty && <span class="muted small">Unsaved changes</span>}
              </div>
            </form>
          )}
        </section>
        {entry && (
          <aside class="card meta">
            <h3>Details</h3>
            <dl class="kv-list">
              <div><dt>Flags</dt><dd>{entry.Flags}</dd></div>
              <div><dt>Create index</dt><dd>{entry.CreateIndex}</dd></div>
              <div><dt>Modify index</dt><dd data-testid="modify-index">{entry.ModifyIndex}</dd></div>
              <div><dt>Lock index</dt><dd>{entry.LockIndex}</dd></div>
              <div><dt>Session</dt><dd>{entry.Session ? <code class="small">{entry.Session}</code> : <span class="muted">none</span>}</dd></div>
            </dl>
          </aside>
        )}
      </div>
    </>
  );
}
