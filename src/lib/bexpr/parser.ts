// A hand-written PEG parser for go-bexpr's filter grammar (v0.1.2, the version Consul ships).
//
// Each method mirrors one rule of go-bexpr's grammar.peg and keeps pigeon's (the Go PEG
// generator's) observable behaviour, because Consul puts the parser's error text straight
// into its HTTP answer:
//   - ordered choice with backtracking; no keyword is reserved ("not == 1" is a match);
//   - the farthest failure position and the literals / character classes expected there
//     ("1:4 (3): no match found, expected: \"!=\", \".\", ... or [a-zA-Z0-9_]");
//   - errors raised inside rules ("1:17 (16): rule \"number\": Invalid number literal"),
//     de-duplicated, in order, joined by newlines.
// Rule results are memoised per (rule, position, inversion) so nested parentheses stay linear;
// pigeon re-parses instead, which only repeats side effects that are idempotent here.

import { goUnquote } from './go-strconv.js';

export type MatchOperator =
  | 'Equal'
  | 'Not Equal'
  | 'In'
  | 'Not In'
  | 'Is Empty'
  | 'Is Not Empty'
  | 'Matches'
  | 'Not Matches';

export type Expression =
  | { readonly kind: 'or'; readonly left: Expression; readonly right: Expression }
  | { readonly kind: 'and'; readonly left: Expression; readonly right: Expression }
  | { readonly kind: 'not'; readonly operand: Expression }
  | MatchExpression;

export interface MatchExpression {
  readonly kind: 'match';
  readonly selector: readonly string[];
  readonly operator: MatchOperator;
  /** The raw value text (unquoted); null for `is empty` / `is not empty`. */
  readonly value: string | null;
}

/** A parse failure; `message` is the text go-bexpr's parser returns. */
export class ParseError extends Error {
  override name = 'ParseError';
}

/** Input the parser refuses before reading it (our own limit, not go-bexpr's). */
export const RULE_DEPTH_MAX = 2000;

const FAIL: unique symbol = Symbol('fail');
type Result<T> = T | typeof FAIL;

// Pigeon's labels: the display name (quoted) where the grammar gives one.
const LABEL = {
  grouping: '"grouping"',
  match: '"match"',
  selector: '"selector"',
  index: '"index"',
  value: '"value"',
  number: '"number"',
  string: '"string"',
} as const;

// Memo slots, one per memoised rule.
const R_OR = 0, R_AND = 1, R_NOT = 2, R_PAREN = 3, R_MATCH = 4, R_SELECTOR = 5, R_VALUE = 6;
const RULES_MEMOISED = 7;

const WS = '[ \\t\\r\\n]';
const isWs = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
const isAlpha = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isIdent = (c: number) => isAlpha(c) || isDigit(c) || c === 0x5f;

/** Go's %q of each literal, as pigeon lists it among the expected tokens. */
const LITERAL_WANT = new Map<string, string>();
function quoteLiteral(s: string): string {
  const want = JSON.stringify(s);
  LITERAL_WANT.set(s, want);
  return want;
}

/** Thrown to stop parsing at once, like a panic inside a pigeon action. */
class Abort extends Error {}
class TooDeep extends Error {}

interface RecordedError {
  readonly index: number;
  readonly label: string | null;
  readonly message: string;
}

class Parser {
  private readonly cps: number[];
  private pos = 0;
  private maxFailPos = 0;
  private maxFailExpected: string[] = [];
  private invert = false;
  private readonly errors: RecordedError[] = [];
  private readonly labels: string[] = [];
  private readonly memo = new Map<number, { end: number; value: unknown }>();
  private depth = 0;

  constructor(private readonly text: string) {
    this.cps = Array.from(text, (ch) => ch.codePointAt(0)!);
  }

