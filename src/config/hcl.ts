// A parser for HCL1, the syntax of Consul's `.hcl` configuration files and `-hcl` fragments.
//
// What it accepts (HCL1 as hashicorp/hcl v1 does):
//   key = value                 value: "string", <<HEREDOC, number, true/false, [list], { object }
//   key { ... }                 a block; a key repeated as blocks becomes a list of objects
//   key "label" "l2" { ... }    labelled blocks nest: { key: { label: { l2: {...} } } }
//   # comment, // comment, /* block comment */
//   commas between object items and list elements are optional/trailing-tolerant as in HCL1.
// Errors carry `line:column` (1-based) in HCL1's wording style: `At 3:7: ...`.
//
// The output is plain JSON-like data. Objects that came from blocks are marked (see isBlockList) so the
// config decoder can apply Consul's weak slice-to-map rule the same way for HCL and JSON.

export type HclValue = string | number | boolean | HclValue[] | HclObject;
export interface HclObject {
  [key: string]: HclValue;
}

export class HclParseError extends Error {
  override name = 'HclParseError';
  constructor(
    readonly line: number,
    readonly column: number,
    detail: string,
  ) {
    super(`At ${line}:${column}: ${detail}`);
  }
}

type TokKind = 'ident' | 'string' | 'heredoc' | 'number' | 'bool' | 'punct' | 'eof';
interface Token {
  kind: TokKind;
  text: string;
  value?: string | number | boolean;
  line: number;
  column: number;
}

class Lexer {
  private pos = 0;
  private line = 1;
  private col = 1;
  constructor(private readonly src: string) {}

  private peekChar(offset = 0): string {
    return this.src[this.pos + offset] ?? '';
  }
  private advance(): string {
    const ch = this.src[this.pos++]!;
    if (ch === '\n') {
      this.line++;
      this.col = 1;
    } else this.col++;
    return ch;
  }
  private fail(detail: string, line = this.line, col = this.col): never {
    throw new HclParseError(line, col, detail);
  }

