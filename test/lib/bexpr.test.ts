// Filter expressions evaluated over Consul-shaped rows: the examples of Consul's filtering
// docs, operator semantics per Go type, and any-element matching across slices of structs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFilter, schemas, type FieldSchema } from '../../src/lib/bexpr/index.js';

/** Keys of `rows` whose value matches `expr`. */
function matching(expr: string, schema: FieldSchema, rows: Record<string, unknown>): string[] {
  const match = compileFilter(expr, schema);
  return Object.entries(rows).filter(([, row]) => match(row)).map(([k]) => k);
}

// /v1/agent/services from Consul's filtering docs.
const agentServices: Record<string, unknown> = {
  redis1: {
    ID: 'redis1', Service: 'redis', Tags: ['primary', 'production'],
    Meta: { env: 'production', foo: 'bar' }, Port: 1234, Address: '',
    Weights: { Passing: 1, Warning: 1 }, EnableTagOverride: false,
  },
  redis2: {
    ID: 'redis2', Service: 'redis', Tags: ['secondary', 'production'],
    Meta: { env: 'production', foo: 'bar' }, Port: 1235, Address: '',
    Weights: { Passing: 1, Warning: 1 }, EnableTagOverride: false,
  },
  redis3: {
    ID: 'redis3', Service: 'redis', Tags: ['primary', 'qa'], Meta: { env: 'qa' }, Port: 1234,
    Address: '', Weights: { Passing: 1, Warning: 1 }, EnableTagOverride: false,
  },
};

test('agent/services examples from the filtering docs', () => {
  const s = schemas.agentService;
  const cases: Array<[string, string[]]> = [
    ['Meta.env == "qa"', ['redis3']],
    ['Meta.env == qa', ['redis3']],
    ['Meta["env"] == `production`', ['redis1', 'redis2']],
    ['Tags contains "primary"', ['redis1', 'redis3']],
    ['"primary" in Tags', ['redis1', 'redis3']],
    ['"primary" not in Tags', ['redis2']],
    ['Tags not contains primary', ['redis2']],
    ['Port == 1234', ['redis1', 'redis3']],
    ['Port != 1234', ['redis2']],
    ['Port == "0x4d2"', ['redis1', 'redis3']], // a string coerced like Go's ParseInt(s, 0, 64)
    ['Port == "1_234"', ['redis1', 'redis3']],
    ['Port == "02322"', ['redis1', 'redis3']], // leading 0: octal
    ['Meta.foo == bar and Port == 1235', ['redis2']],
    ['Meta.missing != x and Meta is not empty', ['redis1', 'redis2', 'redis3']],
  ];
  for (const [expr, want] of cases) {
    assert.deepEqual(matching(expr, s, agentServices), want, expr);
  }
});

test('precedence: not > and > or, parentheses override', () => {
  const s = schemas.agentService;
  assert.deepEqual(
    matching('ID == redis1 or ID == redis2 and Port == 1234', s, agentServices),
    ['redis1'],
  );
  assert.deepEqual(
    matching('(ID == redis1 or ID == redis2) and Port == 1234', s, agentServices),
    ['redis1'],
  );
  assert.deepEqual(
    matching('not ID == redis1 and not ID == redis2', s, agentServices),
    ['redis3'],
  );
  assert.deepEqual(matching('not not ID == redis3', s, agentServices), ['redis3']);
  assert.deepEqual(
    matching('not (Port == 1234 or Tags is empty)', s, agentServices),
    ['redis2'],
  );
  assert.deepEqual(matching('( ID == redis3 )', s, agentServices), ['redis3']);
  assert.deepEqual(matching(' \t(ID == redis3)\n', s, agentServices), ['redis3']);
});

