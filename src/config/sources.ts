// Config sources: files and directories named on the command line, and -hcl fragments.
// Each source is parsed (JSON or HCL), decoded against the schema, and turned into one layer for merging.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseHcl, HclParseError, isPlainObject } from './hcl.js';
import { decodeConfig, type Decoded } from './schema.js';
import { ConfigError } from './types.js';

export type ConfigFormat = 'json' | 'hcl';

export interface Source {
  name: string;
  format: ConfigFormat;
  data: string;
}

export function formatFromExtension(name: string): ConfigFormat | undefined {
  if (name.endsWith('.json')) return 'json';
  if (name.endsWith('.hcl')) return 'hcl';
  return undefined;
}

/**
 * Reads a -config-file or -config-dir path. A directory contributes its .json/.hcl files in lexical order;
 * sub-directories are ignored and other files are skipped with a warning (unless -config-format is set).
 */
export function sourcesFromPath(path: string, format: ConfigFormat | undefined, warnings: string[]): Source[] {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (err) {
    throw new ConfigError(`config: Open failed on ${path}. open ${path}: ${describeFsError(err)}`);
  }
  if (!isDir) {
    if (!format && !formatFromExtension(path)) {
      warnings.push(`skipping file ${path}, extension must be .hcl or .json, or config format must be set`);
      return [];
    }
    return [readSource(path, format)];
  }
  let names: string[];
  try {
    names = readdirSync(path);
  } catch (err) {
    throw new ConfigError(`config: Readdir failed on ${path}. readdirent ${path}: ${describeFsError(err)}`);
  }
  // Go sorts by byte order, which for these names is JS code-unit order.
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: Source[] = [];
  for (const n of names) {
    const p = join(path, n);
    let st;
    try {
      st = statSync(p); // follows symlinks, as Consul does
    } catch (err) {
      throw new ConfigError(`config: Stat failed on ${p}. stat ${p}: ${describeFsError(err)}`);
    }
    if (st.isDirectory()) continue;
    if (!format && !formatFromExtension(p)) {
      warnings.push(`skipping file ${p}, extension must be .hcl or .json, or config format must be set`);
      continue;
    }
    out.push(readSource(p, format));
  }
  return out;
}

function readSource(path: string, format: ConfigFormat | undefined): Source {
  let data: string;
  try {
    data = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`config: failed to read ${path}: open ${path}: ${describeFsError(err)}`);
  }
  return { name: path, format: format ?? formatFromExtension(path)!, data };
}

/** Parses and decodes one source. Throws ConfigError naming the source and the offending keys. */
export function parseSource(src: Source): { config: Decoded; warnings: string[] } {
  let raw: unknown;
  if (src.data.trim() === '') return { config: {}, warnings: [] };
  try {
    // Like hashicorp/hcl v1, HCL input that starts with '{' is read as JSON.
    const json = src.format === 'json' || src.data.trimStart().startsWith('{');
    raw = json ? parseJson(src.data) : parseHcl(src.data);
  } catch (err) {
    const msg = err instanceof HclParseError || err instanceof JsonError ? err.message : String(err);
    throw new ConfigError(`failed to parse ${src.name}: ${msg}`);
  }
  if (!isPlainObject(raw)) {
    throw new ConfigError(`failed to parse ${src.name}: json: cannot unmarshal ${jsonKind(raw)} into Go value of type map[string]interface {}`);
  }
  const { config, problems } = decodeConfig(raw as Record<string, unknown>);
  const warnings: string[] = [];
  const unknown = problems.unknownKeys.filter((k) => {
    if (k === 'acl_enforce_version_8') {
      warnings.push(`config key "${k}" is deprecated and should be removed`);
      return false;
    }
    return true;
  });
  if (problems.typeErrors.length > 0) {
    const n = problems.typeErrors.length;
    const list = problems.typeErrors.map((e) => `* ${e}`).join('\n');
    throw new ConfigError(`failed to parse ${src.name}: ${n} error(s) decoding:\n\n${list}`);
  }
  if (unknown.length > 0) {
    throw new ConfigError(`failed to parse ${src.name}: ${multiError(unknown.map((k) => `invalid config key ${k}`))}`);
  }
  delete config.acl_enforce_version_8;
  return { config, warnings };
}

/** go-multierror's default text. */
export function multiError(errors: string[]): string {
  if (errors.length === 1) return `1 error occurred:\n\t* ${errors[0]}\n\n`;
  return `${errors.length} errors occurred:\n\t${errors.map((e) => `* ${e}`).join('\n\t')}\n\n`;
}

class JsonError extends Error {}

/** JSON.parse with the error position turned into line:column. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const m = /position (\d+)/.exec(msg);
    if (m) {
      const pos = Number(m[1]);
      const before = text.slice(0, pos);
      const line = before.split('\n').length;
      const column = pos - before.lastIndexOf('\n');
      throw new JsonError(`invalid JSON at ${line}:${column}: ${msg.replace(/ in JSON at position \d+.*$/, '')}`);
    }
    throw new JsonError(`invalid JSON: ${msg}`);
  }
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v === 'string' ? 'string' : typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'bool' : 'object';
}

function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'not a directory';
    default:
      return e.message ?? String(err);
  }
}
