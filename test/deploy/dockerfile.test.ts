// deploy/Dockerfile: linted for the rules that matter (see dockerfile-lint.ts), and the lint itself is
// shown to catch each violation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { contextSources, lintDockerfile, parseDockerfile, type LintOptions } from './dockerfile-lint.js';
import { REPO_ROOT } from '../support/agent-process.js';

const DOCKERFILE = join(REPO_ROOT, 'deploy/Dockerfile');
const text = readFileSync(DOCKERFILE, 'utf8');
// Issue #8's list.
const OPTS: LintOptions = {
  expose: ['8300', '8301', '8301/udp', '8302', '8302/udp', '8500', '8600', '8600/udp'],
  allowedBases: ['node:20-bookworm-slim'],
  volumes: ['/consul/data', '/consul/config'],
};

test('deploy/Dockerfile passes the lint', () => {
  assert.deepEqual(lintDockerfile(text, OPTS), []);
});

test('the image keeps the official conventions: default command, env dirs, health probe, init from Debian', () => {
  const ins = parseDockerfile(text);
  const last = (op: string) => ins.filter((i) => i.op === op).at(-1)!.args;
  assert.deepEqual(JSON.parse(last('CMD')), ['agent', '-dev', '-client', '0.0.0.0']);
  assert.deepEqual(JSON.parse(last('ENTRYPOINT')), ['/usr/bin/tini', '--', 'docker-entrypoint.sh']);
  assert.match(last('HEALTHCHECK'), /CMD \["node", "\/usr\/local\/bin\/docker-healthcheck\.mjs"\]/);
  assert.ok(ins.some((i) => i.op === 'RUN' && /apt-get install .*\btini\b/.test(i.args)), 'tini comes from Debian');
  assert.ok(ins.some((i) => i.op === 'RUN' && /npm (ci|install) --omit=dev/.test(i.args)), 'production dependencies only');
  const env = ins.filter((i) => i.op === 'ENV').map((i) => i.args).join(' ');
  assert.match(env, /CONSUL_DATA_DIR=\/consul\/data/);
  assert.match(env, /CONSUL_CONFIG_DIR=\/consul\/config/);
});

test('every COPY source exists and is let through by deploy/Dockerfile.dockerignore', () => {
  const ignore = readFileSync(join(REPO_ROOT, 'deploy/Dockerfile.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('!'))
    .map((l) => l.slice(1));
  const sources = contextSources(text);
  assert.ok(sources.length > 5);
  for (const s of sources) {
    const p = s.replace(/^\.\//, '').replace(/\/$/, '');
    assert.ok(existsSync(join(REPO_ROOT, p)), `${s} exists`);
    const dir = statSync(join(REPO_ROOT, p)).isDirectory();
    assert.ok(ignore.includes(dir ? `${p}/**` : p), `${s} is included by the .dockerignore`);
  }
});

test('the lint catches each rule it checks', () => {
  const good = text;
  const cases: Array<[string, string, RegExp]> = [
    ['USER 8500:8500', 'USER root', /runs as root/],
    ['USER 8500:8500', '', /no USER/],
    ['ARG NODE_IMAGE=node:20-bookworm-slim', 'ARG NODE_IMAGE=node', /not pinned/],
    ['ARG NODE_IMAGE=node:20-bookworm-slim', 'ARG NODE_IMAGE=node:latest', /uses :latest/],
    ['ARG NODE_IMAGE=node:20-bookworm-slim', 'ARG NODE_IMAGE=node:22-alpine', /is not one of/],
    ['COPY bin ./bin', 'ADD https://example.org/consul.zip /tmp/', /ADD of a URL/],
    ['EXPOSE 8300 8301 8301/udp 8302 8302/udp 8500 8600 8600/udp', 'EXPOSE 8300 8301 8500 8600 8600/udp 9999', /missing 8301\/udp/],
    ['EXPOSE 8300 8301 8301/udp 8302 8302/udp 8500 8600 8600/udp', 'EXPOSE 8300 8301 8301/udp 8302 8302/udp 8500 8600 8600/udp 9999', /EXPOSE has 9999/],
    ['ENTRYPOINT ["/usr/bin/tini", "--", "docker-entrypoint.sh"]', 'ENTRYPOINT ["docker-entrypoint.sh"]', /not tini or dumb-init/],
    ['ENTRYPOINT ["/usr/bin/tini", "--", "docker-entrypoint.sh"]', 'ENTRYPOINT docker-entrypoint.sh', /shell form/],
    ['VOLUME ["/consul/data", "/consul/config"]', 'VOLUME ["/consul/data"]', /VOLUME \/consul\/config missing/],
    ['--no-install-recommends tini', 'tini', /--no-install-recommends/],
  ];
  for (const [from, to, why] of cases) {
    assert.ok(good.includes(from), `fixture still contains ${from}`);
    const findings = lintDockerfile(good.replace(from, to), OPTS);
    assert.ok(findings.some((f) => why.test(f)), `${to || '(removed)'} -> ${why}: got ${JSON.stringify(findings)}`);
  }
  const noHealth = good.replace(/HEALTHCHECK[^\n]*\\\n[^\n]*\n/, '');
  assert.ok(lintDockerfile(noHealth, OPTS).includes('final stage has no HEALTHCHECK'));
  const curlHealth = good.replace(/CMD \["node", "\/usr\/local\/bin\/docker-healthcheck\.mjs"\]/, 'CMD curl -f http://localhost:8500/');
  assert.ok(lintDockerfile(curlHealth, OPTS).some((f) => /needs curl/.test(f)));
  const single = 'FROM node:20-bookworm-slim\nUSER 1\n';
  assert.ok(lintDockerfile(single, OPTS).includes('not a multi-stage build (one FROM)'));
});

test('the image ships production dependencies only: the agent (src/) imports nothing from devDependencies', () => {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const used = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) {
        for (const m of readFileSync(p, 'utf8').matchAll(/(?:from\s+|import\s*\(\s*)['"]([^'"]+)['"]/g)) {
          const spec = m[1]!;
          if (spec.startsWith('.') || spec.startsWith('node:')) continue;
          used.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
        }
      }
    }
  };
  walk(join(REPO_ROOT, 'src'));
  assert.ok(used.size > 0);
  for (const name of used) assert.ok(name in pkg.dependencies, `src/ imports ${name}, which is not a production dependency`);
});
