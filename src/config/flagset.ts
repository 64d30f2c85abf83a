// A small re-implementation of Go's `flag` package semantics, shared by `consul agent` and every CLI command.
//
// Rules (as Go's flag.FlagSet.Parse):
// - `-name`, `--name`, `-name=value`, `--name=value`; a non-boolean flag without `=` takes the next argument.
// - boolean flags never consume the next argument: `-server false` leaves `false` as a positional argument;
//   `-server=false` is how to switch one off.
// - parsing stops at the first non-flag argument, at a lone `-`, or after `--`.
// - `-h` / `-help` / `--help` (unless defined) end parsing with a FlagHelp result.
// Error texts match Go's so that scripts grepping them keep working.
import { parseDurationNs } from '../lib/duration.js';

export type FlagKind = 'string' | 'bool' | 'int' | 'uint' | 'uint64' | 'duration' | 'strings' | 'map';

export interface FlagSpec {
  name: string;
  kind: FlagKind;
  usage: string;
  /** For 'map' flags: the separator between key and value (`:` for -node-meta, `=` for CLI -meta). */
  mapSeparator?: string;
  /** Text shown as the default in usage output; omitted when undefined. */
  defaultText?: string;
  /** Name shown for the value in usage (`-http-addr=<address>`). */
  valueName?: string;
}

export type FlagValue = string | boolean | number | string[] | Record<string, string>;

export class FlagError extends Error {
  override name = 'FlagError';
}

export interface ParsedFlags {
  /** Only the flags that were given, by name; repeatable flags accumulate. */
  values: Map<string, FlagValue>;
  /** Order in which flags were given (a name appears once per occurrence). */
  order: string[];
  /** Positional arguments left after the flags. */
  args: string[];
  /** True when -h / -help was given. */
  help: boolean;
}

export class FlagSet {
  private readonly specs = new Map<string, FlagSpec>();

  constructor(readonly name: string) {}

  add(spec: FlagSpec): this {
    if (this.specs.has(spec.name)) throw new Error(`flag redefined: ${spec.name}`);
    this.specs.set(spec.name, spec);
    return this;
  }

  string(name: string, usage: string, extra: Partial<FlagSpec> = {}): this {
    return this.add({ name, kind: 'string', usage, ...extra });
  }
  bool(name: string, usage: string, extra: Partial<FlagSpec> = {}): this {
    return this.add({ name, kind: 'bool', usage, ...extra });
  }
  int(name: string, usage: string, extra: Partial<FlagSpec> = {}): this {
    return this.add({ name, kind: 'int', usage, ...extra });
  }
  uint(name: string, usage: string, extra: Partial<FlagSpec> = {}): this {
    return this.add({ name, kind: 'uint', usage, ...extra });
  }
  duration(name: string, usage: string, extra: Partial<FlagSpec> = {}): this {
    return this.add({ name, kind: 'duration', usage, ...extra });
  }
  strings(name: string, usage: string, extra: Partial<FlagSpec> = {}): this {
    return this.add({ name, kind: 'strings', usage, ...extra });
  }
  map(name: string, usage: string, separator: string, extra: Partial<FlagSpec> = {}): this {
    return this.add({ name, kind: 'map', usage, mapSeparator: separator, ...extra });
  }

  has(name: string): boolean {
    return this.specs.has(name);
  }

  /** Usage text in the layout of Go's PrintDefaults (flag line, then the indented help). */
  usage(): string {
    const names = [...this.specs.keys()].sort();
    const lines: string[] = [];
    for (const n of names) {
      const s = this.specs.get(n)!;
      const value = s.kind === 'bool' ? '' : `=<${s.valueName ?? valueNameFor(s.kind)}>`;
      lines.push(`  -${n}${value}`);
      const text = s.defaultText !== undefined ? `${s.usage} The default is ${s.defaultText}.` : s.usage;
      for (const l of wrap(text, 64)) lines.push(`     ${l}`);
      lines.push('');
    }
    return lines.join('\n');
  }

