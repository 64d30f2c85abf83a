import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHcl, HclParseError } from '../../src/config/hcl.js';

test('assignments of every value type', () => {
  const v = parseHcl(`
    s = "text"
    i = 42
    neg = -3
    f = 1.5
    e = 1e3
    hex = 0x10
    b = true
    l = ["a", 1, false,]
    o = { x = 1, y = "z" }
    "quoted key" = "v"
  `);
  assert.deepEqual(v, {
    s: 'text', i: 42, neg: -3, f: 1.5, e: 1000, hex: 16, b: true,
    l: ['a', 1, false], o: { x: 1, y: 'z' }, 'quoted key': 'v',
  });
});

test('comments of all three kinds are ignored', () => {
  const v = parseHcl(`# hash\n// slashes\n/* block\n comment */ a = 1 # trailing\nb = 2 // trailing\n`);
  assert.deepEqual(v, { a: 1, b: 2 });
});

test('a block is an object; repeated blocks become a list', () => {
  assert.deepEqual(parseHcl('ports { http = 1 }'), { ports: { http: 1 } });
  assert.deepEqual(parseHcl('service { name = "a" }\nservice { name = "b" }'), {
    service: [{ name: 'a' }, { name: 'b' }],
  });
});

test('labelled blocks nest under their labels', () => {
  assert.deepEqual(parseHcl('a "b" "c" { d = 1 }'), { a: { b: { c: { d: 1 } } } });
});

test('nested blocks and lists of objects', () => {
  const v = parseHcl(`
    service {
      name = "web"
      check { http = "http://x" interval = "10s" }
      checks = [{ ttl = "5s" }, { tcp = "x:1", interval = "1s" }]
    }`);
  assert.deepEqual(v, {
    service: {
      name: 'web',
      check: { http: 'http://x', interval: '10s' },
      checks: [{ ttl: '5s' }, { tcp: 'x:1', interval: '1s' }],
    },
  });
});

test('string escapes and interpolation text', () => {
  const v = parseHcl(String.raw`a = "x\ty\n\"q\" \\ \u00e9"` + '\n' + 'b = "${var.x["k"]}"');
  assert.equal(v.a, 'x\ty\n"q" \\ é');
  assert.equal(v.b, '${var.x["k"]}');
});

test('heredocs, plain and indented', () => {
  const v = parseHcl('a = <<EOF\nline1\n  line2\nEOF\nb = <<-EOT\n    x\n      y\n    EOT\n');
  assert.equal(v.a, 'line1\n  line2\n');
  assert.equal(v.b, 'x\n  y\n');
});

test('a later scalar assignment replaces an earlier one', () => {
  assert.deepEqual(parseHcl('a = 1\na = 2'), { a: 2 });
});

test('errors carry line:column', () => {
  const cases: [string, RegExp][] = [
    ['a = "unterminated', /^At 1:5: literal not terminated/],
    ['a = 1\nb c', /^At 2:1: key 'b c' expected start of object/],
    ['a = [1, 2', /^At 1:5: list not terminated/],
    ['x {\n a = 1\n', /^At 3:1: object expected closing RBRACE got: EOF/],
    ['a = @', /^At 1:5: illegal char "@"/],
    ['a = bare', /^At 1:5: Unknown token/],
    ['/* open', /^At 1:1: comment not terminated/],
    ['a = <<EOF\nno end\n', /^At 1:5: heredoc not terminated/],
    ['a = 12ab', /^At 1:5: invalid number/],
    ['}', /^At 1:1: unexpected token RBRACE/],
  ];
  for (const [src, re] of cases) {
    assert.throws(() => parseHcl(src), (e: unknown) => e instanceof HclParseError && re.test(e.message), src);
  }
});

test('an empty document is an empty object', () => {
  assert.deepEqual(parseHcl(''), {});
  assert.deepEqual(parseHcl('\n# only a comment\n'), {});
});