  private skipSpaceAndComments(): void {
    for (;;) {
      const ch = this.peekChar();
      if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n' || ch === '\uFEFF') {
        this.advance();
      } else if (ch === '#' || (ch === '/' && this.peekChar(1) === '/')) {
        while (this.pos < this.src.length && this.peekChar() !== '\n') this.advance();
      } else if (ch === '/' && this.peekChar(1) === '*') {
        const line = this.line;
        const col = this.col;
        this.advance();
        this.advance();
        while (!(this.peekChar() === '*' && this.peekChar(1) === '/')) {
          if (this.pos >= this.src.length) this.fail('comment not terminated', line, col);
          this.advance();
        }
        this.advance();
        this.advance();
      } else return;
    }
  }

  next(): Token {
    this.skipSpaceAndComments();
    const line = this.line;
    const column = this.col;
    if (this.pos >= this.src.length) return { kind: 'eof', text: 'EOF', line, column };
    const ch = this.peekChar();
    if ('{}[]=,'.includes(ch)) {
      this.advance();
      return { kind: 'punct', text: ch, line, column };
    }
    if (ch === '"') return this.readString(line, column);
    if (ch === '<' && this.peekChar(1) === '<') return this.readHeredoc(line, column);
    if (/[0-9]/.test(ch) || ((ch === '-' || ch === '+') && /[0-9.]/.test(this.peekChar(1)))) {
      return this.readNumber(line, column);
    }
    if (/[A-Za-z_]/.test(ch)) {
      let text = '';
      while (/[A-Za-z0-9_\-.:]/.test(this.peekChar())) text += this.advance();
      if (text === 'true' || text === 'false') return { kind: 'bool', text, value: text === 'true', line, column };
      return { kind: 'ident', text, value: text, line, column };
    }
    this.fail(`illegal char ${JSON.stringify(ch)}`);
  }

  private readString(line: number, column: number): Token {
    this.advance(); // opening quote
    let out = '';
    let braces = 0; // inside ${ ... } quotes do not terminate the string (HCL1 interpolation)
    for (;;) {
      if (this.pos >= this.src.length) this.fail('literal not terminated', line, column);
      const ch = this.advance();
      if (ch === '\n' && braces === 0) this.fail('literal not terminated', line, column);
      if (braces === 0 && ch === '"') break;
      if (ch === '$' && this.peekChar() === '{') {
        braces++;
        out += ch + this.advance();
        continue;
      }
      if (braces > 0) {
        if (ch === '{') braces++;
        if (ch === '}') braces--;
        out += ch;
        continue;
      }
      if (ch !== '\\') {
        out += ch;
        continue;
      }
      const esc = this.advance();
      switch (esc) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'a': out += '\x07'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'v': out += '\v'; break;
        case '\\': out += '\\'; break;
        case '"': out += '"'; break;
        case 'u':
        case 'U': {
          const len = esc === 'u' ? 4 : 8;
          const hex = this.src.slice(this.pos, this.pos + len);
          if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) this.fail('illegal char escape');
          for (let k = 0; k < len; k++) this.advance();
          out += String.fromCodePoint(parseInt(hex, 16));
          break;
        }
        default:
          this.fail('unknown escape sequence');
      }
    }
    return { kind: 'string', text: out, value: out, line, column };
  }

  private readHeredoc(line: number, column: number): Token {
    this.advance();
    this.advance();
    let indented = false;
    if (this.peekChar() === '-') {
      indented = true;
      this.advance();
    }
    let anchor = '';
    while (/[A-Za-z0-9_]/.test(this.peekChar())) anchor += this.advance();
    if (anchor === '') this.fail('heredoc expected an anchor identifier after <<', line, column);
    if (this.peekChar() === '\r') this.advance();
    if (this.peekChar() !== '\n') this.fail('heredoc anchor must be followed by a newline', line, column);
    this.advance();
    const lines: string[] = [];
    for (;;) {
      if (this.pos >= this.src.length) this.fail(`heredoc not terminated, expected ${anchor}`, line, column);
      let text = '';
      while (this.pos < this.src.length && this.peekChar() !== '\n') text += this.advance();
      if (this.peekChar() === '\n') this.advance();
      const bare = text.replace(/\r$/, '');
      if ((indented ? bare.trim() : bare) === anchor) break;
      lines.push(bare);
    }
    if (indented) {
      // Remove the smallest indentation shared by the non-empty lines.
      const indents = lines.filter((l) => l.trim() !== '').map((l) => /^[ \t]*/.exec(l)![0].length);
      const strip = indents.length ? Math.min(...indents) : 0;
      for (let k = 0; k < lines.length; k++) lines[k] = lines[k]!.slice(Math.min(strip, lines[k]!.length));
    }
    const value = lines.map((l) => `${l}\n`).join('');
    return { kind: 'heredoc', text: value, value, line, column };
  }

  private readNumber(line: number, column: number): Token {
    let text = '';
    while (/[0-9a-zA-Z.+\-_]/.test(this.peekChar())) {
      const ch = this.peekChar();
      // a sign is only part of the number at the start or right after an exponent marker
      if ((ch === '-' || ch === '+') && text !== '' && !/[eE]$/.test(text)) break;
      text += this.advance();
    }
    let value: number;
    if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(text)) value = parseInt(text, 16);
    else if (/^[+-]?0[0-7]+$/.test(text)) value = parseInt(text, 8);
    else if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) value = Number(text);
    else this.fail(`invalid number ${JSON.stringify(text)}`, line, column);
    return { kind: 'number', text, value, line, column };
  }
}

/** Parses an HCL1 document into an object. Throws HclParseError with a line:column on bad input. */
export function parseHcl(src: string): HclObject {
  const p = new Parser(new Lexer(src));
  return p.parseDocument();
}

class Parser {
  private tok: Token;
  constructor(private readonly lex: Lexer) {
    this.tok = lex.next();
  }
  private take(): Token {
    const t = this.tok;
    this.tok = this.lex.next();
    return t;
  }
  private fail(t: Token, detail: string): never {
    throw new HclParseError(t.line, t.column, detail);
  }
  private atEof(): boolean {
    return this.tok.kind === 'eof';
  }
  private isPunct(ch: string): boolean {
    return this.tok.kind === 'punct' && this.tok.text === ch;
  }

  parseDocument(): HclObject {
    const obj = this.parseItems(true);
    if (this.tok.kind !== 'eof') this.fail(this.tok, `unexpected token ${describe(this.tok)}`);
    return obj;
  }