  parse(argv: readonly string[]): ParsedFlags {
    const values = new Map<string, FlagValue>();
    const order: string[] = [];
    let i = 0;
    while (i < argv.length) {
      const arg = argv[i]!;
      if (arg.length < 2 || arg[0] !== '-') break; // positional or lone "-"
      let body = arg.slice(1);
      if (body[0] === '-') {
        body = body.slice(1);
        if (body === '') {
          i++; // "--" terminates the flags
          break;
        }
      }
      if (body === '' || body[0] === '-' || body[0] === '=') throw new FlagError(`bad flag syntax: ${arg}`);
      i++;
      let name = body;
      let value: string | undefined;
      const eq = body.indexOf('=');
      if (eq > 0) {
        name = body.slice(0, eq);
        value = body.slice(eq + 1);
      }
      const spec = this.specs.get(name);
      if (!spec) {
        if (name === 'h' || name === 'help') return { values, order, args: argv.slice(i), help: true };
        throw new FlagError(`flag provided but not defined: -${name}`);
      }
      if (spec.kind === 'bool') {
        if (value === undefined) value = 'true';
        const b = parseGoBool(value);
        if (b === undefined) throw new FlagError(`invalid boolean value ${goQuote(value)} for -${name}: parse error`);
        values.set(name, b);
        order.push(name);
        continue;
      }
      if (value === undefined) {
        if (i >= argv.length) throw new FlagError(`flag needs an argument: -${name}`);
        value = argv[i]!;
        i++;
      }
      values.set(name, convert(spec, value, values.get(name)));
      order.push(name);
    }
    return { values, order, args: argv.slice(i), help: false };
  }
}

function convert(spec: FlagSpec, value: string, previous: FlagValue | undefined): FlagValue {
  const bad = (why = 'parse error') =>
    new FlagError(`invalid value ${goQuote(value)} for flag -${spec.name}: ${why}`);
  switch (spec.kind) {
    case 'string':
      return value;
    case 'int':
    case 'uint': {
      const n = parseGoInt(value);
      if (n === undefined || (spec.kind === 'uint' && n < 0)) throw bad();
      return n;
    }
    case 'uint64': {
      // Kept as a decimal string: KV flags use the full uint64 range, beyond JS's exact integers.
      const m = /^(0[xX][0-9a-fA-F]+|[0-9]+)$/.exec(value);
      if (!m) throw bad();
      const n = BigInt(value);
      if (n > 0xffffffffffffffffn) throw bad('value out of range');
      return n.toString();
    }
    case 'duration':
      // Kept as the Go duration string (config files carry strings too); only its syntax is checked here.
      try {
        parseDurationNs(value);
      } catch {
        throw bad();
      }
      return value;
    case 'strings':
      return [...((previous as string[] | undefined) ?? []), value];
    case 'map': {
      const sep = spec.mapSeparator ?? ':';
      const at = value.indexOf(sep);
      if (at < 0) throw bad(`missing '${sep}' in ${goQuote(value)}`);
      const out = { ...((previous as Record<string, string> | undefined) ?? {}) };
      out[value.slice(0, at)] = value.slice(at + 1);
      return out;
    }
    case 'bool':
      throw new Error('unreachable');
  }
}

/** Go's strconv.ParseBool. */
export function parseGoBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

/** Go's strconv.ParseInt(s, 0, 64) for the ranges JS numbers hold exactly. */
export function parseGoInt(s: string): number | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[oO]?[0-7_]+|0[bB][01_]+|[0-9][0-9_]*)$/.exec(s);
  if (!m) return undefined;
  let digits = m[2]!.replace(/_/g, '');
  let n: number;
  if (/^0[xX]/.test(digits)) n = parseInt(digits.slice(2), 16);
  else if (/^0[bB]/.test(digits)) n = parseInt(digits.slice(2), 2);
  else if (/^0[oO]/.test(digits)) n = parseInt(digits.slice(2), 8);
  else if (digits.length > 1 && digits[0] === '0') n = parseInt(digits.slice(1), 8);
  else n = parseInt((digits = digits), 10);
  if (!Number.isSafeInteger(n)) return undefined;
  return m[1] === '-' ? -n : n;
}

/** strconv.Quote for the printable-ASCII strings that show up in flag errors. */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

function valueNameFor(kind: FlagKind): string {
  switch (kind) {
    case 'int':
    case 'uint':
    case 'uint64':
      return 'int';
    case 'duration':
      return 'duration';
    default:
      return 'value';
  }
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}
