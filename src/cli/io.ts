// Where a command's output goes, and the two table layouts Consul's CLI uses (columnize and tabwriter).

export interface Io {
  /** Normal output (Consul's UI.Output/UI.Info): stdout. */
  out(text: string | Uint8Array): void;
  /** Errors (UI.Error): stderr. */
  err(text: string): void;
  /** Everything on standard input (for `-` arguments). */
  readStdin(): Promise<Buffer>;
  env: NodeJS.ProcessEnv;
}

export function processIo(): Io {
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    },
    env: process.env,
  };
}

/** An Io that records output, for tests. */
export function memoryIo(env: NodeJS.ProcessEnv = {}, stdin = ''): Io & { stdout: () => string; stderr: () => string } {
  const out: Buffer[] = [];
  const err: string[] = [];
  return {
    out: (t) => void out.push(typeof t === 'string' ? Buffer.from(t) : Buffer.from(t)),
    err: (t) => void err.push(t),
    readStdin: async () => Buffer.from(stdin),
    env,
    stdout: () => Buffer.concat(out).toString('utf8'),
    stderr: () => err.join(''),
  };
}

/** UI.Info / UI.Output: the text plus a newline. */
export function info(io: Io, text: string): void {
  io.out(`${text}\n`);
}

/** UI.Error: the text plus a newline, on stderr. */
export function error(io: Io, text: string): void {
  io.err(`${text}\n`);
}

/**
 * ryanuber/columnize with Consul's settings: cells separated by \x1f, trimmed, each column padded to its
 * widest cell, columns glued with two spaces, the last column unpadded.
 */
export function columnize(lines: string[], delim = '\x1f'): string {
  const rows = lines.map((l) => l.split(delim).map((c) => c.trim()));
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  '))
    .join('\n');
}

/**
 * text/tabwriter as Consul configures it (minwidth 0, padding 6, pad with spaces): every tab-terminated cell
 * of a column is padded to the column's widest cell plus 6; text after the last tab is left alone.
 */
export function tabwrite(lines: string[], padding = 6): string {
  const rows = lines.map((l) => l.split('\t'));
  const widths: number[] = [];
  for (const r of rows) {
    for (let i = 0; i < r.length - 1; i++) widths[i] = Math.max(widths[i] ?? 0, r[i]!.length);
  }
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + padding))).join('')).join('\n');
}
