import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ConfigError, HelpRequested, type HostFacts } from '../../src/config/index.js';

let dir: string;
const host: HostFacts = { hostname: () => 'test-host', privateIPv4s: () => ['10.1.2.3'] };
const load = (argv: string[]) => loadConfig(argv, {}, { host });
/** Writes a file under the temp dir and returns its path. */
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
/** Asserts that loading fails with a ConfigError whose message matches. */
const fails = (argv: string[], re: RegExp | string) =>
  assert.throws(
    () => load(argv),
    (e: unknown) => e instanceof ConfigError && e.code === 'ERR_CONFIG' && (typeof re === 'string' ? e.message === re : re.test(e.message)),
  );

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'conclave-config-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('defaults match Consul', () => {
  const c = load(['-data-dir', join(dir, 'd0')]);
  assert.equal(c.nodeName, 'test-host');
  assert.equal(c.datacenter, 'dc1');
  assert.equal(c.domain, 'consul.');
  assert.equal(c.server, false);
  assert.equal(c.bindAddr, '0.0.0.0');
  assert.equal(c.advertiseAddr, '10.1.2.3'); // derived from the single private IPv4
  assert.deepEqual(c.clientAddrs, ['127.0.0.1']);
  assert.deepEqual(c.ports, { http: 8500, https: -1, dns: 8600, server: 8300, serfLan: 8301, serfWan: 8302, grpc: -1 });
  assert.equal(c.raftMultiplier, 5);
  assert.deepEqual(c.raftTimings, { heartbeatTimeoutMs: 5000, electionTimeoutMs: 5000, leaderLeaseTimeoutMs: 2500 });
  assert.equal(c.retryIntervalMs, 30000);
  assert.equal(c.logLevel, 'INFO');
  assert.equal(c.ui.contentPath, '/ui/');
  assert.equal(c.limits.kvMaxValueSize, 524288);
  assert.equal(c.maxQueryTimeMs, 600000);
  assert.equal(c.dns.maxStaleMs, 87600 * 3600e3);
  assert.equal(c.dns.udpAnswerLimit, 3);
  assert.equal(c.acl.defaultPolicy, 'allow');
  assert.equal(c.leaveOnTerminate, true); // client default
  assert.equal(c.skipLeaveOnInterrupt, false);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.ports) && Object.isFrozen(c.clientAddrs));
});

test('-dev sets what Consul dev mode sets', () => {
  const c = load(['-dev']);
  assert.equal(c.devMode, true);
  assert.equal(c.server, true);
  assert.equal(c.bootstrap, true);
  assert.equal(c.ui.enabled, true);
  assert.equal(c.bindAddr, '127.0.0.1');
  assert.equal(c.advertiseAddr, '127.0.0.1');
  assert.equal(c.logLevel, 'DEBUG');
  assert.equal(c.raftMultiplier, 1);
  assert.deepEqual(c.raftTimings, { heartbeatTimeoutMs: 35, electionTimeoutMs: 52, leaderLeaseTimeoutMs: 20 });
  assert.equal(c.ports.grpc, 8502);
  assert.equal(c.dataDir, null);
  assert.equal(c.nodeName, 'test-host');
  assert.equal(c.gossipLan.probeIntervalMs, 100);
  assert.equal(c.skipLeaveOnInterrupt, true);
  assert.match(c.nodeId, /^[0-9a-f-]{36}$/);
});

test('JSON and HCL files merge: scalars replace, lists append, maps merge', () => {
  const a = file('m-a.json', JSON.stringify({ datacenter: 'east', retry_join: ['a'], node_meta: { x: '1', y: '1' }, ports: { http: 1111 } }));
  const b = file('m-b.hcl', 'datacenter = "west"\nretry_join = ["b"]\nnode_meta { y = "2" }\nports { dns = 2222 }\n');
  const c = load(['-dev', '-config-file', a, '-config-file', b]);
  assert.equal(c.datacenter, 'west');
  assert.deepEqual(c.retryJoin, ['a', 'b']);
  assert.deepEqual(c.nodeMeta, { x: '1', y: '2' });
  assert.equal(c.ports.http, 1111);
  assert.equal(c.ports.dns, 2222);
  assert.deepEqual(c.sources, [a, b]);
  assert.deepEqual(c.argv, ['-dev', '-config-file', a, '-config-file', b]);
});

