// Pure helpers for the Key/Value pages: value validation, the `consul kv export` file format,
// and key-path arithmetic.

export type Format = 'text' | 'json' | 'yaml';

export interface Validation {
  ok: boolean;
  message: string;
}

/** JSON is checked at once; YAML loads its parser on first use, so the main bundle stays small. */
export async function validate(text: string, format: Format): Promise<Validation> {
  if (format === 'text') return { ok: true, message: '' };
  if (format === 'json') {
    try {
      JSON.parse(text);
      return { ok: true, message: 'Valid JSON' };
    } catch (err) {
      return { ok: false, message: `Invalid JSON: ${(err as Error).message}` };
    }
  }
  const yaml = await import('js-yaml');
  try {
    yaml.load(text);
    return { ok: true, message: 'Valid YAML' };
  } catch (err) {
    const e = err as { reason?: string; mark?: { line: number; column: number }; message: string };
    const where = e.mark ? ` (line ${e.mark.line + 1}, column ${e.mark.column + 1})` : '';
    return { ok: false, message: `Invalid YAML: ${e.reason ?? e.message}${where}` };
  }
}

/** A JSON object or array reads as JSON; anything else starts as plain text. */
export function guessFormat(text: string): Format {
  const t = text.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return 'text';
  try {
    JSON.parse(t);
    return 'json';
  } catch {
    return 'text';
  }
}

/** One entry of `consul kv export`: the value is base64, as in the HTTP API. */
export interface ExportedKV {
  key: string;
  flags: number;
  value: string;
}

export interface DirEntry {
  Key: string;
  Flags: number;
  Value: string | null;
  CreateIndex: number;
  ModifyIndex: number;
  LockIndex: number;
  Session?: string;
}

/** The file `consul kv export` writes: a tab-indented JSON array. */
export function exportFile(entries: readonly DirEntry[]): string {
  const out: ExportedKV[] = entries.map((e) => ({ key: e.Key, flags: e.Flags, value: e.Value ?? '' }));
  return JSON.stringify(out, null, '\t');
}

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/** Parses an export file; throws an Error that says which entry is wrong. */
export function parseImport(text: string): ExportedKV[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(data)) throw new Error('expected a JSON array of {"key", "flags", "value"} entries');
  return data.map((raw, i) => {
    const e = raw as Partial<ExportedKV> | null;
    if (!e || typeof e !== 'object') throw new Error(`entry ${i + 1} is not an object`);
    if (typeof e.key !== 'string' || e.key === '') throw new Error(`entry ${i + 1} has no "key"`);
    const value = e.value ?? '';
    if (typeof value !== 'string' || value.length % 4 !== 0 || !BASE64_RE.test(value)) {
      throw new Error(`entry ${i + 1} (${e.key}): "value" must be base64`);
    }
    const flags = e.flags ?? 0;
    if (typeof flags !== 'number' || !Number.isInteger(flags) || flags < 0) {
      throw new Error(`entry ${i + 1} (${e.key}): "flags" must be a non-negative integer`);
    }
    return { key: e.key, flags, value };
  });
}

/** "a/b/c" -> "a/b/", "a/b/" -> "a/", "a" -> "". */
export function parentOf(path: string): string {
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  const i = trimmed.lastIndexOf('/');
  return i < 0 ? '' : trimmed.slice(0, i + 1);
}

/** The last segment, keeping a folder's trailing slash. */
export function baseName(path: string): string {
  return path.slice(parentOf(path).length);
}

/** Breadcrumbs for a folder or key: [label, folder path] from the root down. */
export function crumbsOf(path: string): Array<[string, string]> {
  const out: Array<[string, string]> = [['Key/Value', '']];
  let acc = '';
  const parts = path.split('/');
  for (let i = 0; i < parts.length - 1; i++) {
    acc += `${parts[i]}/`;
    out.push([parts[i]!, acc]);
  }
  return out;
}

/** Where `needle` occurs in a value, with some context either side. */
export function snippet(text: string, needle: string, context = 40): string {
  const i = text.toLowerCase().indexOf(needle.toLowerCase());
  if (i < 0) return '';
  const start = Math.max(0, i - context);
  const end = Math.min(text.length, i + needle.length + context);
  return `${start > 0 ? '…' : ''}${text.slice(start, end)}${end < text.length ? '…' : ''}`.replace(/\s+/g, ' ');
}