// /v1/catalog/service/api-internal from the filtering docs.
const serviceNodes: Record<string, unknown> = {
  n1: {
    ID: 'b4f64e8c', Node: 'node-1', Address: '198.18.0.1', Datacenter: 'dc1', TaggedAddresses: null,
    NodeMeta: { agent: 'true', arch: 'i386', os: 'darwin' }, ServiceKind: '',
    ServiceID: 'api-internal', ServiceName: 'api-internal', ServiceTags: ['tag'],
    ServiceAddress: '', ServiceWeights: { Passing: 1, Warning: 1 }, ServiceMeta: { environment: 'qa' },
    ServicePort: 9090, ServiceEnableTagOverride: false, ServiceProxy: {}, ServiceConnect: {},
  },
  n2: {
    ID: 'b4faf93a', Node: 'node-2', Address: '198.18.0.2', Datacenter: 'dc1', TaggedAddresses: null,
    NodeMeta: { arch: 'arm', os: 'linux' }, ServiceKind: '', ServiceID: 'api-internal',
    ServiceName: 'api-internal', ServiceTags: ['test', 'tag'], ServiceAddress: '',
    ServiceWeights: { Passing: 1, Warning: 1 }, ServiceMeta: { environment: 'production' },
    ServicePort: 9090, ServiceEnableTagOverride: false, ServiceProxy: {}, ServiceConnect: {},
  },
  n4: {
    ID: 'b4fbe7f4', Node: 'node-4', Address: '198.18.0.4', Datacenter: 'dc1', TaggedAddresses: null,
    NodeMeta: { arch: 'i386', os: 'freebsd' }, ServiceKind: '', ServiceID: 'api-internal',
    ServiceName: 'api-internal', ServiceTags: [], ServiceAddress: '',
    ServiceWeights: { Passing: 1, Warning: 1 }, ServiceMeta: { environment: 'qa' },
    ServicePort: 9090, ServiceEnableTagOverride: false, ServiceProxy: {}, ServiceConnect: {},
  },
};

test('catalog/service examples: maps, tags, regexps, missing keys', () => {
  const s = schemas.serviceNode;
  const cases: Array<[string, string[]]> = [
    ['NodeMeta.os == "linux"', ['n2']],
    ['NodeMeta.os != linux', ['n1', 'n4']],
    ['ServiceMeta.environment == qa', ['n1', 'n4']],
    ['ServiceTags is empty', ['n4']],
    ['ServiceTags is not empty', ['n1', 'n2']],
    ['test in ServiceTags', ['n2']],
    ['agent in NodeMeta', ['n1']], // in on a map: key presence
    ['NodeMeta contains agent', ['n1']],
    ['NodeMeta.agent == true', ['n1']], // a missing key never equals
    ['NodeMeta.agent != true', ['n2', 'n4']], // ... and always differs
    ['NodeMeta.agent matches ".*"', ['n1']],
    ['NodeMeta.agent not matches ".*"', ['n2', 'n4']],
    ['TaggedAddresses is empty', ['n1', 'n2', 'n4']], // null map
    ['TaggedAddresses.lan == x', []],
    ['Node matches "^node-[12]$"', ['n1', 'n2']],
    ['Node not matches `-4$`', ['n1', 'n2']],
    ['Node matches "(?i)NODE-4"', ['n4']],
    ['Address contains "0.2"', ['n2']], // in on a string: substring
    ['"18.0" in Address', ['n1', 'n2', 'n4']],
    ['ServicePort == 9090 and ServiceWeights.Passing == 1', ['n1', 'n2', 'n4']],
    ['ServiceEnableTagOverride == false', ['n1', 'n2', 'n4']],
    ['ServiceEnableTagOverride == t', []],
    ['ServiceEnableTagOverride != 1', ['n1', 'n2', 'n4']],
    ['ServiceConnect.Native == false', ['n1', 'n2', 'n4']], // absent field = Go zero value
    ['ServiceProxy.DestinationServiceName == ""', ['n1', 'n2', 'n4']],
    ['ServiceProxy.Upstreams is empty', ['n1', 'n2', 'n4']],
    ['ServiceKind == ""', ['n1', 'n2', 'n4']],
    ['PeerName == ""', ['n1', 'n2', 'n4']],
  ];
  for (const [expr, want] of cases) assert.deepEqual(matching(expr, s, serviceNodes), want, expr);
});

