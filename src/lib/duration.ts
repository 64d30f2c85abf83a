// Go-style durations ("1h30m", "15s", "1500ms", "0.001s"), as Consul's clients send them.
// Values are carried in nanoseconds as bigint-free numbers of milliseconds where precision allows;
// the canonical unit here is nanoseconds held in a JS number (exact up to 2^53 ns ~ 104 days).

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3,
  'μs': 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

export class DurationError extends Error {
  override name = 'DurationError';
}

/** Parses a Go duration string into nanoseconds. Throws DurationError on bad input. */
export function parseDurationNs(text: string): number {
  const original = text;
  let s = text.trim();
  if (s === '') throw new DurationError(`time: invalid duration "${original}"`);
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new DurationError(`time: invalid duration "${original}"`);
  let total = 0;
  const re = /^([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/;
  while (s.length > 0) {
    const m = re.exec(s);
    if (!m || m[1] === '' || m[1] === '.') {
      if (/^[0-9.]+$/.test(s)) throw new DurationError(`time: missing unit in duration "${original}"`);
      throw new DurationError(`time: invalid duration "${original}"`);
    }
    total += Number(m[1]) * UNIT_NS[m[2]!]!;
    s = s.slice(m[0].length);
  }
  return sign * Math.round(total);
}

export function parseDurationMs(text: string): number {
  return parseDurationNs(text) / 1e6;
}

/**
 * Accepts what Consul's JSON decoder accepts for a duration field: a Go duration string,
 * or a number meaning nanoseconds. Returns nanoseconds.
 */
export function durationFromJson(value: unknown, field: string): number {
  if (value === undefined || value === null || value === '') return 0;
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'string') {
    try {
      return parseDurationNs(value);
    } catch (err) {
      throw new DurationError(`${field}: ${(err as Error).message}`);
    }
  }
  throw new DurationError(`${field}: invalid duration ${JSON.stringify(value)}`);
}

/** Formats nanoseconds the way Go's time.Duration.String() does ("1h0m0s", "15s", "1.5s", "0s"). */
export function formatDurationNs(nsInput: number): string {
  let ns = Math.round(nsInput);
  if (ns === 0) return '0s';
  const neg = ns < 0;
  if (neg) ns = -ns;
  let out: string;
  if (ns < 1e9) {
    // Sub-second: pick the largest unit that keeps a non-zero integer part.
    if (ns < 1e3) out = `${ns}ns`;
    else if (ns < 1e6) out = `${trimFraction(ns / 1e3)}µs`;
    else out = `${trimFraction(ns / 1e6)}ms`;
  } else {
    const hours = Math.floor(ns / 3600e9);
    ns -= hours * 3600e9;
    const minutes = Math.floor(ns / 60e9);
    ns -= minutes * 60e9;
    const seconds = trimFraction(ns / 1e9);
    if (hours > 0) out = `${hours}h${minutes}m${seconds}s`;
    else if (minutes > 0) out = `${minutes}m${seconds}s`;
    else out = `${seconds}s`;
  }
  return neg ? `-${out}` : out;
}

function trimFraction(v: number): string {
  // Up to 9 fractional digits, trailing zeros removed, as Go prints.
  let s = v.toFixed(9);
  s = s.replace(/\.?0+$/, '');
  return s;
}

export function formatDurationMs(ms: number): string {
  return formatDurationNs(ms * 1e6);
}
