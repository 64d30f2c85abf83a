// Helpers for tests that look inside a data directory's WAL: temp dirs, entries, a logger that
// keeps its lines, segment files and where their records end.
import * as fs from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { scanSegment } from '../../../src/raft/storage/wal/record.js';
import { EntryType, type Entry } from '../../../src/raft/core/messages.js';

export function tempDir(t: { after(fn: () => void): void }): string {
  const d = fs.mkdtempSync(join(tmpdir(), 'conclave-wal-'));
  t.after(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

export const ent = (index: number, term: number, s = `e${index}`): Entry => ({ index, term, type: EntryType.Normal, data: new TextEncoder().encode(s) });

export function memLogger() {
  const lines: { level: string; msg: string; fields?: object }[] = [];
  const at = (level: string) => (msg: string, fields?: object) => { lines.push({ level, msg, fields }); };
  return { lines, info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') };
}

/** Where a segment's records end (the active segment is zero-filled past them). */
export function recordsEnd(seg: string): number {
  return scanSegment(fs.readFileSync(seg), seg, true).validBytes;
}

export function segments(dir: string): string[] {
  const w = join(dir, 'raft', 'wal');
  return fs.readdirSync(w).filter((n) => n.endsWith('.wal')).sort().map((n) => join(w, n));
}
