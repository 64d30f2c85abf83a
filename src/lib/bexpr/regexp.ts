// Go's regexp (RE2 syntax) for `matches`, run on JavaScript's engine.
//
// go-bexpr compiles the pattern with regexp.Compile while validating the filter and reports
// "error parsing regexp: <code>: `<fragment>`" on failure. This module checks the RE2 rules that
// differ from JavaScript (no look-around, no back-references, Perl flags only as (?flags)),
// translates the few RE2 spellings JavaScript lacks, and words the common errors as Go does.
// Exotic corners (Unicode classes beyond \pL-style names, flag groups in mid-pattern) are best effort.

export class RegexpError extends Error {
  override name = 'RegexpError';
}

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7F', blank: '\\t ', cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9', graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ', upper: 'A-Z', word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};

function fail(code: string, fragment: string): never {
  throw new RegexpError(`error parsing regexp: ${code}: \`${fragment}\``);
}

/** Compiles an RE2 pattern to a JavaScript RegExp, or throws RegexpError with Go's wording. */
export function compileGoRegexp(pattern: string): RegExp {
  let flags = '';
  let src = pattern;
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    if (lead[1]!.includes('U')) fail('invalid or unsupported Perl syntax', '(?U');
    flags = [...new Set(lead[1]!)].join('');
    src = src.slice(lead[0].length);
  }
  const out = translate(src, pattern);
  try {
    // Always in Unicode mode: RE2 matches runes, so "." must match a whole emoji.
    return new RegExp(out, flags + 'u');
  } catch (err) {
    throw new RegexpError(`error parsing regexp: ${(err as Error).message}`);
  }
}

// Characters JavaScript's Unicode mode lets one escape; RE2 lets one escape any punctuation.
const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/');

/** An RE2 escape of punctuation, spelled so that JavaScript's Unicode mode accepts it. */
function punctuation(ch: string, inClass: boolean): string {
  if (JS_SYNTAX.has(ch) || (inClass && ch === '-')) return '\\' + ch;
  return ch;
}

