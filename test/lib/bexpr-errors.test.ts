// Invalid filters: each error text is what Consul puts in its answer body. The first ones are
// verbatim from Consul issues #7338, #9441 and #6467; the others follow go-bexpr v0.1.2's validate.go,
// Go's strconv and regexp wording, and the pigeon parser's error format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compileFilter,
  FilterError,
  FILTER_ERROR_PREFIX,
  schemas,
  type FieldSchema,
} from '../../src/lib/bexpr/index.js';
import { ConclaveError } from '../../src/lib/errors.js';

function errorOf(expr: string, schema: FieldSchema): string {
  try {
    compileFilter(expr, schema);
  } catch (err) {
    assert.ok(err instanceof FilterError, `${expr}: ${String(err)}`);
    assert.ok(err.message.startsWith(FILTER_ERROR_PREFIX));
    return err.message.slice(FILTER_ERROR_PREFIX.length);
  }
  assert.fail(`expected ${JSON.stringify(expr)} to be rejected`);
}

test('texts reported by Consul users', () => {
  assert.equal(
    errorOf('foo', schemas.agentService),
    '1:4 (3): no match found, expected: "!=", ".", "==", "[", [ \\t\\r\\n] or [a-zA-Z0-9_]',
  );
  assert.equal(
    errorOf('Address == 10.10.10.10 ', schemas.node),
    '1:17 (16): rule "number": Invalid number literal',
  );
  // #6467 (an unquoted node name with a hyphen): the same expected-token list.
  assert.equal(
    errorOf('Node == peace-host', schemas.serviceNode),
    '1:14 (13): no match found, expected: ".", "[", [ \\t\\r\\n], [a-zA-Z0-9_] or EOF',
  );
});

test('FilterError carries the whole body, a 400 status and the bad-request code', () => {
  try {
    compileFilter('Foo == 1', schemas.node);
    assert.fail('no error');
  } catch (err) {
    assert.ok(err instanceof FilterError && err instanceof ConclaveError && err instanceof Error);
    assert.equal(err.message, 'Failed to create boolean expression evaluator: Selector "Foo" is not valid');
    assert.equal(err.detail, 'Selector "Foo" is not valid');
    assert.equal(err.status, 400);
    assert.equal(err.code, 'ERR_BAD_REQUEST');
  }
});

test('syntax errors', () => {
  const s = schemas.checkServiceNode;
  const cases: Array<[string, string]> = [
    [' ', '1:2 (1): no match found, expected: "(", "-", "0", "\\"", "`", "not", [ \\t\\r\\n], [1-9] or [a-zA-Z]'],
    ['Service.ID ==', '1:14 (13): no match found, expected: "-", "0", "\\"", "`", [ \\t\\r\\n], [1-9] or [a-zA-Z]'],
    ['Service.ID == x and', '1:20 (19): no match found, expected: [ \\t\\r\\n]'],
    ['Service.ID == x)', '1:16 (15): no match found, expected: ".", "[", [ \\t\\r\\n], [a-zA-Z0-9_] or EOF'],
    ['Service.ID == x\nand Foo', '2:8 (23): no match found, expected: "!=", ".", "==", "[", [ \\t\\r\\n] or [a-zA-Z0-9_]'],
    ['not(Service.ID == x)', '1:4 (3): no match found, expected: "!=", ".", "==", "[", [ \\t\\r\\n] or [a-zA-Z0-9_]'],
    ['(Service.ID == x', '1:17 (16): rule "grouping": Unmatched parentheses'],
    ['Service.ID == "x', '1:17 (16): rule "string": Unterminated string literal'],
    ['Service.ID == `x', '1:17 (16): rule "string": Unterminated string literal'],
    ['Service.Meta[5] == 1', '1:14 (13): rule "index": Invalid index'],
    ['Service.Meta["x" == 1', '1:18 (17): rule "index": Unclosed index expression'],
    ['"a" in 5', '1:8 (7): rule "match": Invalid selector'],
    ['Service.Port == 1.', '1:18 (17): rule "number": Invalid number literal'],
    ['Service.Port == 1x', '1:18 (17): rule "number": Invalid number literal'],
    // A quote cannot be escaped inside "...": the literal ends at the first quote and
    // Go's Unquote fails; go-bexpr then trips over the missing value.
    [
      'Service.ID == "a\\"b"',
      '1:15 (14): rule "string": invalid syntax\n1:19 (18): rule "value": interface conversion: interface {} is nil, not string',
    ],
    ['Service.ID == "\\q"', '1:15 (14): rule "string": invalid syntax\n1:19 (18): rule "value": interface conversion: interface {} is nil, not string'],
    // Offsets count UTF-8 bytes, columns count characters.
    ['Service.ID == "é" é', '1:19 (19): no match found, expected: "and", "or", [ \\t\\r\\n] or EOF'],
  ];
  for (const [expr, want] of cases) assert.equal(errorOf(expr, s), want, JSON.stringify(expr));
});

