// JSON the way Consul (Go's encoding/json) prints it: uint64 bigints exact, <, >, & escaped,
// `?pretty` as 4-space indentation with a trailing newline.

const BIG_MARK = '\u0000big:';
const BIG_RE = /"\\u0000big:(\d+)"/g;
const HTML_RE = /[<>&\u2028\u2029]/g;
const HTML_ESC: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

export function encodeJson(value: unknown, pretty: boolean): string {
  let sawBig = false;
  const replacer = (_k: string, v: unknown) => {
    if (typeof v === 'bigint') {
      sawBig = true;
      return BIG_MARK + v.toString();
    }
    return v;
  };
  let out = JSON.stringify(value === undefined ? null : value, replacer, pretty ? 4 : undefined);
  if (sawBig) out = out.replace(BIG_RE, '$1');
  if (HTML_RE.test(out)) {
    HTML_RE.lastIndex = 0;
    out = out.replace(HTML_RE, (c) => HTML_ESC[c]!);
  }
  return pretty ? out + '\n' : out;
}