test('-config-dir reads .json and .hcl files in lexical order and skips sub-directories', () => {
  const d = join(dir, 'conf.d');
  mkdirSync(join(d, 'sub'), { recursive: true });
  writeFileSync(join(d, '20-b.hcl'), 'node_name = "from-b"\nretry_join = ["b"]');
  writeFileSync(join(d, '10-a.json'), '{"node_name":"from-a","retry_join":["a"]}');
  writeFileSync(join(d, '30-notes.txt'), 'ignored');
  writeFileSync(join(d, 'sub', '99.json'), '{"node_name":"from-sub"}');
  const c = load(['-dev', '-config-dir', d]);
  assert.equal(c.nodeName, 'from-b');
  assert.deepEqual(c.retryJoin, ['a', 'b']);
  assert.deepEqual(c.sources, [join(d, '10-a.json'), join(d, '20-b.hcl')]);
  assert.ok(c.warnings.some((w) => w.includes('30-notes.txt') && w.includes('extension must be .hcl or .json')));
});

test('-config-file and -config-dir are read in the order given', () => {
  const d = join(dir, 'order.d');
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'x.json'), '{"datacenter":"dir"}');
  const f = file('order.json', '{"datacenter":"file"}');
  assert.equal(load(['-dev', '-config-dir', d, '-config-file', f]).datacenter, 'file');
  assert.equal(load(['-dev', '-config-file', f, '-config-dir', d]).datacenter, 'dir');
});

test('precedence: scalar flags beat files, -hcl beats flags, list flags come first', () => {
  const f = file('prec.json', '{"node_name":"file","retry_join":["file"],"log_level":"warn"}');
  const c = load(['-dev', '-node', 'flag', '-retry-join', 'flag', '-config-file', f, '-hcl', 'log_level = "error"', '-log-level', 'trace']);
  assert.equal(c.nodeName, 'flag');
  assert.deepEqual(c.retryJoin, ['flag', 'file']);
  assert.equal(c.logLevel, 'ERROR');
});

test('-config-format forces the format for files without a known extension', () => {
  const f = file('plain.conf', 'node_name = "hcl-no-ext"');
  assert.equal(load(['-dev', '-config-format', 'hcl', '-config-file', f]).nodeName, 'hcl-no-ext');
  const skipped = load(['-dev', '-config-file', f]);
  assert.equal(skipped.nodeName, 'test-host');
  assert.ok(skipped.warnings.some((w) => w.startsWith(`skipping file ${f}`)));
  const jsonAsHcl = file('json-inside.hcl', '{"node_name": "json-in-hcl"}');
  assert.equal(load(['-dev', '-config-file', jsonAsHcl]).nodeName, 'json-in-hcl');
  fails(['-dev', '-config-format', 'yaml'], "config: -config-format must be either 'hcl' or 'json'");
});

test('service and check definitions come out in API CamelCase, from snake_case or CamelCase', () => {
  const f = file('svc.hcl', `
    service {
      name = "web"
      id = "web-1"
      port = 80
      tags = ["v1"]
      enable_tag_override = true
      meta { Version = "1" }
      check { http = "http://localhost/health", interval = "10s", deregister_critical_service_after = "1m" }
    }
    service { Name = "db", Port = 5432, Checks = [{ TTL = "30s" }, { script_args = ["true"], interval = "5s" }] }
    check { name = "disk", args = ["df"], interval = "1m", service_id = "web-1" }
  `);
  const j = file('svc.json', JSON.stringify({ services: [{ Name: 'api', TaggedAddresses: { lan: { address: '10.0.0.1', port: 1 } } }] }));
  const c = load(['-dev', '-config-file', f, '-config-file', j]);
  assert.deepEqual(c.services.map((s) => s.Name), ['web', 'db', 'api']);
  assert.deepEqual(c.services[0], {
    Name: 'web', ID: 'web-1', Port: 80, Tags: ['v1'], EnableTagOverride: true, Meta: { Version: '1' },
    Check: { HTTP: 'http://localhost/health', Interval: '10s', DeregisterCriticalServiceAfter: '1m' },
  });
  assert.deepEqual(c.services[1]!.Checks, [{ TTL: '30s' }, { Args: ['true'], Interval: '5s' }]);
  assert.deepEqual(c.services[2]!.TaggedAddresses, { lan: { Address: '10.0.0.1', Port: 1 } });
  assert.deepEqual(c.checks, [{ Name: 'disk', Args: ['df'], Interval: '1m', ServiceID: 'web-1' }]);
});