test('health/node example and HealthCheck fields', () => {
  const checks: Record<string, unknown> = {
    node: {
      Node: 'node-1', CheckID: 'node-health', Name: 'Node level check', Status: 'critical',
      Notes: '', Output: '', ServiceID: '', ServiceName: '', ServiceTags: [], Definition: {},
    },
    web: {
      Node: 'node-1', CheckID: 'svc-web-health', Name: 'Service level check - web',
      Status: 'warning', Notes: '', Output: '', ServiceID: '', ServiceName: 'web',
      ServiceTags: [], Definition: {}, ExposedPort: 21500,
    },
  };
  const s = schemas.healthCheck;
  assert.deepEqual(matching('ServiceName != ""', s, checks), ['web']);
  assert.deepEqual(matching('CheckID == "node-health"', s, checks), ['node']);
  assert.deepEqual(matching('CheckId == "node-health"', s, checks), ['node']);
  assert.deepEqual(matching('Status == critical or Status == warning', s, checks), ['node', 'web']);
  assert.deepEqual(matching('ExposedPort == 0', s, checks), ['node']);
  assert.deepEqual(matching('"level" in Name', s, checks), ['node', 'web']);
  assert.deepEqual(matching('"Node" in Name', s, checks), ['node']);
});

const csn = (name: string, tags: string[], statuses: string[], meta: Record<string, string> = {}) => ({
  Node: { ID: `id-${name}`, Node: name, Address: '10.0.0.1', Datacenter: 'dc1', TaggedAddresses: { lan: '10.0.0.1' }, Meta: meta },
  Service: {
    ID: `web-${name}`, Service: 'web', Tags: tags, Address: '', Meta: { 'a-b': 'x', version: '2' },
    Port: 80, Weights: { Passing: 1, Warning: 1 }, EnableTagOverride: false,
    TaggedAddresses: { lan: { Address: '10.0.0.1', Port: 80 } },
    Proxy: { Upstreams: [{ DestinationName: 'db', LocalBindPort: 5432 }, { DestinationName: 'cache', LocalBindPort: 6379 }] },
    Connect: { Native: name === 'b' },
  },
  Checks: statuses.map((Status, i) => ({ Node: name, CheckID: `c${i}`, Status, ServiceTags: tags })),
});

const healthRows: Record<string, unknown> = {
  a: csn('a', ['primary'], ['passing', 'passing'], { env: 'prod' }),
  b: csn('b', ['secondary'], ['passing', 'critical']),
  c: csn('c', [], []),
};

test('health/service rows: nested structs and any-element matching over Checks', () => {
  const s = schemas.checkServiceNode;
  const cases: Array<[string, string[]]> = [
    ['Service.Tags contains "primary"', ['a']],
    ['Checks.Status == passing', ['a', 'b']], // any check passing
    ['Checks.Status == critical', ['b']],
    ['Checks.Status != passing', ['b']], // any check not passing; no checks -> false
    ['not Checks.Status != passing', ['a', 'c']], // "all passing" (vacuously for c)
    ['Checks is empty', ['c']],
    ['Checks.ServiceTags contains primary', ['a']],
    ['Service.Meta["a-b"] == x', ['a', 'b', 'c']],
    ['Service.Meta.version == 2', ['a', 'b', 'c']],
    ['Node.Meta.env == prod', ['a']],
    ['Node.Meta is empty', ['b', 'c']],
    ['Node.TaggedAddresses.lan == "10.0.0.1"', ['a', 'b', 'c']],
    ['Service.TaggedAddresses.lan.Port == 80', ['a', 'b', 'c']],
    ['Service.TaggedAddresses.wan.Port == 80', []],
    ['Service.TaggedAddresses.wan.Port != 80', ['a', 'b', 'c']],
    ['Service.Proxy.Upstreams.DestinationName == cache', ['a', 'b', 'c']],
    ['Service.Proxy.Upstreams.LocalBindPort == 5433', []],
    ['Service.Connect.Native == true', ['b']],
    ['Service.ServiceConnect.Native == true', ['b']],
    ['Node.Node == a or Checks.Status == critical', ['a', 'b']],
  ];
  for (const [expr, want] of cases) assert.deepEqual(matching(expr, s, healthRows), want, expr);
});

