import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlagSet, FlagError, parseGoInt } from '../../src/config/flagset.js';

function fs(): FlagSet {
  return new FlagSet('t')
    .string('node', 'n')
    .bool('server', 's')
    .int('port', 'p')
    .strings('join', 'j')
    .map('meta', 'm', ':')
    .duration('interval', 'i')
    .add({ name: 'flags', kind: 'uint64', usage: 'f' });
}

test('accepts -flag value, -flag=value and --flag forms', () => {
  const p = fs().parse(['-node', 'a', '--port=80', '--server', 'rest', '-x']);
  assert.equal(p.values.get('node'), 'a');
  assert.equal(p.values.get('port'), 80);
  assert.equal(p.values.get('server'), true);
  assert.deepEqual(p.args, ['rest', '-x']);
});

test('a boolean flag never takes the next argument; -flag=false switches it off', () => {
  const p = fs().parse(['-server', 'false']);
  assert.equal(p.values.get('server'), true);
  assert.deepEqual(p.args, ['false']);
  assert.equal(fs().parse(['-server=false']).values.get('server'), false);
  assert.equal(fs().parse(['-server=0']).values.get('server'), false);
  assert.throws(() => fs().parse(['-server=maybe']), /invalid boolean value "maybe" for -server: parse error/);
});

test('repeatable flags accumulate in order; map flags split on their separator', () => {
  const p = fs().parse(['-join', 'a', '-join=b', '-meta', 'k:v', '-meta', 'x:y:z']);
  assert.deepEqual(p.values.get('join'), ['a', 'b']);
  assert.deepEqual(p.values.get('meta'), { k: 'v', x: 'y:z' });
  assert.deepEqual(p.order, ['join', 'join', 'meta', 'meta']);
});

test('errors read like Go flag package errors', () => {
  assert.throws(() => fs().parse(['-foo']), (e: unknown) => e instanceof FlagError && e.message === 'flag provided but not defined: -foo');
  assert.throws(() => fs().parse(['-port', 'abc']), /^FlagError: invalid value "abc" for flag -port: parse error$/);
  assert.throws(() => fs().parse(['-node']), /flag needs an argument: -node/);
  assert.throws(() => fs().parse(['---x']), /bad flag syntax: ---x/);
  assert.throws(() => fs().parse(['-interval', '10']), /invalid value "10" for flag -interval/);
  assert.throws(() => fs().parse(['-meta', 'novalue']), /missing ':'/);
});

test('"--" ends the flags and a lone "-" is positional', () => {
  assert.deepEqual(fs().parse(['--', '-node', 'x']).args, ['-node', 'x']);
  assert.deepEqual(fs().parse(['-', 'x']).args, ['-', 'x']);
});

test('-h and -help ask for help instead of failing', () => {
  assert.equal(fs().parse(['-h']).help, true);
  assert.equal(fs().parse(['--help']).help, true);
});

test('durations stay Go strings; uint64 flags keep every digit', () => {
  const p = fs().parse(['-interval=1m30s', '-flags', '18446744073709551615']);
  assert.equal(p.values.get('interval'), '1m30s');
  assert.equal(p.values.get('flags'), '18446744073709551615');
  assert.throws(() => fs().parse(['-flags', '18446744073709551616']), /out of range/);
  assert.throws(() => fs().parse(['-flags', '-1']), /invalid value/);
});

test('integers parse like strconv.ParseInt(s, 0, 64)', () => {
  assert.equal(parseGoInt('0x1f'), 31);
  assert.equal(parseGoInt('010'), 8);
  assert.equal(parseGoInt('-42'), -42);
  assert.equal(parseGoInt('1_000'), 1000);
  assert.equal(parseGoInt('12a'), undefined);
  assert.equal(parseGoInt(''), undefined);
});

test('usage lists every flag, sorted', () => {
  const u = fs().usage();
  assert.ok(u.indexOf('-flags') < u.indexOf('-join'));
  assert.match(u, /-server\n/);
  assert.match(u, /-port=<int>/);
});
