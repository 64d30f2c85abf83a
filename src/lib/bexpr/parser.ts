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
import { Abort, FAIL, PegMachine, type Result } from './peg.js';

export { ParseError, RULE_DEPTH_MAX } from './peg.js';

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

// Memo slots, one per memoised rule (fewer than MEMO_SLOTS_MAX).
const R_OR = 0, R_AND = 1, R_NOT = 2, R_PAREN = 3, R_MATCH = 4, R_SELECTOR = 5, R_VALUE = 6;

const WS = '[ \\t\\r\\n]';
const isWs = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
const isAlpha = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isIdent = (c: number) => isAlpha(c) || isDigit(c) || c === 0x5f;

class Parser extends PegMachine {
  parse(): Expression {
    return this.run(() => this.input());
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
}

export function parseExpression(text: string): Expression {
  return new Parser(text).parse();
}