function translate(src: string, whole: string): string {
  let out = '';
  let depth = 0;
  let atomStart = true; // true where a repetition operator would have nothing to repeat
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      const e = src[i + 1];
      if (e === undefined) fail('trailing backslash at end of expression', '');
      i++;
      if (e === 'Q') {
        const end = src.indexOf('\\E', i + 1);
        const lit = end < 0 ? src.slice(i + 1) : src.slice(i + 1, end);
        out += lit.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
        i = end < 0 ? src.length : end + 1;
      } else if (e === 'z') {
        out += '$(?![\\s\\S])';
      } else if (e === 'A') {
        out += '^';
      } else if (e === 'p' || e === 'P') {
        const m = /^\{\^?[A-Za-z_]+\}|^[A-Za-z]/.exec(src.slice(i + 1));
        if (!m) fail('invalid character class range', `\\${e}${src.slice(i + 1, i + 3)}`);
        out += unicodeClass(e, m[0]);
        i += m[0].length;
      } else if (/[1-9]/.test(e) || e === 'k' || e === 'c' || e === 'u') {
        fail('invalid escape sequence', `\\${e}`);
      } else if (/[A-Za-z0-9]/.test(e) && !/[dDsSwWbBnrtfvax0]/.test(e)) {
        fail('invalid escape sequence', `\\${e}`);
      } else if (e === 's' || e === 'S') {
        out += e === 's' ? '[\\t\\n\\f\\r ]' : '[^\\t\\n\\f\\r ]'; // RE2's \s is ASCII only
      } else if (/[A-Za-z0-9]/.test(e)) {
        out += '\\' + e;
      } else {
        out += punctuation(e, false);
      }
      atomStart = false;
      continue;
    }
    if (c === '[') {
      const end = classEnd(src, i);
      if (end < 0) fail('missing closing ]', src.slice(i));
      out += translateClass(src.slice(i, end + 1));
      i = end;
      atomStart = false;
      continue;
    }
    if (c === '(') {
      if (src[i + 1] === '?') {
        const rest = src.slice(i + 2);
        if (rest.startsWith('P<') || /^<[A-Za-z_]/.test(rest)) {
          out += '(?<'; // named group; Go 1.22 also accepts the (?<name>...) spelling
          i += rest.startsWith('P<') ? 3 : 2;
        } else if (rest.startsWith(':')) {
          out += '(?:';
          i += 2;
        } else {
          // Go reports what it read up to the first character that is not a flag.
          fail('invalid or unsupported Perl syntax', `(?${rest.slice(0, 1)}`);
        }
      } else {
        out += '(';
      }
      depth++;
      atomStart = true;
      continue;
    }
    if (c === ')') {
      if (depth === 0) fail('unexpected )', whole);
      depth--;
      out += ')';
      atomStart = false;
      continue;
    }
    if (c === '*' || c === '+' || c === '?') {
      if (atomStart) fail('missing argument to repetition operator', c);
      const prev = src[i - 1];
      if ((prev === '*' || prev === '+' || prev === '?') && src[i - 2] !== '\\' && c !== '?') {
        fail('invalid nested repetition operator', `${prev}${c}`);
      }
      out += c;
      continue;
    }
    if (c === '|') {
      out += c;
      atomStart = true;
      continue;
    }
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i));
      if (m) {
        if (atomStart) fail('missing argument to repetition operator', m[0]);
        const lo = Number(m[1]);
        const hi = m[3] ? Number(m[3]) : lo;
        if (lo > 1000 || hi > 1000 || (m[3] && hi < lo)) fail('invalid repeat count', m[0]);
        out += m[0];
        i += m[0].length - 1;
        continue;
      }
      out += '\\{'; // RE2 treats a brace that is not a repeat as a literal
      atomStart = false;
      continue;
    }
    out += c === '}' || c === ']' || c === '/' ? '\\' + c : c; // literals in RE2
    atomStart = c === '^';
  }
  if (depth > 0) fail('missing closing )', whole);
  return out;
}

/** \pL, \p{Lu}, \p{Greek}, \P{^N}: RE2's names as JavaScript property escapes. */
function unicodeClass(letter: string, spec: string): string {
  let name = spec.startsWith('{') ? spec.slice(1, -1) : spec;
  let negate = letter === 'P';
  if (name.startsWith('^')) {
    negate = !negate;
    name = name.slice(1);
  }
  const property = /^[A-Z][a-z]?$/.test(name) ? name : name === 'Any' ? 'Any' : `Script=${name}`;
  return `\\${negate ? 'P' : 'p'}{${property}}`;
}

function classEnd(src: string, start: number): number {
  let i = start + 1;
  if (src[i] === '^') i++;
  if (src[i] === ']') i++; // a leading ] is a literal
  for (; i < src.length; i++) {
    if (src[i] === '\\') {
      i++;
      continue;
    }
    if (src.startsWith('[:', i)) {
      const close = src.indexOf(':]', i + 2);
      if (close > 0) {
        i = close + 1;
        continue;
      }
    }
    if (src[i] === ']') return i;
  }
  return -1;
}

function translateClass(cls: string): string {
  let body = cls.slice(1, -1);
  let neg = '';
  if (body.startsWith('^')) {
    neg = '^';
    body = body.slice(1);
  }
  if (body.startsWith(']')) body = '\\]' + body.slice(1);
  // Escaped punctuation that Unicode mode refuses becomes the plain character.
  body = body.replace(/\\([^A-Za-z0-9])/g, (_m, ch: string) => punctuation(ch, true));
  body = body.replace(/\[:(\^?)([a-z]+):\]/g, (m, not: string, name: string) => {
    const range = POSIX[name];
    if (range === undefined) fail('invalid character class range', m);
    if (not) fail('invalid or unsupported Perl syntax', m); // negated POSIX inside a class
    return range;
  });
  body = body.replace(/(^|[^\\])\[/g, '$1\\[');
  return `[${neg}${body}]`;
}
