// LZW as Go's compress/lzw writes and reads it with order LSB and literal width 8 — the only algorithm memberlist
// uses for compressMsg (lzwAlgo = 0). Codes start 9 bits wide and grow to 12; 256 is clear, 257 is end of data.
import { WireError } from './errors.js';

const CLEAR = 256;
const EOF = 257;
const WIDTH_MAX = 12;
const INVALID = 0xffff;

/** Decompresses `input`; refuses to produce more than `outputMax` bytes (a compression bomb is a WireError). */
export function lzwDecompress(input: Uint8Array, outputMax: number): Buffer {
  const suffix = new Uint8Array(1 << WIDTH_MAX);
  const prefix = new Uint16Array(1 << WIDTH_MAX);
  const scratch = new Uint8Array(1 << WIDTH_MAX);
  const chunks: Buffer[] = [];
  let total = 0;
  let bits = 0;
  let nBits = 0;
  let pos = 0;
  let width = 9;
  let hi = EOF;
  let overflow = 1 << width;
  let last = INVALID;

  for (;;) {
    while (nBits < width) {
      if (pos >= input.length) throw new WireError('truncated', 'lzw: unexpected end of compressed data');
      bits |= input[pos++]! << nBits;
      nBits += 8;
    }
    const code = bits & ((1 << width) - 1);
    bits >>>= width;
    nBits -= width;

    if (code === CLEAR) {
      width = 9;
      hi = EOF;
      overflow = 1 << width;
      last = INVALID;
      continue;
    }
    if (code === EOF) break;
    let out: Uint8Array;
    if (code < CLEAR) {
      out = Uint8Array.of(code);
      if (last !== INVALID) {
        suffix[hi] = code;
        prefix[hi] = last;
      }
    } else if (code <= hi) {
      let c = code;
      let i = scratch.length - 1;
      if (code === hi && last !== INVALID) {
        // KwKwK: the last expansion followed by its own first byte.
        c = last;
        while (c >= CLEAR) c = prefix[c]!;
        scratch[i--] = c;
        c = last;
      } else if (code === hi) {
        throw new WireError('malformed', 'lzw: invalid code');
      }
      while (c >= CLEAR) {
        scratch[i--] = suffix[c]!;
        c = prefix[c]!;
        if (i < 0) throw new WireError('malformed', 'lzw: code chain too long');
      }
      scratch[i] = c;
      out = scratch.slice(i);
      if (last !== INVALID) {
        suffix[hi] = c;
        prefix[hi] = last;
      }
    } else {
      throw new WireError('malformed', 'lzw: invalid code');
    }
    total += out.length;
    if (total > outputMax) throw new WireError('too-large', `lzw: output exceeds ${outputMax} bytes`);
    chunks.push(Buffer.from(out));
    last = code;
    hi++;
    if (hi >= overflow) {
      if (width === WIDTH_MAX) {
        last = INVALID;
        hi--;
      } else {
        width++;
        overflow = 1 << width;
      }
    }
  }
  return Buffer.concat(chunks, total);
}

/** Compresses like Go's lzw.NewWriter(w, lzw.LSB, 8): a clear code first, a clear code when the table fills. */
export function lzwCompress(input: Uint8Array): Buffer {
  const out: number[] = [];
  let bits = 0;
  let nBits = 0;
  let width = 9;
  let hi = EOF;
  let overflow = 1 << width;
  const table = new Map<number, number>(); // (prefixCode << 8 | byte) -> code
  const emit = (code: number) => {
    bits |= code << nBits;
    nBits += width;
    while (nBits >= 8) {
      out.push(bits & 0xff);
      bits >>>= 8;
      nBits -= 8;
    }
  };
  const incHi = () => {
    hi++;
    if (hi === overflow) {
      width++;
      overflow <<= 1;
    }
    if (hi === (1 << WIDTH_MAX) - 1) {
      // Table full: emit clear (Go emits it at the current width) and start over.
      emit(CLEAR);
      width = 9;
      hi = EOF;
      overflow = 1 << width;
      table.clear();
    }
  };
  emit(CLEAR);
  if (input.length > 0) {
    let saved = input[0]!;
    for (let i = 1; i < input.length; i++) {
      const x = input[i]!;
      const key = (saved << 8) | x;
      const hit = table.get(key);
      if (hit !== undefined) {
        saved = hit;
        continue;
      }
      emit(saved);
      // Go's writer adds the entry only while hi < maxCode; incHi handles the reset.
      table.set(key, hi + 1);
      saved = x;
      incHi();
    }
    emit(saved);
    incHi();
  }
  emit(EOF);
  if (nBits > 0) out.push(bits & 0xff);
  return Buffer.from(out);
}
