// Property tests: any input string either compiles or fails with a FilterError (never another
// exception), compiled predicates never throw on odd rows, and the boolean connectives obey
// the laws they should (De Morgan, double negation, parenthesisation).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileFilter, FilterError, schemas } from '../../src/lib/bexpr/index.js';

const SEED = Number(process.env.SEED ?? 20261124);

// Fragments that steer random strings into the grammar's interesting corners.
const TOKENS = [
  ' ', '  ', '\t', '\n', '(', ')', '[', ']', '.', '"', '`', '\\', '-', '0', '1', '9', '1.5',
  '==', '!=', 'and', 'or', 'not', 'in', 'is', 'empty', 'contains', 'matches', 'Service', 'Tags',
  'Checks', 'Status', 'Meta', 'Node', 'Port', 'x', 'é', '😀', '"a"', '`b`', '"\\u00e9"', '"\\q"',
  '"(?i)x"', '"[a"', '"\\d+"', '*', '{2}', 'true',
];

const tokenString = fc.array(fc.constantFrom(...TOKENS), { maxLength: 24 }).map((a) => a.join(''));

function onlyFilterErrors(expr: string): boolean {
  try {
    compileFilter(expr, schemas.checkServiceNode);
  } catch (err) {
    if (!(err instanceof FilterError)) throw err;
    assert.ok(err.message.startsWith('Failed to create boolean expression evaluator: '));
    assert.ok(err.detail.length > 0);
  }
  return true;
}

test('random token soup compiles or throws FilterError only', () => {
  fc.assert(fc.property(tokenString, onlyFilterErrors), { seed: SEED, numRuns: 3000 });
});

test('arbitrary unicode strings compile or throw FilterError only', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 64 }), onlyFilterErrors), {
    seed: SEED,
    numRuns: 2000,
  });
});

// Valid expressions over the health/service row, built from known-good match expressions.
const MATCHES = [
  'Service.Tags contains "primary"',
  'Service.Tags is empty',
  'Checks.Status == passing',
  'Checks.Status != critical',
  'Node.Meta.env == prod',
  'Node.Meta["a-b"] != ""',
  '"a-b" not in Node.Meta',
  'Service.Port == 80',
  'Service.Meta.version matches "^2"',
  'prod in Node.Meta',
  'Checks is empty',
  'Service.Connect.Native == true',
  'Service.Proxy.Upstreams.DestinationName == db',
  'Service.TaggedAddresses.lan.Port != 80',
];

type Tree = { op: 'leaf'; text: string } | { op: 'not'; x: Tree } | { op: 'and' | 'or'; l: Tree; r: Tree };

const tree: fc.Arbitrary<Tree> = fc.letrec<{ t: Tree }>((tie) => ({
  t: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...MATCHES).map((text): Tree => ({ op: 'leaf', text })),
    tie('t').map((x): Tree => ({ op: 'not', x })),
    fc.record({ op: fc.constantFrom('and' as const, 'or' as const), l: tie('t'), r: tie('t') }),
  ),
})).t;

function render(t: Tree): string {
  switch (t.op) {
    case 'leaf': return t.text;
    case 'not': return `not (${render(t.x)})`;
    default: return `(${render(t.l)}) ${t.op} (${render(t.r)})`;
  }
}

/** A reference evaluator built from the leaves' own compiled predicates. */
function reference(t: Tree, row: unknown): boolean {
  switch (t.op) {
    case 'leaf': return compileFilter(t.text, schemas.checkServiceNode)(row);
    case 'not': return !reference(t.x, row);
    case 'and': return reference(t.l, row) && reference(t.r, row);
    case 'or': return reference(t.l, row) || reference(t.r, row);
  }
}

// Rows with the right shape, plus nulls, missing fields and wrong types.
const weird = fc.oneof(fc.constant(null), fc.constant(undefined), fc.integer(), fc.string(), fc.boolean());
const stringMap = fc.oneof(fc.dictionary(fc.constantFrom('env', 'a-b', 'version', 'lan'), fc.constantFrom('prod', '2', 'x', '')), weird);
const row = fc.record(
  {
    Node: fc.oneof(fc.record({ Node: fc.string(), Meta: stringMap }, { requiredKeys: [] }), weird),
    Service: fc.oneof(
      fc.record(
        {
          Tags: fc.oneof(fc.array(fc.constantFrom('primary', 'x')), weird),
          Port: fc.oneof(fc.constantFrom(80, 81), weird),
          Meta: stringMap,
          Connect: fc.oneof(fc.record({ Native: fc.boolean() }), weird),
          Proxy: fc.oneof(fc.record({ Upstreams: fc.oneof(fc.array(fc.record({ DestinationName: fc.constantFrom('db', 'x') })), weird) }), weird),
          TaggedAddresses: fc.oneof(fc.dictionary(fc.constantFrom('lan', 'wan'), fc.record({ Port: fc.constantFrom(80, 443) })), weird),
        },
        { requiredKeys: [] },
      ),
      weird,
    ),
    Checks: fc.oneof(fc.array(fc.record({ Status: fc.constantFrom('passing', 'critical', 'warning') })), weird),
  },
  { requiredKeys: [] },
);

test('compiled filters agree with a reference evaluator and never throw on odd rows', () => {
  fc.assert(
    fc.property(tree, fc.array(row, { maxLength: 5 }), (t, rows) => {
      const match = compileFilter(render(t), schemas.checkServiceNode);
      for (const r of rows) assert.equal(match(r), reference(t, r));
    }),
    { seed: SEED, numRuns: 500 },
  );
});

test('De Morgan and double negation hold for generated expressions', () => {
  fc.assert(
    fc.property(tree, tree, row, (a, b, r) => {
      const A = render(a);
      const B = render(b);
      const f = (e: string) => compileFilter(e, schemas.checkServiceNode)(r);
      assert.equal(f(`not ((${A}) or (${B}))`), f(`not (${A}) and not (${B})`));
      assert.equal(f(`not ((${A}) and (${B}))`), f(`not (${A}) or not (${B})`));
      assert.equal(f(`not not (${A})`), f(A));
    }),
    { seed: SEED, numRuns: 300 },
  );
});
