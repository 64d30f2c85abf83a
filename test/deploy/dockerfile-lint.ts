// A small Dockerfile linter for the rules that matter to deploy/Dockerfile (hadolint is not in Debian).
// Pure: takes the file's text, returns findings; test/deploy/dockerfile.test.ts applies it.

export interface Instruction {
  line: number;
  op: string;
  args: string;
}

export interface LintOptions {
  /** The EXPOSE list the image must declare, e.g. ['8300', '8301', '8301/udp']. */
  expose: string[];
  /** Image references allowed as the base (after ARG defaults are substituted). */
  allowedBases: string[];
  volumes: string[];
}

/** Joins continuation lines, drops comments and blank lines. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let cur = lines[i]!;
    if (/^\s*(#|$)/.test(cur)) continue;
    while (/\\\s*$/.test(cur) && i + 1 < lines.length) {
      cur = cur.replace(/\\\s*$/, ' ');
      i++;
      if (/^\s*#/.test(lines[i]!)) continue; // comments inside a continuation are dropped
      cur += lines[i]!;
    }
    const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(cur);
    if (!m) throw new Error(`line ${start + 1}: cannot parse ${JSON.stringify(cur)}`);
    out.push({ line: start + 1, op: m[1]!.toUpperCase(), args: m[2]!.trim() });
  }
  return out;
}

function execForm(args: string): string[] | null {
  if (!args.startsWith('[')) return null;
  try {
    const v: unknown = JSON.parse(args);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : null;
  } catch {
    return null;
  }
}

/** Drops leading --flags (e.g. --from=build, --interval=10s) and returns them separately. */
function splitFlags(args: string): { flags: string[]; rest: string } {
  const flags: string[] = [];
  let rest = args;
  for (let m = /^(--\S+)\s+/.exec(rest); m; m = /^(--\S+)\s+/.exec(rest)) {
    flags.push(m[1]!);
    rest = rest.slice(m[0].length);
  }
  return { flags, rest };
}

export function lintDockerfile(text: string, opts: LintOptions): string[] {
  const findings: string[] = [];
  const ins = parseDockerfile(text);
  const globalArgs = new Map<string, string>();
  const stageNames = new Set<string>();
  let stages = 0;
  let finalStart = -1;
  for (const [idx, i] of ins.entries()) {
    if (i.op === 'ARG' && stages === 0) {
      const [k, v] = i.args.split('=', 2);
      if (k) globalArgs.set(k.trim(), (v ?? '').trim());
    }
    if (i.op !== 'FROM') continue;
    stages++;
    finalStart = idx;
    const { rest } = splitFlags(i.args);
    const [ref = '', as, name] = rest.split(/\s+/);
    if (as?.toUpperCase() === 'AS' && name) stageNames.add(name);
    const image = ref.replace(/\$\{?(\w+)\}?/g, (_m, k: string) => globalArgs.get(k) ?? '');
    if (stageNames.has(image)) continue;
    if (!image.includes(':') && !image.includes('@')) findings.push(`line ${i.line}: FROM ${ref} is not pinned to a tag`);
    else if (/:latest(@|$)/.test(image)) findings.push(`line ${i.line}: FROM ${ref} uses :latest`);
    if (!opts.allowedBases.some((b) => image === b || image.startsWith(`${b}@`))) {
      findings.push(`line ${i.line}: base ${image || ref} is not one of ${opts.allowedBases.join(', ')}`);
    }
  }
  if (stages < 2) findings.push('not a multi-stage build (one FROM)');
  const final = ins.slice(finalStart < 0 ? 0 : finalStart);

  for (const i of ins) {
    if (i.op === 'ADD' && /(https?|ftp):\/\/|git@|\.git(\s|$)/.test(i.args)) {
      findings.push(`line ${i.line}: ADD of a URL (download with a pinned checksum in a build stage, or COPY)`);
    }
    if (i.op === 'RUN' && /\b(curl|wget)\b/.test(i.args)) findings.push(`line ${i.line}: RUN downloads with curl/wget`);
    if (i.op === 'RUN' && /apt-get install/.test(i.args)) {
      if (!/--no-install-recommends/.test(i.args)) findings.push(`line ${i.line}: apt-get install without --no-install-recommends`);
      if (!/rm -rf \/var\/lib\/apt\/lists/.test(i.args)) findings.push(`line ${i.line}: apt lists left in the layer`);
      if (!/apt-get update/.test(i.args)) findings.push(`line ${i.line}: apt-get install without apt-get update in the same RUN`);
    }
  }

  const users = final.filter((i) => i.op === 'USER');
  const lastUser = users.at(-1)?.args.split(':')[0];
  if (!lastUser) findings.push('final stage has no USER: the agent would run as root');
  else if (lastUser === 'root' || lastUser === '0') findings.push(`final stage runs as ${lastUser}`);

  const hc = final.filter((i) => i.op === 'HEALTHCHECK');
  if (hc.length === 0) findings.push('final stage has no HEALTHCHECK');
  for (const h of hc) {
    const { rest } = splitFlags(h.args);
    if (/^NONE$/i.test(rest)) findings.push(`line ${h.line}: HEALTHCHECK NONE`);
    if (/\b(curl|wget)\b/.test(rest)) findings.push(`line ${h.line}: HEALTHCHECK needs curl/wget, which the slim image lacks`);
  }

  const exposed = final.filter((i) => i.op === 'EXPOSE').flatMap((i) => i.args.split(/\s+/));
  const norm = (p: string) => p.replace(/\/tcp$/i, '').toLowerCase();
  const want = new Set(opts.expose.map(norm));
  const got = new Set(exposed.map(norm));
  for (const p of want) if (!got.has(p)) findings.push(`EXPOSE is missing ${p}`);
  for (const p of got) if (!want.has(p)) findings.push(`EXPOSE has ${p}, which is not in the expected list`);

  const volumes = final
    .filter((i) => i.op === 'VOLUME')
    .flatMap((i) => execForm(i.args) ?? i.args.split(/\s+/));
  for (const v of opts.volumes) if (!volumes.includes(v)) findings.push(`VOLUME ${v} missing`);

  const entry = final.filter((i) => i.op === 'ENTRYPOINT').at(-1);
  const entryArgv = entry ? execForm(entry.args) : null;
  if (!entry) findings.push('final stage has no ENTRYPOINT');
  else if (!entryArgv) findings.push(`line ${entry.line}: ENTRYPOINT in shell form (signals would not reach the agent)`);
  else if (!/(^|\/)(tini|dumb-init)$/.test(entryArgv[0] ?? '')) findings.push(`line ${entry.line}: PID 1 is not tini or dumb-init`);
  const cmd = final.filter((i) => i.op === 'CMD').at(-1);
  if (cmd && !execForm(cmd.args)) findings.push(`line ${cmd.line}: CMD in shell form`);
  return findings;
}

/** COPY sources from the build context (not --from a stage), for checking that they exist. */
export function contextSources(text: string): string[] {
  const out: string[] = [];
  for (const i of parseDockerfile(text)) {
    if (i.op !== 'COPY' && i.op !== 'ADD') continue;
    const { flags, rest } = splitFlags(i.args);
    if (flags.some((f) => f.startsWith('--from'))) continue;
    const parts = execForm(rest) ?? rest.split(/\s+/);
    out.push(...parts.slice(0, -1));
  }
  return out;
}
