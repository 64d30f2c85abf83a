// The folder tree beside the Key/Value listing: folders only, loaded one level at a time when opened,
// with the path to the current folder opened and marked.
import { useEffect, useState } from 'preact/hooks';
import { encodePath, requestJson } from '../api';
import { href } from '../router';
import { baseName } from '../kv-format';

export function KvTree({ current, version }: { current: string; version: number }) {
  return (
    <nav class="kv-tree card" aria-label="Folders">
      <a class={current === '' ? 'tree-link current' : 'tree-link'} href={href('kv/')}>
        <span class="icon-folder" aria-hidden="true" /> All keys
      </a>
      <Branch folder="" current={current} version={version} />
    </nav>
  );
}

/** The subfolders of `folder`; reloaded when `version` (the listing's index) moves. */
function Branch({ folder, current, version }: { folder: string; current: string; version: number }) {
  const [children, setChildren] = useState<string[] | null>(null);
  useEffect(() => {
    let live = true;
    requestJson<string[]>(`/v1/kv/${encodePath(folder)}?keys&separator=/`)
      .then((keys) => live && setChildren((keys ?? []).filter((k) => k.endsWith('/') && k !== folder).sort()))
      .catch(() => live && setChildren([]));
    return () => void (live = false);
  }, [folder, version]);
  if (!children || children.length === 0) return null;
  return (
    <ul class="tree">
      {children.map((f) => (
        <Folder key={f} folder={f} current={current} version={version} />
      ))}
    </ul>
  );
}

function Folder({ folder, current, version }: { folder: string; current: string; version: number }) {
  const onPath = current.startsWith(folder);
  const [open, setOpen] = useState(onPath);
  useEffect(() => {
    if (onPath) setOpen(true);
  }, [onPath]);
  return (
    <li>
      <div class="tree-row">
        <button type="button" class="tree-toggle" aria-expanded={open} aria-label={`${open ? 'Collapse' : 'Expand'} ${folder}`} onClick={() => setOpen(!open)}>
          {open ? '▾' : '▸'}
        </button>
        <a class={folder === current ? 'tree-link current' : 'tree-link'} href={href(`kv/${encodePath(folder)}`)}>
          {baseName(folder).slice(0, -1)}
        </a>
      </div>
      {open && <Branch folder={folder} current={current} version={version} />}
    </li>
  );
}