test('an empty filter keeps every row (go-bexpr\'s nil filter)', () => {
  const keep = compileFilter('', schemas.node);
  assert.equal(keep({}), true);
  assert.equal(keep(null), true);
});

test('selector errors name the first unknown prefix', () => {
  const s = schemas.checkServiceNode;
  const cases: Array<[string, string]> = [
    ['Foo == 1', 'Selector "Foo" is not valid'],
    ['Service.Foo.Bar == 1', 'Selector "Service.Foo" is not valid'],
    ['Service.Tags.x == 1', 'Selector "Service.Tags.x" is not valid'],
    ['Service.Port.x == 1', 'Selector "Service.Port.x" is not valid'],
    ['Checks.Bad == 1', 'Selector "Checks.Bad" is not valid'],
    ['Checks.Definition.HTTP == x', 'Selector "Checks.Definition" is not valid'],
    ['Node.CreateIndex == 1', 'Selector "Node.CreateIndex" is not valid'],
    ['service.ID == x', 'Selector "service" is not valid'],
    ['Service.ID == x and Bogus is empty', 'Selector "Bogus" is not valid'],
    ['Bogus1 == 1 or Bogus2 == 2', 'Selector "Bogus1" is not valid'],
    ['Service.Meta[`a"b`].c == 1', 'Selector "Service.Meta.a\\"b.c" is not valid'],
  ];
  for (const [expr, want] of cases) assert.equal(errorOf(expr, s), want, expr);
});

test('operators a field type does not support', () => {
  const s = schemas.checkServiceNode;
  const cases: Array<[string, string]> = [
    ['Service.Tags == x', 'Invalid match operator "Equal" for selector "Service.Tags"'],
    ['Service.Tags matches x', 'Invalid match operator "Matches" for selector "Service.Tags"'],
    ['Service.ID is empty', 'Invalid match operator "Is Empty" for selector "Service.ID"'],
    ['Service.Meta.x is not empty', 'Invalid match operator "Is Not Empty" for selector "Service.Meta.x"'],
    ['Service is empty', 'Invalid match operator "Is Empty" for selector "Service"'],
    ['Service.Port contains 1', 'Invalid match operator "In" for selector "Service.Port"'],
    ['1 not in Service.Port', 'Invalid match operator "Not In" for selector "Service.Port"'],
    ['Checks == x', 'Invalid match operator "Equal" for selector "Checks"'],
    ['x in Checks', 'Invalid match operator "In" for selector "Checks"'],
    ['Service.Weights != 1', 'Invalid match operator "Not Equal" for selector "Service.Weights"'],
    ['Service.Meta matches x', 'Invalid match operator "Matches" for selector "Service.Meta"'],
  ];
  for (const [expr, want] of cases) assert.equal(errorOf(expr, s), want, expr);
});