test('unknown keys name the file and every key, in Consul wording', () => {
  const f = file('unknown.json', '{"node_name":"n","foo":1,"ports":{"bar":2}}');
  fails(['-dev', '-config-file', f], `failed to parse ${f}: 2 errors occurred:\n\t* invalid config key foo\n\t* invalid config key ports.bar\n\n`);
  const g = file('unknown.hcl', 'service { name = "x" colour = "red" }');
  fails(['-dev', '-config-file', g], `failed to parse ${g}: 1 error occurred:\n\t* invalid config key service.colour\n\n`);
  fails(['-dev', '-hcl', 'nope = 1'], /^failed to parse flags-0\.hcl: 1 error occurred:\n\t\* invalid config key nope/);
});

test('wrong types name the key', () => {
  const f = file('types.json', '{"server":"yes","ports":{"http":"80"}}');
  assert.throws(
    () => load(['-dev', '-config-file', f]),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.message.startsWith(`failed to parse ${f}: 2 error(s) decoding:`) &&
      e.message.includes("* 'server' expected type 'bool', got unconvertible type 'string', value: 'yes'") &&
      e.message.includes("* 'ports.http' expected type 'int', got unconvertible type 'string', value: '80'"),
  );
  fails(['-dev', '-hcl', 'retry_interval = "soon"'], /'retry_interval' error parsing "soon": time: invalid duration "soon"/);
  fails(['-dev', '-hcl', 'ports { http = 1 }\nports { dns = 2 }'], /'ports' expected a map, got 'slice'/);
});

test('syntax errors name the file and the position', () => {
  const j = file('broken.json', '{\n  "a": 1,\n}');
  fails(['-dev', '-config-file', j], new RegExp(`^failed to parse ${j}: invalid JSON at 3:1`));
  const h = file('broken.hcl', 'a = 1\nb = [1,');
  fails(['-dev', '-config-file', h], new RegExp(`^failed to parse ${h}: At 2:5: list not terminated`));
});

test('unreadable or missing files name the file', () => {
  const missing = join(dir, 'nope.json');
  fails(['-dev', '-config-file', missing], `config: Open failed on ${missing}. open ${missing}: no such file or directory`);
  if (process.getuid?.() !== 0) {
    const locked = file('locked.json', '{}');
    chmodSync(locked, 0o000);
    fails(['-dev', '-config-file', locked], new RegExp(`failed to read ${locked}`));
  }
});

test('flag errors read like the Go flag package', () => {
  fails(['-foo'], 'flag provided but not defined: -foo');
  fails(['-dev', '-http-port', 'x'], 'invalid value "x" for flag -http-port: parse error');
  fails(['-dev', 'extra'], 'Unexpected extra arguments: extra');
  assert.throws(() => load(['-h']), HelpRequested);
});

test('server-role combinations are validated as Consul does', () => {
  const d = join(dir, 'd1');
  const base = ['-data-dir', d, '-bind', '127.0.0.1'];
  fails([...base, '-bootstrap'], "'bootstrap = true' requires 'server = true'");
  fails([...base, '-bootstrap-expect', '3'], "'bootstrap_expect > 0' requires 'server = true'");
  fails([...base, '-server', '-bootstrap', '-bootstrap-expect', '3'], "'bootstrap_expect > 0' and 'bootstrap = true' are mutually exclusive");
  fails(['-dev', '-bootstrap-expect', '3'], "'bootstrap_expect > 0' not allowed in dev mode");
  fails([...base, '-server', '-bootstrap-expect', '-1'], 'bootstrap_expect cannot be -1. Must be greater than or equal to zero');
  const one = load([...base, '-server', '-bootstrap-expect', '1']);
  assert.equal(one.bootstrap, true);
  assert.equal(one.bootstrapExpect, 0);
  assert.ok(one.warnings.includes('BootstrapExpect is set to 1; this is the same as Bootstrap mode.'));
  const even = load([...base, '-server', '-bootstrap-expect', '4']);
  assert.ok(even.warnings.some((w) => w.startsWith('bootstrap_expect is even number')));
  assert.equal(even.leaveOnTerminate, false);
  assert.equal(even.skipLeaveOnInterrupt, true);
});