  /** Items until `}` (or EOF at top level). */
  private parseItems(top: boolean): HclObject {
    const items = new ItemCollector();
    for (;;) {
      if (this.tok.kind === 'eof') {
        if (!top) this.fail(this.tok, 'object expected closing RBRACE got: EOF');
        break;
      }
      if (this.isPunct('}')) {
        if (top) this.fail(this.tok, 'unexpected token RBRACE');
        break;
      }
      const keyTok = this.take();
      if (keyTok.kind !== 'ident' && keyTok.kind !== 'string') {
        this.fail(keyTok, `expected: IDENT | STRING got: ${describe(keyTok)}`);
      }
      const key = String(keyTok.value);
      if (this.isPunct('=')) {
        this.take();
        items.add(key, this.parseValue());
      } else {
        // block, possibly with labels
        const labels: string[] = [];
        while (this.tok.kind === 'string' || this.tok.kind === 'ident') labels.push(String(this.take().value));
        if (!this.isPunct('{')) {
          this.fail(keyTok, `key '${[key, ...labels].join(' ')}' expected start of object ('{') or assignment ('=')`);
        }
        this.take();
        let body: HclValue = this.parseItems(false);
        this.take(); // '}'
        for (let k = labels.length - 1; k >= 0; k--) body = { [labels[k]!]: body };
        items.add(key, body, true);
      }
      if (this.isPunct(',')) this.take();
    }
    return items.build();
  }

  private parseValue(): HclValue {
    const t = this.tok;
    switch (t.kind) {
      case 'string':
      case 'heredoc':
      case 'number':
      case 'bool':
        this.take();
        return t.value!;
      case 'punct':
        if (t.text === '[') return this.parseList();
        if (t.text === '{') {
          this.take();
          const obj = this.parseItems(false);
          this.take();
          return obj;
        }
        break;
      case 'ident':
        // HCL1 has no bare-word values; be explicit rather than guess.
        this.fail(t, `Unknown token: ${t.line}:${t.column} IDENT ${t.text}`);
    }
    this.fail(t, `expected a value, got: ${describe(t)}`);
  }

  private parseList(): HclValue[] {
    const open = this.take();
    const out: HclValue[] = [];
    for (;;) {
      if (this.tok.kind === 'eof') this.fail(open, 'list not terminated, expected RBRACK');
      if (this.isPunct(']')) {
        this.take();
        return out;
      }
      out.push(this.parseValue());
      if (this.isPunct(',')) this.take();
      else if (this.atEof()) this.fail(open, 'list not terminated, expected RBRACK');
      else if (!this.isPunct(']')) this.fail(this.tok, `expected comma or RBRACK in list, got: ${describe(this.tok)}`);
    }
  }
}

/** Collects object items; a key given several times as objects/blocks becomes a list of those objects. */
class ItemCollector {
  private readonly entries = new Map<string, { values: HclValue[]; objects: boolean }>();
  add(key: string, value: HclValue, _block = false): void {
    const isObj = isPlainObject(value);
    const e = this.entries.get(key);
    if (!e) {
      this.entries.set(key, { values: [value], objects: isObj });
      return;
    }
    if (e.objects && isObj) e.values.push(value);
    else this.entries.set(key, { values: [value], objects: isObj }); // scalars and lists: the last one wins
  }
  build(): HclObject {
    const out: HclObject = {};
    for (const [k, e] of this.entries) {
      out[k] = e.values.length === 1 ? e.values[0]! : e.values;
    }
    return out;
  }
}

export function isPlainObject(v: unknown): v is HclObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'EOF';
    case 'punct':
      return ({ '{': 'LBRACE', '}': 'RBRACE', '[': 'LBRACK', ']': 'RBRACK', '=': 'ASSIGN', ',': 'COMMA' } as Record<
        string,
        string
      >)[t.text]!;
    case 'string':
      return `STRING ${JSON.stringify(t.text)}`;
    case 'heredoc':
      return 'HEREDOC';
    case 'number':
      return `NUMBER ${t.text}`;
    case 'bool':
      return `BOOL ${t.text}`;
    case 'ident':
      return `IDENT ${t.text}`;
  }
}
