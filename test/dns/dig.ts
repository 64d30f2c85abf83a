// Runs `dig` (Debian dnsutils) and parses its sections.
import { execFile } from 'node:child_process';

export interface DigRecord {
  name: string;
  ttl: number;
  type: string;
  data: string;
}

export interface DigResult {
  status: string;
  flags: string[];
  answer: DigRecord[];
  authority: DigRecord[];
  additional: DigRecord[];
  /** Raw output for assertion messages. */
  text: string;
  /** "UDP" or "TCP", from the SERVER line. */
  transport: string;
}

export function dig(server: string, port: number, args: string[]): Promise<DigResult> {
  const argv = [`@${server}`, '-p', String(port), '+time=5', '+tries=1', '+nocookie', '+stats', ...args];
  return new Promise((resolve, reject) => {
    execFile('dig', argv, { timeout: 20_000 }, (err, stdout) => {
      if (err && !stdout) return reject(err);
      resolve(parseDig(stdout));
    });
  });
}

export function parseDig(text: string): DigResult {
  const out: DigResult = { status: '', flags: [], answer: [], authority: [], additional: [], text, transport: '' };
  let section: DigRecord[] | null = null;
  for (const line of text.split('\n')) {
    const header = /status: (\w+)/.exec(line);
    if (line.includes('->>HEADER<<-') && header) out.status = header[1]!;
    const flags = /^;; flags: ([^;]*);/.exec(line);
    if (flags) out.flags = flags[1]!.trim().split(/\s+/);
    const server = /^;; SERVER: .*\((UDP|TCP)\)/.exec(line);
    if (server) out.transport = server[1]!;
    if (line.startsWith(';; ANSWER SECTION')) section = out.answer;
    else if (line.startsWith(';; AUTHORITY SECTION')) section = out.authority;
    else if (line.startsWith(';; ADDITIONAL SECTION')) section = out.additional;
    else if (line.trim() === '' || line.startsWith(';')) {
      if (line.trim() === '') section = null;
    } else if (section) {
      const m = /^(\S+)\s+(\d+)\s+IN\s+(\S+)\s+(.*)$/.exec(line);
      if (m) section.push({ name: m[1]!, ttl: Number(m[2]), type: m[3]!, data: m[4]! });
    }
  }
  return out;
}
