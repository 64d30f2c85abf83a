// A small logger that writes what Consul's (hclog) writes, so log scrapers built for Consul keep working.
//
// Text:  2024-05-16T13:47:53.925Z [INFO]  agent.server.raft: entering leader state: leader="Node at 127.0.0.1:8300"
//        timestamp in UTC with milliseconds; the level in a 7-wide bracket ("[INFO] ", "[WARN] ", "[DEBUG]");
//        the module path joined with dots; fields appended after ": " as key=value, quoted when they hold
//        spaces, quotes or control characters.
// JSON:  {"@level":"info","@message":"...","@module":"agent","@timestamp":"2024-05-16T13:47:53.925000Z","key":"v"}
//        keys sorted as Go's encoding/json sorts map keys; microsecond timestamp as hclog prints it.
// Fields named like secrets (token, secret, encrypt, password, key material) are written as "<hidden>".
import { appendFileSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type Level = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
export type Fields = Record<string, unknown>;

const RANK: Record<Level, number> = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5 };
const BRACKET: Record<Level, string> = {
  TRACE: '[TRACE]',
  DEBUG: '[DEBUG]',
  INFO: '[INFO] ',
  WARN: '[WARN] ',
  ERROR: '[ERROR]',
};

export interface LogSink {
  write(chunk: string): unknown;
}

export interface LoggerOptions {
  level: Level;
  json?: boolean;
  /** Also append every line to this file (a directory gets `consul.log` inside it). */
  file?: string | null;
  /** Where lines go; process.stdout by default. */
  out?: LogSink;
  /** Clock for timestamps; Date.now by default (tests pin it). */
  nowMs?: () => number;
  /** Module name of the root logger ('' by default). */
  name?: string;
}

export interface Logger {
  readonly name: string;
  named(module: string): Logger;
  trace(msg: string, fields?: Fields): void;
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** Changes the level of this logger and every logger derived from the same root (reload). */
  setLevel(level: Level): void;
  level(): Level;
  isEnabled(level: Level): boolean;
}

interface Shared {
  level: Level;
  json: boolean;
  out: LogSink;
  file: string | null;
  nowMs: () => number;
}

export function createLogger(opts: LoggerOptions): Logger {
  const shared: Shared = {
    level: opts.level,
    json: opts.json === true,
    out: opts.out ?? process.stdout,
    file: opts.file ? resolveLogFile(opts.file) : null,
    nowMs: opts.nowMs ?? Date.now,
  };
  return new HcLogger(shared, opts.name ?? '');
}

class HcLogger implements Logger {
  constructor(
    private readonly shared: Shared,
    readonly name: string,
  ) {}

  named(module: string): Logger {
    return new HcLogger(this.shared, this.name ? `${this.name}.${module}` : module);
  }
  trace(msg: string, fields?: Fields): void {
    this.log('TRACE', msg, fields);
  }
  debug(msg: string, fields?: Fields): void {
    this.log('DEBUG', msg, fields);
  }
  info(msg: string, fields?: Fields): void {
    this.log('INFO', msg, fields);
  }
  warn(msg: string, fields?: Fields): void {
    this.log('WARN', msg, fields);
  }
  error(msg: string, fields?: Fields): void {
    this.log('ERROR', msg, fields);
  }
  setLevel(level: Level): void {
    this.shared.level = level;
  }
  level(): Level {
    return this.shared.level;
  }
  isEnabled(level: Level): boolean {
    return RANK[level] >= RANK[this.shared.level];
  }

  private log(level: Level, msg: string, fields?: Fields): void {
    if (!this.isEnabled(level)) return;
    const now = new Date(this.shared.nowMs());
    const line = this.shared.json
      ? formatJson(now, level, this.name, msg, fields)
      : formatText(now, level, this.name, msg, fields);
    this.shared.out.write(line);
    if (this.shared.file) {
      try {
        appendFileSync(this.shared.file, line);
      } catch {
        // A full disk or a removed directory must not take the agent down; stdout still has the line.
      }
    }
  }
}

export function formatText(now: Date, level: Level, name: string, msg: string, fields?: Fields): string {
  let s = `${now.toISOString()} ${BRACKET[level]} `;
  if (name) s += `${name}: `;
  s += msg;
  const entries = fields ? Object.entries(fields) : [];
  if (entries.length > 0) {
    s += ':';
    for (const [k, v] of entries) s += ` ${k}=${textValue(k, v)}`;
  }
  return `${s}\n`;
}

export function formatJson(now: Date, level: Level, name: string, msg: string, fields?: Fields): string {
  const vals: Record<string, unknown> = {
    '@level': level.toLowerCase(),
    '@message': msg,
    '@timestamp': now.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z'),
  };
  if (name) vals['@module'] = name;
  for (const [k, v] of Object.entries(fields ?? {})) vals[k] = jsonValue(k, v);
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(vals).sort()) sorted[k] = vals[k];
  return `${JSON.stringify(sorted, bigintSafe)}\n`;
}

const SECRET_FIELD = /token|secret|encrypt|password|passwd|private[_-]?key|^key$|gossip[_-]?key/i;

export function isSecretField(name: string): boolean {
  return SECRET_FIELD.test(name);
}

function textValue(key: string, v: unknown): string {
  if (isSecretField(key)) return '<hidden>';
  let s: string;
  if (v instanceof Error) s = v.message;
  else if (Array.isArray(v)) return `[${v.map((x) => quoteIfNeeded(plain(x))).join(', ')}]`;
  else s = plain(v);
  return quoteIfNeeded(s);
}

function plain(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Error) return v.message;
  if (v === undefined) return '<nil>';
  if (v === null) return '<nil>';
  if (typeof v === 'object') return JSON.stringify(v, bigintSafe);
  return String(v);
}

function quoteIfNeeded(s: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\s"\\\u0000-\u001f\u007f]/.test(s) ? JSON.stringify(s) : s;
}

function jsonValue(key: string, v: unknown): unknown {
  if (isSecretField(key)) return '<hidden>';
  if (v instanceof Error) return v.message;
  return v;
}

function bigintSafe(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

function resolveLogFile(path: string): string {
  let file = path;
  let isDir = path.endsWith('/');
  if (!isDir) {
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      isDir = false;
    }
  }
  if (isDir) file = join(path, 'consul.log');
  mkdirSync(dirname(file), { recursive: true });
  return file;
}