  parse(): Expression {
    let result: Result<Expression> = FAIL;
    try {
      result = this.input();
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

  // ---- pigeon's matching primitives -------------------------------------------------

  private record(matched: boolean, at: number, want: string): void {
    if (matched !== this.invert || at < this.maxFailPos) return;
    if (at > this.maxFailPos) {
      this.maxFailPos = at;
      this.maxFailExpected = [];
    }
    this.maxFailExpected.push(this.invert ? '!' + want : want);
  }

  private lit(s: string): boolean {
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

  private cls(test: (c: number) => boolean, want: string): boolean {
    const c = this.cps[this.pos];
    if (c !== undefined && test(c)) {
      this.record(true, this.pos, want);
      this.pos++;
      return true;
    }
    this.record(false, this.pos, want);
    return false;
  }

  private any(): boolean {
    if (this.pos >= this.cps.length) {
      this.record(false, this.pos, '.');
      return false;
    }
    this.record(true, this.pos, '.');
    this.pos++;
    return true;
  }

  private not(fn: () => boolean): boolean {
    const start = this.pos;
    this.invert = !this.invert;
    const ok = fn();
    this.invert = !this.invert;
    this.pos = start;
    return !ok;
  }

  private and(fn: () => boolean): boolean {
    const start = this.pos;
    const ok = fn();
    this.pos = start;
    return ok;
  }

  /** A `&{ return false, errors.New(msg) }` predicate: records the error, never matches. */
  private fail(message: string): false {
    this.addError(this.pos, message);
    return false;
  }

  private addError(index: number, message: string): void {
    this.errors.push({ index, label: this.labels.at(-1) ?? null, message });
  }

  private rule<T>(slot: number, label: string | null, fn: () => Result<T>): Result<T> {
    const key = (this.pos * RULES_MEMOISED + slot) * 2 + (this.invert ? 1 : 0);
    const hit = this.memo.get(key);
    if (hit !== undefined) {
      if (hit.value !== FAIL) this.pos = hit.end;
      return hit.value as Result<T>;
    }
    const value = this.labelled(label, fn);
    this.memo.set(key, { end: this.pos, value });
    return value;
  }

  private labelled<T>(label: string | null, fn: () => Result<T>): Result<T> {
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

  // ---- grammar rules ----------------------------------------------------------------

  /** `_ "whitespace" <- [ \t\r\n]+` */
  private ws(): boolean {
    if (!this.cls(isWs, WS)) return false;
    while (this.cls(isWs, WS));
    return true;
  }

  /** `EOF <- !.` */
  private eof(): boolean {
    return this.not(() => this.any());
  }

  /** `Input <- _? "(" _? OrExpression _? ")" _? EOF / _? OrExpression _? EOF` */
  private input(): Result<Expression> {
    const start = this.pos;
    this.ws();
    if (this.lit('(')) {
      this.ws();
      const expr = this.orExpression();
      if (expr !== FAIL) {
        this.ws();
        if (this.lit(')')) {
          this.ws();
          if (this.eof()) return expr;
        }
      }
    }
    this.pos = start;
    this.ws();
    const expr = this.orExpression();
    if (expr !== FAIL) {
      this.ws();
      if (this.eof()) return expr;
    }
    this.pos = start;
    return FAIL;
  }

  // `OrExpression <- AndExpression _ "or" _ OrExpression / AndExpression` (and the same for
  // "and"): PEG-equivalent to a loop that stops before the first operator whose right side
  // fails, which keeps long chains off the call stack. The tree stays right-nested like Go's.
  private orExpression(): Result<Expression> {
    return this.rule(R_OR, null, () => this.chain('or', () => this.andExpression()));
  }

  private andExpression(): Result<Expression> {
    return this.rule(R_AND, null, () => this.chain('and', () => this.notExpression()));
  }

  private chain(word: 'or' | 'and', operand: () => Result<Expression>): Result<Expression> {
    const first = operand();
    if (first === FAIL) return FAIL;
    const items = [first];
    for (;;) {
      const before = this.pos;
      if (this.ws() && this.lit(word) && this.ws()) {
        const next = operand();
        if (next !== FAIL) {
          items.push(next);
          continue;
        }
      }
      this.pos = before;
      break;
    }
    let expr = items.pop()!;
    while (items.length > 0) expr = { kind: word, left: items.pop()!, right: expr };
    return expr;
  }

  private notExpression(): Result<Expression> {
    return this.rule(R_NOT, null, () => {
      const start = this.pos;
      if (this.lit('not') && this.ws()) {
        const operand = this.notExpression();
        if (operand !== FAIL) {
          // "not not X" is X, as go-bexpr folds it.
          return operand.kind === 'not' ? operand.operand : { kind: 'not', operand };
        }
      }
      this.pos = start;
      return this.parenthesized();
    });
  }

  private parenthesized(): Result<Expression> {
    return this.rule(R_PAREN, LABEL.grouping, () => {
      const start = this.pos;
      if (this.lit('(')) {
        this.ws();
        const expr = this.orExpression();
        if (expr !== FAIL) {
          this.ws();
          if (this.lit(')')) return expr;
        }
      }
      this.pos = start;
      const match = this.matchExpression();
      if (match !== FAIL) return match;
      if (this.lit('(')) {
        this.ws();
        if (this.orExpression() !== FAIL) {
          this.ws();
          if (this.not(() => this.lit(')'))) this.fail('Unmatched parentheses');
        }
      }
      this.pos = start;
      return FAIL;
    });
  }

  private matchExpression(): Result<Expression> {
    return this.rule(R_MATCH, LABEL.match, () => {
      const a = this.labelled(LABEL.match, () => this.matchSelectorOpValue());
      if (a !== FAIL) return a;
      const b = this.labelled(LABEL.match, () => this.matchSelectorOp());
      if (b !== FAIL) return b;
      return this.labelled(LABEL.match, () => this.matchValueOpSelector());
    });
  }

  private matchSelectorOpValue(): Result<MatchExpression> {
    const selector = this.selector();
    if (selector === FAIL) return FAIL;
    const operator = this.firstOperator([
      () => this.opEqual('==', 'Equal'),
      () => this.opEqual('!=', 'Not Equal'),
      () => this.opWords(['contains'], 'In'),
      () => this.opWords(['not', 'contains'], 'Not In'),
      () => this.opWords(['matches'], 'Matches'),
      () => this.opWords(['not', 'matches'], 'Not Matches'),
    ]);
    if (operator === FAIL) return FAIL;
    const value = this.value();
    if (value === FAIL) return FAIL;
    return { kind: 'match', selector, operator, value };
  }

  private matchSelectorOp(): Result<MatchExpression> {
    const selector = this.selector();
    if (selector === FAIL) return FAIL;
    const operator = this.firstOperator([
      () => this.opIs(false),
      () => this.opIs(true),
    ]);
    if (operator === FAIL) return FAIL;
    return { kind: 'match', selector, operator, value: null };
  }

  private matchValueOpSelector(): Result<MatchExpression> {
    const start = this.pos;
    const inOps = [() => this.opWords(['in'], 'In'), () => this.opWords(['not', 'in'], 'Not In')];
    const value = this.value();
    if (value !== FAIL) {
      const operator = this.firstOperator(inOps);
      if (operator !== FAIL) {
        const selector = this.selector();
        if (selector !== FAIL) return { kind: 'match', selector, operator, value };
      }
    }
    this.pos = start;
    if (this.value() !== FAIL && this.firstOperator(inOps) !== FAIL) {
      if (this.not(() => this.selector() !== FAIL)) this.fail('Invalid selector');
    }
    this.pos = start;
    return FAIL;
  }

  private firstOperator(alternatives: (() => Result<MatchOperator>)[]): Result<MatchOperator> {
    for (const alt of alternatives) {
      const op = this.labelled(null, alt);
      if (op !== FAIL) return op;
    }
    return FAIL;
  }

  /** `MatchEqual <- _? "==" _?` and `MatchNotEqual <- _? "!=" _?` */
  private opEqual(symbol: string, op: MatchOperator): Result<MatchOperator> {
    this.ws();
    if (!this.lit(symbol)) return FAIL;
    this.ws();
    return op;
  }

  /** `_ "w1" _ "w2" ... _` (the in / contains / matches families). */
  private opWords(words: string[], op: MatchOperator): Result<MatchOperator> {
    for (const w of words) {
      if (!this.ws() || !this.lit(w)) return FAIL;
    }
    return this.ws() ? op : FAIL;
  }

  /** `_ "is" _ "empty"` and `_ "is" _ "not" _ "empty"` */
  private opIs(negated: boolean): Result<MatchOperator> {
    const words = negated ? ['is', 'not', 'empty'] : ['is', 'empty'];
    for (const w of words) {
      if (!this.ws() || !this.lit(w)) return FAIL;
    }
    return negated ? 'Is Not Empty' : 'Is Empty';
  }

  /** `Selector "selector" <- Identifier SelectorOrIndex*` */
  private selector(): Result<string[]> {
    return this.rule(R_SELECTOR, LABEL.selector, () => {
      const first = this.identifier();
      if (first === FAIL) return FAIL;
      const parts: (string | null)[] = [first];
      for (;;) {
        const part = this.selectorOrIndex();
        if (part === FAIL) break;
        parts.push(part);
      }
      return this.requireStrings(parts);
    });
  }

  /** Go's action does `v.(string)` on each part; a nil part (bad literal) panics. */
  private requireStrings(parts: (string | null)[]): string[] {
    if (parts.some((p) => p === null)) {
      this.addError(this.pos, 'interface conversion: interface {} is nil, not string');
      throw new Abort();
    }
    return parts as string[];
  }

  /** `Identifier <- [a-zA-Z] [a-zA-Z0-9_]*` */
  private identifier(): Result<string> {
    const start = this.pos;
    if (!this.cls(isAlpha, '[a-zA-Z]')) return FAIL;
    while (this.cls(isIdent, '[a-zA-Z0-9_]'));
    return String.fromCodePoint(...this.cps.slice(start, this.pos));
  }

  /** `SelectorOrIndex <- "." Identifier / IndexExpression` */
  private selectorOrIndex(): Result<string | null> {
    const start = this.pos;
    if (this.lit('.')) {
      const ident = this.identifier();
      if (ident !== FAIL) return ident;
    }
    this.pos = start;
    return this.labelled(LABEL.index, () => this.indexExpression());
  }

  private indexExpression(): Result<string | null> {
    const start = this.pos;
    if (this.lit('[')) {
      this.ws();
      const key = this.stringLiteral();
      if (key !== FAIL) {
        this.ws();
        if (this.lit(']')) return key;
      }
    }
    this.pos = start;
    if (this.lit('[')) {
      this.ws();
      if (this.not(() => this.stringLiteral() !== FAIL)) this.fail('Invalid index');
    }
    this.pos = start;
    if (this.lit('[')) {
      this.ws();
      if (this.stringLiteral() !== FAIL) {
        this.ws();
        if (this.not(() => this.lit(']'))) this.fail('Unclosed index expression');
      }
    }
    this.pos = start;
    return FAIL;
  }

  /** `Value "value" <- Selector / NumberLiteral / StringLiteral` (the raw text of each). */
  private value(): Result<string> {
    return this.rule(R_VALUE, LABEL.value, () => {
      const sel = this.selector();
      if (sel !== FAIL) return sel.join('.');
      const num = this.labelled(LABEL.number, () => this.numberLiteral());
      if (num !== FAIL) return num;
      const str = this.stringLiteral();
      if (str === FAIL) return FAIL;
      return this.requireStrings([str])[0]!;
    });
  }

  private numberLiteral(): Result<string> {
    const start = this.pos;
    this.lit('-');
    if (this.integerOrFloat() && this.and(() => this.afterNumbers())) {
      return String.fromCodePoint(...this.cps.slice(start, this.pos));
    }
    this.pos = start;
    this.lit('-');
    if (this.integerOrFloat() && this.not(() => this.afterNumbers())) {
      this.fail('Invalid number literal');
    }
    this.pos = start;
    return FAIL;
  }

  /** `AfterNumbers <- &(_ / EOF / ")")` */
  private afterNumbers(): boolean {
    return this.and(() => this.ws() || this.eof() || this.lit(')'));
  }

  /** `IntegerOrFloat <- ("0" / [1-9][0-9]*) ("." [0-9]+)?` */
  private integerOrFloat(): boolean {
    if (!this.lit('0')) {
      if (!this.cls((c) => c >= 0x31 && c <= 0x39, '[1-9]')) return false;
      while (this.cls(isDigit, '[0-9]'));
    }
    const beforeFraction = this.pos;
    if (this.lit('.') && this.cls(isDigit, '[0-9]')) {
      while (this.cls(isDigit, '[0-9]'));
    } else {
      this.pos = beforeFraction;
    }
    return true;
  }

  /** StringLiteral: a `"..."` or `` `...` `` literal, unquoted the way Go's strconv does. */
  private stringLiteral(): Result<string | null> {
    return this.labelled(LABEL.string, () => {
      const start = this.pos;
      const closed = this.quoted(true);
      if (closed !== FAIL) {
        const value = goUnquote(closed);
        if (value === null) this.addError(start, 'invalid syntax');
        return value;
      }
      this.pos = start;
      if (this.quoted(false) !== FAIL && this.eof()) this.fail('Unterminated string literal');
      this.pos = start;
      return FAIL;
    });
  }

  /** The literal's text; with `closed` false, the unterminated prefix form. */
  private quoted(closed: boolean): Result<string> {
    const start = this.pos;
    for (const q of ['`', '"']) {
      if (!this.lit(q)) continue;
      while (this.not(() => this.lit(q)) && this.any());
      if (closed && !this.lit(q)) break;
      return String.fromCodePoint(...this.cps.slice(start, this.pos));
    }
    this.pos = start;
    return FAIL;
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
export function parseExpression(text: string): Expression {
  return new Parser(text).parse();
}
