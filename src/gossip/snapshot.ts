// The member-list snapshot used by -rejoin (serf's snapshot.go, simplified): a small text file rewritten
// atomically whenever membership changes, in serf's line format:
//   alive: <name> <addr:port>     one per member we last saw alive
//   clock: <n> / event-clock: <n> / query-clock: <n>
//   leave                          we left gracefully (do not rejoin unless asked to)
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface SnapshotState {
  alive: Map<string, string>;
  clock: number;
  eventClock: number;
  queryClock: number;
  left: boolean;
}

export function readSnapshot(path: string): SnapshotState {
  const s: SnapshotState = { alive: new Map(), clock: 0, eventClock: 0, queryClock: 0, left: false };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return s;
  }
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === 'leave') s.left = true;
    else if (line.startsWith('alive: ')) {
      const [name, addr] = line.slice(7).split(' ');
      if (name && addr) s.alive.set(name, addr);
    } else if (line.startsWith('not-alive: ')) s.alive.delete(line.slice(11));
    else if (line.startsWith('clock: ')) s.clock = Number(line.slice(7)) || 0;
    else if (line.startsWith('event-clock: ')) s.eventClock = Number(line.slice(13)) || 0;
    else if (line.startsWith('query-clock: ')) s.queryClock = Number(line.slice(13)) || 0;
  }
  return s;
}

export function writeSnapshot(path: string, s: SnapshotState): void {
  const lines: string[] = [];
  for (const [name, addr] of [...s.alive].sort()) lines.push(`alive: ${name} ${addr}`);
  lines.push(`clock: ${s.clock}`, `event-clock: ${s.eventClock}`, `query-clock: ${s.queryClock}`);
  if (s.left) lines.push('leave');
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, lines.join('\n') + '\n');
  renameSync(tmp, path);
}