test('other validation: data dir, addresses, names, ports, keys', () => {
  fails(['-bind', '127.0.0.1'], 'data_dir cannot be empty');
  const notDir = file('not-a-dir', 'x');
  fails(['-data-dir', notDir, '-bind', '127.0.0.1'], `data_dir "${notDir}" is not a directory`);
  fails(['-dev', '-advertise', '0.0.0.0'], 'Advertise address cannot be 0.0.0.0, :: or [::]');
  fails(['-dev', '-bind', '127.0.0.1 127.0.0.2'], /bind_addr cannot contain multiple addresses/);
  fails(['-dev', '-client', 'not-an-ip'], 'client_addr: invalid ip address: not-an-ip');
  fails(['-dev', '-datacenter', 'd c'], /datacenter can only contain lowercase alphanumeric, - or _ characters/);
  fails(['-dev', '-http-port', '70000'], 'ports.http: invalid port: 70000');
  fails(['-dev', '-node-meta', 'consul-x:1'], "node_meta invalid: Key prefix 'consul-' is reserved for internal use");
  fails(['-dev', '-encrypt', 'short'], /^encrypt has invalid key/);
  fails(['-dev', '-log-level', 'loud'], 'Invalid log level: "loud". Valid log levels are: [TRACE DEBUG INFO WARN ERR]');
  fails(['-dev', '-hcl', 'performance { raft_multiplier = 11 }'], 'performance.raft_multiplier cannot be 11. Must be between 1 and 10');
  fails(['-dev', '-node-id', 'abc'], 'node_id: "abc" is not a valid UUID');
  fails(['-data-dir', join(dir, 'd2'), '-ui', '-ui-dir', '/tmp'], /Both the ui_config.enabled and ui_config.dir/);
  fails(['-dev', '-hcl', 'check { name = "c" http = "http://x" }'], 'check "c": Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or GRPC checks');
  fails(['-dev', '-hcl', 'service { port = 1 }'], 'service "": missing service name');
  fails(['-dev', '-hcl', 'service { name = "s" check { ttl = "1s" interval = "1s" } }'], 'service "s": Interval and TTL cannot both be specified');
});

test('client_addr 0.0.0.0 is allowed, multiple addresses split on spaces', () => {
  assert.deepEqual(load(['-dev', '-client', '0.0.0.0']).clientAddrs, ['0.0.0.0']);
  assert.deepEqual(load(['-dev', '-client', '127.0.0.1 ::1']).clientAddrs, ['127.0.0.1', '::1']);
});

test('bind 0.0.0.0 needs exactly one private IPv4 to advertise', () => {
  const none: HostFacts = { hostname: () => 'h', privateIPv4s: () => [] };
  const two: HostFacts = { hostname: () => 'h', privateIPv4s: () => ['10.0.0.1', '10.0.0.2'] };
  const d = join(dir, 'd3');
  assert.throws(() => loadConfig(['-data-dir', d], {}, { host: none }), /No private IPv4 address found/);
  assert.throws(() => loadConfig(['-data-dir', d], {}, { host: two }), /Multiple private IPv4 addresses found/);
  assert.equal(loadConfig(['-data-dir', d, '-advertise', '10.0.0.2'], {}, { host: two }).advertiseAddr, '10.0.0.2');
});

test('node ID persists in <data_dir>/node-id', () => {
  const d = join(dir, 'persist');
  const first = load(['-data-dir', d, '-bind', '127.0.0.1']);
  assert.equal(readFileSync(join(d, 'node-id'), 'utf8'), first.nodeId);
  assert.equal(load(['-data-dir', d, '-bind', '127.0.0.1']).nodeId, first.nodeId);
  const given = 'ABCDEF01-2345-6789-abcd-ef0123456789';
  assert.equal(load(['-dev', '-node-id', given]).nodeId, given.toLowerCase());
});

test('legacy keys map onto their modern places', () => {
  const c = load(['-dev', '-hcl', 'acl_default_policy = "deny"\nacl_master_token = "m"\nui = true\nacl { tokens { agent = "a" } }']);
  assert.equal(c.acl.defaultPolicy, 'deny');
  assert.deepEqual(c.acl.tokens, { initial_management: 'm', agent: 'a' });
  assert.ok(c.warnings.some((w) => w.includes("The 'ui' field is deprecated")));
});

test('remote script checks need ACL deny or a loopback-only HTTP API', () => {
  fails(['-dev', '-client', '0.0.0.0', '-enable-script-checks'], /enable_script_checks = true requires/);
  const loop = load(['-dev', '-enable-script-checks']);
  assert.equal(loop.enableScriptChecks, true);
  assert.equal(loop.enableLocalScriptChecks, true);
  const acl = load(['-dev', '-client', '0.0.0.0', '-enable-script-checks', '-hcl', 'acl { enabled = true, default_policy = "deny" }']);
  assert.equal(acl.enableScriptChecks, true);
});

test('domains end with a dot, content path gets its slashes', () => {
  const c = load(['-dev', '-domain', 'example', '-alt-domain', 'alt.test', '-ui-content-path', 'console']);
  assert.equal(c.domain, 'example.');
  assert.equal(c.altDomain, 'alt.test.');
  assert.equal(c.ui.contentPath, '/console/');
  fails(['-dev', '-alt-domain', 'service.x'], /alt_domain cannot start with/);
});
