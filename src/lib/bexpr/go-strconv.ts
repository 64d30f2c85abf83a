// Go's strconv behaviour, as far as go-bexpr's messages and value coercion depend on it:
// Quote (for %q in error texts), Unquote (string literals), ParseInt/ParseUint (base 0),
// ParseFloat and ParseBool, with Go's *NumError texts
// ("strconv.ParseInt: parsing \"x\": invalid syntax").

/** Thrown by the parse helpers; `message` is Go's NumError.Error() text. */
export class GoNumError extends Error {
  override name = 'GoNumError';
}

const SYNTAX = 'invalid syntax';
const RANGE = 'value out of range';

function numError(fn: string, input: string, reason: string): GoNumError {
  return new GoNumError(`strconv.${fn}: parsing ${goQuote(input)}: ${reason}`);
}

/** strconv.Quote: double-quoted Go string literal with Go's escapes. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"': out += '\\"'; continue;
      case '\\': out += '\\\\'; continue;
      case '\x07': out += '\\a'; continue;
      case '\b': out += '\\b'; continue;
      case '\f': out += '\\f'; continue;
      case '\n': out += '\\n'; continue;
      case '\r': out += '\\r'; continue;
      case '\t': out += '\\t'; continue;
      case '\v': out += '\\v'; continue;
    }
    if (cp >= 0xd800 && cp <= 0xdfff) {
      out += '\\ufffd'; // a lone surrogate is invalid UTF-8 to Go; it prints the replacement rune
    } else if (isGoPrintable(cp)) {
      out += ch;
    } else if (cp < 0x80) {
      out += '\\x' + cp.toString(16).padStart(2, '0');
    } else if (cp < 0x10000) {
      out += '\\u' + cp.toString(16).padStart(4, '0');
    } else {
      out += '\\U' + cp.toString(16).padStart(8, '0');
    }
  }
  return out + '"';
}

// Approximates unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
function isGoPrintable(cp: number): boolean {
  if (cp >= 0x20 && cp < 0x7f) return true;
  if (cp < 0xa0) return false;
  return PRINTABLE.test(String.fromCodePoint(cp));
}

/**
 * strconv.Unquote for the two literal forms go-bexpr's grammar produces: `"..."` and `` `...` ``.
 * Returns null where Go returns ErrSyntax.
 */
export function goUnquote(text: string): string | null {
  if (text.length < 2) return null;
  const quote = text[0];
  if (quote !== text[text.length - 1]) return null;
  const body = text.slice(1, -1);
  if (quote === '`') {
    if (body.includes('`')) return null;
    return body.replaceAll('\r', '');
  }
  if (quote !== '"') return null;
  if (body.includes('\n')) return null;
  if (!body.includes('\\') && !body.includes('"')) return body;
  let out = '';
  let i = 0;
  while (i < body.length) {
    const c = body[i]!;
    if (c === '"') return null;
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) return null;
    i += 2;
    switch (e) {
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case '\\': out += '\\'; break;
      case '"': out += '"'; break;
      case 'x': case 'u': case 'U': {
        const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = body.slice(i, i + n);
        if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) return null;
        const v = parseInt(hex, 16);
        i += n;
        if (e === 'x') {
          out += String.fromCharCode(v); // a raw byte in Go; kept as the same-numbered code unit
        } else {
          if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return null;
          out += String.fromCodePoint(v);
        }
        break;
      }
      default: {
        if (e >= '0' && e <= '7') {
          const oct = body.slice(i - 1, i + 2);
          if (!/^[0-7]{3}$/.test(oct)) return null;
          const v = parseInt(oct, 8);
          if (v > 255) return null;
          out += String.fromCharCode(v);
          i += 2;
          break;
        }
        return null;
      }
    }
  }
  return out;
}

