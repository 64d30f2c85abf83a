// The matching machine under the filter grammar: pigeon's (the Go PEG generator's) primitives
// with its observable side effects, so that error texts come out as go-bexpr's do:
//   - literals and character classes record what was expected at the farthest failure;
//     inside a negative lookahead the record is inverted ("!." becomes EOF in the list);
//   - errors raised by rules carry the innermost labelled rule ("rule \"number\": ...");
//   - positions are "line:column (byte offset)", columns counted in characters.
// parser.ts holds the grammar rules written on top of these primitives.

export const FAIL: unique symbol = Symbol('fail');
export type Result<T> = T | typeof FAIL;

/** A parse failure; `message` is the text go-bexpr's parser returns. */
export class ParseError extends Error {
  override name = 'ParseError';
}

/** Rule nesting the parser accepts (our own limit; Go's stack simply grows). */
export const RULE_DEPTH_MAX = 2000;

/** Memoised rules per position; rule slots must stay below this. */
export const MEMO_SLOTS_MAX = 16;

/** Thrown to stop parsing at once, like a panic inside a pigeon action. */
export class Abort extends Error {}
class TooDeep extends Error {}

/** Go's %q of each literal, as pigeon lists it among the expected tokens. */
const LITERAL_WANT = new Map<string, string>();
function quoteLiteral(s: string): string {
  const want = JSON.stringify(s);
  LITERAL_WANT.set(s, want);
  return want;
}

interface RecordedError {
  readonly index: number;
  readonly label: string | null;
  readonly message: string;
}

export abstract class PegMachine {
  protected readonly cps: number[];
  protected pos = 0;
  private maxFailPos = 0;
  private maxFailExpected: string[] = [];
  private invert = false;
  private readonly errors: RecordedError[] = [];
  private readonly labels: string[] = [];
  private readonly memo = new Map<number, { end: number; value: unknown }>();
  private depth = 0;

  constructor(text: string) {
    this.cps = Array.from(text, (ch) => ch.codePointAt(0)!);
  }

  /** Runs the start rule; returns its value or throws ParseError with pigeon's text. */
  protected run<T>(start: () => Result<T>): T {
    let result: Result<T> = FAIL;
    try {
      result = start();
    } catch (err) {
      if (err instanceof TooDeep || err instanceof RangeError) {
        throw new ParseError('expression is nested too deeply');
      }
      if (!(err instanceof Abort)) throw err;
    }
    if (result !== FAIL && this.errors.length === 0) return result;
    if (this.errors.length === 0) this.noMatch();
    throw new ParseError(this.renderErrors());
  }

  private record(matched: boolean, at: number, want: string): void {
    if (matched !== this.invert || at < this.maxFailPos) return;
    if (at > this.maxFailPos) {
      this.maxFailPos = at;
      this.maxFailExpected = [];
    }
    this.maxFailExpected.push(this.invert ? '!' + want : want);
  }

  protected lit(s: string): boolean {
    const start = this.pos;
    const want = LITERAL_WANT.get(s) ?? quoteLiteral(s);
    for (let k = 0; k < s.length; k++) {
      if (this.cps[this.pos] !== s.charCodeAt(k)) {
        this.record(false, start, want);
        this.pos = start;
        return false;
      }
      this.pos++;
    }
    this.record(true, start, want);
    return true;
  }

  protected cls(test: (c: number) => boolean, want: string): boolean {
    const c = this.cps[this.pos];
    if (c !== undefined && test(c)) {
      this.record(true, this.pos, want);
      this.pos++;
      return true;
    }
    this.record(false, this.pos, want);
    return false;
  }

  protected any(): boolean {
    if (this.pos >= this.cps.length) {
      this.record(false, this.pos, '.');
      return false;
    }
    this.record(true, this.pos, '.');
    this.pos++;
    return true;
  }

  protected not(fn: () => boolean): boolean {
    const start = this.pos;
    this.invert = !this.invert;
    const ok = fn();
    this.invert = !this.invert;
    this.pos = start;
    return !ok;
  }

  protected and(fn: () => boolean): boolean {
    const start = this.pos;
    const ok = fn();
    this.pos = start;
    return ok;
  }

  /** A `&{ return false, errors.New(msg) }` predicate: records the error, never matches. */
  protected fail(message: string): false {
    this.addError(this.pos, message);
    return false;
  }

  protected addError(index: number, message: string): void {
    this.errors.push({ index, label: this.labels.at(-1) ?? null, message });
  }

  protected rule<T>(slot: number, label: string | null, fn: () => Result<T>): Result<T> {
    const key = (this.pos * MEMO_SLOTS_MAX + slot) * 2 + (this.invert ? 1 : 0);
    const hit = this.memo.get(key);
    if (hit !== undefined) {
      if (hit.value !== FAIL) this.pos = hit.end;
      return hit.value as Result<T>;
    }
    const value = this.labelled(label, fn);
    this.memo.set(key, { end: this.pos, value });
    return value;
  }

  protected labelled<T>(label: string | null, fn: () => Result<T>): Result<T> {
    const start = this.pos;
    if (++this.depth > RULE_DEPTH_MAX) throw new TooDeep();
    if (label !== null) this.labels.push(label);
    let value: Result<T>;
    try {
      value = fn();
    } finally {
      if (label !== null) this.labels.pop();
      this.depth--;
    }
    if (value === FAIL) this.pos = start;
    return value;
  }

  // ---- error rendering --------------------------------------------------------------

  private noMatch(): void {
    const set = new Set(this.maxFailExpected);
    const eof = set.delete('!.');
    const expected = [...set].sort(compareBytes);
    if (eof) expected.push('EOF');
    const list =
      expected.length <= 1
        ? (expected[0] ?? '')
        : `${expected.slice(0, -1).join(', ')} or ${expected.at(-1)}`;
    this.labels.length = 0;
    this.addError(this.maxFailPos, `no match found, expected: ${list}`);
  }

  private renderErrors(): string {
    const seen = new Set<string>();
    const lines: string[] = [];
    for (const e of this.errors) {
      const { line, col, offset } = this.position(e.index);
      const prefix = `${line}:${col} (${offset})` + (e.label === null ? '' : `: rule ${e.label}`);
      const text = `${prefix}: ${e.message}`;
      if (!seen.has(text)) {
        seen.add(text);
        lines.push(text);
      }
    }
    return lines.join('\n');
  }

  /** Pigeon's position of the rune at `index`: 1-based line, rune column, byte offset. */
  private position(index: number): { line: number; col: number; offset: number } {
    let line = 1;
    let col = 0;
    let offset = 0;
    for (let j = 0; j <= index; j++) {
      col++;
      const c = this.cps[j];
      if (c === 0x0a) {
        line++;
        col = 0;
      }
      if (j < index && c !== undefined) offset += utf8Length(c);
    }
    return { line, col, offset };
  }
}

function utf8Length(cp: number): number {
  if (cp < 0x80) return 1;
  if (cp < 0x800) return 2;
  if (cp < 0x10000) return 3;
  return 4;
}

/** Go sorts the expected list with sort.Strings: UTF-8 byte order, which is code point order. */
function compareBytes(a: string, b: string): number {
  const x = Array.from(a, (ch) => ch.codePointAt(0)!);
  const y = Array.from(b, (ch) => ch.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i]! - y[i]!;
  }
  return x.length - y.length;
}

/** Parses a filter expression; throws ParseError with go-bexpr's text. */
