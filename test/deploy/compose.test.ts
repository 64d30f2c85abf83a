// deploy/docker-compose.yml: parses, has Consul's demo shape, and is what the local launcher runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { COMPOSE_FILE, LOOPBACK_IPS, TOPOLOGY, loopbackCommand, topologyFromCompose } from '../../deploy/local-cluster.js';
import { REPO_ROOT } from '../support/agent-process.js';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  depends_on?: string[];
  networks?: string[];
  hostname?: string;
  [k: string]: unknown;
}
interface Compose {
  services: Record<string, Service>;
  networks?: Record<string, unknown>;
  [k: string]: unknown;
}

const text = readFileSync(COMPOSE_FILE, 'utf8');
const compose = load(text) as Compose;
const services = compose.services;
const SERVERS = ['consul-server-bootstrap', 'consul-server-1', 'consul-server-2'];
const CLIENTS = ['consul-client-1', 'consul-client-2', 'consul-client-3'];
// The service keys the compose specification defines (a typo here would be silently ignored by nothing:
// `docker compose config` rejects unknown keys, so this check stands in for it without an engine).
const SERVICE_KEYS = new Set([
  'image', 'build', 'command', 'entrypoint', 'environment', 'env_file', 'ports', 'expose', 'volumes',
  'networks', 'depends_on', 'restart', 'container_name', 'hostname', 'healthcheck', 'pull_policy',
  'labels', 'user', 'working_dir', 'cap_add', 'cap_drop', 'dns', 'extra_hosts', 'logging', 'ulimits',
]);
const TOP_KEYS = new Set(['services', 'networks', 'volumes', 'configs', 'secrets', 'name']);

test('compose: only known top-level and service keys, commands as string lists', () => {
  for (const k of Object.keys(compose)) assert.ok(TOP_KEYS.has(k) || k.startsWith('x-'), `unknown top-level key ${k}`);
  assert.deepEqual(Object.keys(services), [...SERVERS, ...CLIENTS]);
  for (const [name, svc] of Object.entries(services)) {
    for (const k of Object.keys(svc)) assert.ok(SERVICE_KEYS.has(k), `${name}: unknown key ${k}`);
    assert.ok(Array.isArray(svc.command) && svc.command.every((a) => typeof a === 'string'), `${name}: command list`);
    assert.equal(svc.command![0], 'agent', `${name} runs an agent`);
    assert.equal(svc.image, 'conclave:latest');
    assert.equal(svc.hostname, name, `${name}: node name follows the service name`);
    for (const n of svc.networks ?? []) assert.ok(compose.networks && n in compose.networks, `${name}: network ${n} declared`);
    for (const d of svc.depends_on ?? []) assert.ok(d in services, `${name}: depends_on ${d} exists`);
    for (const p of svc.ports ?? []) assert.match(p, /^\d+:\d+(\/(tcp|udp))?$/, `${name}: port ${p}`);
  }
});

test('compose: one service builds the image from the repository with deploy/Dockerfile', () => {
  const builders = Object.entries(services).filter(([, s]) => s.build);
  assert.equal(builders.length, 1);
  const build = builders[0]![1].build!;
  assert.equal(join(REPO_ROOT, 'deploy', build.context), REPO_ROOT);
  assert.equal(build.dockerfile, 'deploy/Dockerfile');
  readFileSync(join(REPO_ROOT, build.dockerfile)); // exists
});

test("compose: Consul's demo shape — bootstrap server with UI and published 8500, 8600 tcp+udp", () => {
  const b = services['consul-server-bootstrap']!;
  assert.deepEqual(b.command, ['agent', '-server', '-bootstrap-expect', '3', '-ui', '-client', '0.0.0.0']);
  assert.deepEqual(new Set(b.ports), new Set(['8500:8500', '8600:8600/tcp', '8600:8600/udp']));
  for (const s of SERVERS.slice(1)) {
    const c = services[s]!.command!;
    assert.ok(c.includes('-server'));
    assert.equal(c[c.indexOf('-bootstrap-expect') + 1], '3');
    assert.equal(c[c.indexOf('-retry-join') + 1], 'consul-server-bootstrap', `${s} joins the bootstrap server`);
  }
  for (const s of CLIENTS) {
    const c = services[s]!.command!;
    assert.ok(!c.includes('-server'));
    assert.equal(c[c.indexOf('-retry-join') + 1], 'consul-server-bootstrap', `${s} joins the bootstrap server`);
  }
  for (const [name, svc] of Object.entries(services)) {
    assert.equal(svc.environment?.CONSUL_BIND_INTERFACE, 'eth0', `${name} binds the container's own interface`);
    const c = svc.command!;
    assert.equal(c[c.indexOf('-client') + 1], '0.0.0.0', `${name} serves HTTP/DNS on all container addresses`);
  }
});

test('compose and the local launcher agree: TOPOLOGY is read from the compose file', () => {
  assert.deepEqual(TOPOLOGY.map((t) => t.name), Object.keys(services));
  for (const t of TOPOLOGY) {
    assert.equal(t.ip, LOOPBACK_IPS[t.name]);
    // The compose command, with -client dropped and service names mapped to loopback addresses.
    const expected = services[t.name]!.command!
      .filter((a, i, all) => a !== '-client' && all[i - 1] !== '-client')
      .map((a) => LOOPBACK_IPS[a] ?? a);
    assert.deepEqual(t.command, expected);
  }
  assert.deepEqual(TOPOLOGY[1]!.command, ['agent', '-server', '-bootstrap-expect', '3', '-retry-join', '127.0.0.2']);
});

test('loopbackCommand and topologyFromCompose: mapping and clear errors', () => {
  assert.deepEqual(loopbackCommand(['agent', '-client=0.0.0.0', '-retry-join', 'a', '-retry-join', 'elsewhere'], { a: '127.0.0.9' }), [
    'agent', '-retry-join', '127.0.0.9', '-retry-join', 'elsewhere',
  ]);
  assert.throws(() => topologyFromCompose('services:\n  stranger:\n    command: [agent]\n'), /stranger has no loopback address/);
  assert.throws(() => topologyFromCompose('services:\n  consul-client-1:\n    command: agent -dev\n'), /command as a list/);
  assert.throws(() => topologyFromCompose('version: "3"\n'), /no services/);
});