test('string literals: escapes, raw strings, bare words and numbers as values', () => {
  const rows = { x: { Node: 'a\tb', Address: '\\d+', Meta: { 'k"q': 'v', '1': 'one' } } };
  const s = schemas.node;
  assert.deepEqual(matching('Node == "a\\tb"', s, rows), ['x']);
  assert.deepEqual(matching('Node == "a\\u0009b"', s, rows), ['x']);
  assert.deepEqual(matching('Node == "a\\x09b"', s, rows), ['x']);
  assert.deepEqual(matching('Node == "a\\011b"', s, rows), ['x']);
  assert.deepEqual(matching('Address == `\\d+`', s, rows), ['x']);
  assert.deepEqual(matching('Meta[`k"q`] == v', s, rows), ['x']);
  assert.deepEqual(matching('Meta["1"] == one', s, rows), ['x']);
  assert.deepEqual(matching('Meta.x == -1.5', s, rows), []);
  assert.deepEqual(matching('Node == Meta.x', s, rows), []); // a selector used as a value is its text
  const named = { y: { Node: 'Meta.x' } };
  assert.deepEqual(matching('Node == Meta.x', s, named), ['y']);
  assert.deepEqual(matching('Node == Meta["x"]', s, named), ['y']);
});

test('keywords are not reserved and need surrounding whitespace', () => {
  const rows = { x: { Meta: { not: 'and', or: 'in' } } };
  const s = schemas.node;
  assert.deepEqual(matching('Meta.not == and', s, rows), ['x']);
  assert.deepEqual(matching('Meta.or == in and Meta.not == and', s, rows), ['x']);
  assert.deepEqual(matching('in in Meta.or', s, rows), ['x']);
});

test('members: unsigned ports, status numbers, tags', () => {
  const members = {
    s1: { Name: 's1', Addr: '10.0.0.1', Port: 8301, Tags: { role: 'consul', dc: 'dc1' }, Status: 1 },
    c1: { Name: 'c1', Addr: '10.0.0.2', Port: 8301, Tags: { role: 'node' }, Status: 3 },
  };
  const s = schemas.member;
  assert.deepEqual(matching('Tags.role == consul', s, members), ['s1']);
  assert.deepEqual(matching('Status == 1', s, members), ['s1']);
  assert.deepEqual(matching('Port == 8301 and dc in Tags', s, members), ['s1']);
  assert.deepEqual(matching('Addr == "10.0.0.2"', s, members), ['c1']);
});

test('large integers compare exactly', () => {
  const s = schemas.node;
  const rows = { x: { Meta: {} } };
  // Int fields hold 64-bit values; 2^63-1 parses, 2^63 does not (see errors test).
  const custom = { kind: 'struct', fields: { N: { kind: 'int', bits: 64 }, U: { kind: 'uint', bits: 64 } } } as const;
  const big = { x: { N: 9007199254740993n, U: 18446744073709551615n } };
  assert.deepEqual(matching('N == 9007199254740993', custom, big), ['x']);
  assert.deepEqual(matching('N == 9007199254740992', custom, big), []);
  assert.deepEqual(matching('U == 18446744073709551615', custom, big), ['x']);
  assert.deepEqual(matching('Meta is empty', s, rows), ['x']);
});

test('compiled filters are cached per schema, boundedly; errors are rethrown fresh', async () => {
  const { FILTER_CACHE_ENTRIES_MAX, FilterError } = await import('../../src/lib/bexpr/index.js');
  const a = compileFilter('Node == x', schemas.node);
  assert.equal(compileFilter('Node == x', schemas.node), a);
  assert.notEqual(compileFilter('Node == x', schemas.serviceNode), a);
  const errors: unknown[] = [];
  for (let i = 0; i < 2; i++) {
    try {
      compileFilter('Nope == 1', schemas.node);
    } catch (err) {
      errors.push(err);
    }
  }
  assert.ok(errors[0] instanceof FilterError && errors[1] instanceof FilterError);
  assert.notEqual(errors[0], errors[1]);
  assert.equal((errors[0] as Error).message, (errors[1] as Error).message);
  for (let i = 0; i <= FILTER_CACHE_ENTRIES_MAX; i++) compileFilter(`Node == n${i}`, schemas.node);
  assert.notEqual(compileFilter('Node == x', schemas.node), a); // evicted, compiled again
});