test('values that do not fit the field type', () => {
  const csn = schemas.checkServiceNode;
  assert.equal(
    errorOf('Service.Port == abc', csn),
    'Failed to coerce value "abc" for selector "Service.Port": strconv.ParseInt: parsing "abc": invalid syntax',
  );
  assert.equal(
    errorOf('Service.Port == 1.5', csn),
    'Failed to coerce value "1.5" for selector "Service.Port": strconv.ParseInt: parsing "1.5": invalid syntax',
  );
  assert.equal(
    errorOf('Service.Port == "99999999999999999999"', csn),
    'Failed to coerce value "99999999999999999999" for selector "Service.Port": strconv.ParseInt: parsing "99999999999999999999": value out of range',
  );
  assert.equal(
    errorOf('Service.EnableTagOverride == yes', csn),
    'Failed to coerce value "yes" for selector "Service.EnableTagOverride": strconv.ParseBool: parsing "yes": invalid syntax',
  );
  assert.equal(
    errorOf('Service.Port == "a\\tb"', csn),
    'Failed to coerce value "a\\tb" for selector "Service.Port": strconv.ParseInt: parsing "a\\tb": invalid syntax',
  );
  const m = schemas.member;
  assert.equal(
    errorOf('Port == 70000', m),
    'Failed to coerce value "70000" for selector "Port": strconv.ParseUint: parsing "70000": value out of range',
  );
  assert.equal(
    errorOf('Port == -1', m),
    'Failed to coerce value "-1" for selector "Port": strconv.ParseUint: parsing "-1": invalid syntax',
  );
});

test('regular expressions are checked with RE2 rules and Go wording', () => {
  const s = schemas.node;
  const cases: Array<[string, string]> = [
    ['(abc', 'missing closing ): `(abc`'],
    ['a)', 'unexpected ): `a)`'],
    ['*a', 'missing argument to repetition operator: `*`'],
    ['a**', 'invalid nested repetition operator: `**`'],
    ['[a', 'missing closing ]: `[a`'],
    ['(?=x)', 'invalid or unsupported Perl syntax: `(?=`'],
    ['(?<!x)y', 'invalid or unsupported Perl syntax: `(?<`'],
    ['(a)\\1', 'invalid escape sequence: `\\1`'],
    ['x{2,1}', 'invalid repeat count: `{2,1}`'],
  ];
  for (const [re, want] of cases) {
    const expr = `Node matches ${JSON.stringify(re)}`;
    assert.equal(
      errorOf(expr, s),
      `Failed to compile regular expression ${JSON.stringify(re)}: error parsing regexp: ${want}`,
      expr,
    );
  }
  // RE2 matches runes and allows escaping any punctuation; \s is ASCII only.
  const re = (pattern: string, text: string) => compileFilter(`Node matches ${JSON.stringify(pattern)}`, s)({ Node: text });
  assert.equal(re('^.$', '😀'), true);
  assert.equal(re('^a\\-b\\_c\\:$', 'a-b_c:'), true);
  assert.equal(re('^[\\_\\:]+}]$', '_:}]'), true);
  assert.equal(re('^\\pL\\p{Greek}\\PN$', 'éαx'), true);
  assert.equal(re('^a\\sb$', 'a\u00a0b'), false);
  assert.equal(re('^a{,2}$', 'a{,2}'), true);
  // RE2 spellings JavaScript lacks still work.
  const match = compileFilter('Node matches `^(?P<n>web)-\\d+\\z` and Address matches "[[:digit:].]+"', s);
  assert.equal(match({ Node: 'web-12', Address: '10.0.0.1' }), true);
  assert.equal(match({ Node: 'web-12\n', Address: '10.0.0.1' }), false);
});

test('absurd nesting is refused, not a stack overflow', () => {
  const deep = '('.repeat(20000) + 'Node == x' + ')'.repeat(20000);
  assert.match(errorOf(deep, schemas.node), /nested too deeply/);
  // Moderate nesting is fine and stays fast (memoised parse).
  const ok = '('.repeat(100) + 'Node == x' + ')'.repeat(100);
  assert.equal(compileFilter(ok, schemas.node)({ Node: 'x' }), true);
  const unbalanced = '('.repeat(100) + 'Node == x';
  assert.match(errorOf(unbalanced, schemas.node), /Unmatched parentheses/);
});