/** Go's underscoreOK: underscores only between digits or after a base prefix. */
function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s[0] === '+' || s[0] === '-') s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && /[bBoOxX]/.test(s[1]!)) {
    i = 2;
    saw = '0';
    hex = s[1] === 'x' || s[1] === 'X';
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

/** Digits of s in base (0 = Go prefix rules) as a bigint, or null on a syntax error. */
function parseUnsignedDigits(s: string, base0: boolean): bigint | null {
  if (s === '') return null;
  let base = 10;
  let digits = s;
  if (base0) {
    if (s[0] === '0') {
      if (s.length >= 3 && /[xX]/.test(s[1]!)) { base = 16; digits = s.slice(2); }
      else if (s.length >= 3 && /[bB]/.test(s[1]!)) { base = 2; digits = s.slice(2); }
      else if (s.length >= 3 && /[oO]/.test(s[1]!)) { base = 8; digits = s.slice(2); }
      else { base = 8; digits = s.slice(1); }
    }
    if (s.includes('_')) {
      if (!underscoreOK(s)) return null;
      digits = digits.replaceAll('_', '');
    }
  }
  if (digits === '' && !(base === 8 && s === '0')) return null;
  let v = 0n;
  const b = BigInt(base);
  for (const c of digits) {
    const d = parseInt(c, 36);
    if (Number.isNaN(d) || d >= base) return null;
    v = v * b + BigInt(d);
  }
  return v;
}

/** strconv.ParseUint(s, 0, bits). */
export function goParseUint(s: string, bits: number): bigint {
  const v = parseUnsignedDigits(s, true);
  if (v === null) throw numError('ParseUint', s, SYNTAX);
  if (v >= 1n << BigInt(bits)) throw numError('ParseUint', s, RANGE);
  return v;
}

/** strconv.ParseInt(s, 0, bits). */
export function goParseInt(s: string, bits: number): bigint {
  let body = s;
  let neg = false;
  if (body[0] === '+' || body[0] === '-') {
    neg = body[0] === '-';
    body = body.slice(1);
  }
  const v = parseUnsignedDigits(body, true);
  if (v === null) throw numError('ParseInt', s, SYNTAX);
  const limit = 1n << BigInt(bits - 1);
  if (!neg && v >= limit) throw numError('ParseInt', s, RANGE);
  if (neg && v > limit) throw numError('ParseInt', s, RANGE);
  return neg ? -v : v;
}

/** strconv.ParseBool. */
export function goParseBool(s: string): boolean {
  switch (s) {
    case '1': case 't': case 'T': case 'true': case 'TRUE': case 'True':
      return true;
    case '0': case 'f': case 'F': case 'false': case 'FALSE': case 'False':
      return false;
  }
  throw numError('ParseBool', s, SYNTAX);
}

const DECIMAL_FLOAT = /^[+-]?(?:[0-9](?:_?[0-9])*(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)(?:[eE][+-]?[0-9](?:_?[0-9])*)?$/;
const HEX_FLOAT = /^([+-]?)0[xX]([0-9a-fA-F_]*)(?:\.([0-9a-fA-F_]*))?[pP]([+-]?[0-9_]+)$/;

/** strconv.ParseFloat(s, bits) for 32 or 64 bits. */
export function goParseFloat(s: string, bits: 32 | 64): number {
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(s);
  if (special) {
    if (special[2]!.toLowerCase() === 'nan') return NaN;
    return special[1] === '-' ? -Infinity : Infinity;
  }
  let v: number;
  const hex = HEX_FLOAT.exec(s);
  if (hex) {
    const intPart = hex[2]!.replaceAll('_', '');
    const frac = (hex[3] ?? '').replaceAll('_', '');
    if (intPart === '' && frac === '') throw numError('ParseFloat', s, SYNTAX);
    const mantissa = parseInt((intPart || '0') + frac, 16);
    v = mantissa * 2 ** (Number(hex[4]!.replaceAll('_', '')) - 4 * frac.length);
    if (hex[1] === '-') v = -v;
  } else {
    if (!DECIMAL_FLOAT.test(s) || (s.includes('_') && !/^[+-]?0[xXbBoO]/.test(s))) {
      // Go only permits underscores in base-prefixed literals.
      throw numError('ParseFloat', s, SYNTAX);
    }
    v = Number(s);
  }
  if (bits === 32) {
    const f = Math.fround(v);
    if (!Number.isFinite(f) && Number.isFinite(v)) throw numError('ParseFloat', s, RANGE);
    return f;
  }
  if (!Number.isFinite(v)) throw numError('ParseFloat', s, RANGE);
  return v;
}
