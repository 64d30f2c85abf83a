import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type LogSink } from '../../src/lib/logger.js';

const FIXED = Date.parse('2024-05-16T13:47:53.925Z');

function capture(): LogSink & { lines: string[] } {
  const lines: string[] = [];
  return { lines, write: (s: string) => lines.push(s) };
}

test('text lines use hclog layout: timestamp, padded level, module, message, fields', () => {
  const out = capture();
  const log = createLogger({ level: 'TRACE', out, nowMs: () => FIXED });
  log.named('agent').named('server').named('raft').info('entering leader state', { leader: 'Node at 127.0.0.1:8300' });
  log.named('agent').warn('plain');
  log.debug('no module');
  log.named('x').error('failed', { error: new Error('boom here'), n: 3, ok: true, list: ['a', 'b c'] });
  log.named('x').trace('t');
  assert.deepEqual(out.lines, [
    '2024-05-16T13:47:53.925Z [INFO]  agent.server.raft: entering leader state: leader="Node at 127.0.0.1:8300"\n',
    '2024-05-16T13:47:53.925Z [WARN]  agent: plain\n',
    '2024-05-16T13:47:53.925Z [DEBUG] no module\n',
    '2024-05-16T13:47:53.925Z [ERROR] x: failed: error="boom here" n=3 ok=true list=[a, "b c"]\n',
    '2024-05-16T13:47:53.925Z [TRACE] x: t\n',
  ]);
});

test('values with quotes or control characters are quoted and escaped', () => {
  const out = capture();
  createLogger({ level: 'INFO', out, nowMs: () => FIXED }).info('m', { a: 'say "hi"', b: 'line1\nline2', c: 'plain' });
  assert.equal(out.lines[0], '2024-05-16T13:47:53.925Z [INFO]  m: a="say \\"hi\\"" b="line1\\nline2" c=plain\n');
});

test('JSON lines carry @level, @message, @module, @timestamp and the fields, keys sorted', () => {
  const out = capture();
  const log = createLogger({ level: 'DEBUG', json: true, out, nowMs: () => FIXED });
  log.named('agent.http').debug('request', { method: 'GET', url: '/v1/kv/a', status: 200 });
  assert.equal(
    out.lines[0],
    '{"@level":"debug","@message":"request","@module":"agent.http","@timestamp":"2024-05-16T13:47:53.925000Z","method":"GET","status":200,"url":"/v1/kv/a"}\n',
  );
  createLogger({ level: 'INFO', json: true, out, nowMs: () => FIXED }).info('root');
  assert.deepEqual(Object.keys(JSON.parse(out.lines[1]!)), ['@level', '@message', '@timestamp']);
});

test('levels filter, and setLevel applies to every derived logger', () => {
  const out = capture();
  const root = createLogger({ level: 'WARN', out, nowMs: () => FIXED });
  const child = root.named('c');
  child.info('hidden');
  child.warn('shown');
  root.setLevel('DEBUG');
  child.debug('now shown');
  assert.equal(out.lines.length, 2);
  assert.equal(child.level(), 'DEBUG');
  assert.equal(root.isEnabled('TRACE'), false);
});

test('secret-looking fields are never written', () => {
  const out = capture();
  const log = createLogger({ level: 'INFO', out, nowMs: () => FIXED });
  log.info('t', { token: 's3cr3t', SecretID: 'abc', encrypt: 'key=', acl_token: 'x', accessor: 'ok' });
  assert.equal(out.lines[0], '2024-05-16T13:47:53.925Z [INFO]  t: token=<hidden> SecretID=<hidden> encrypt=<hidden> acl_token=<hidden> accessor=ok\n');
  const json = capture();
  createLogger({ level: 'INFO', json: true, out: json, nowMs: () => FIXED }).info('t', { token: 's3cr3t' });
  assert.equal(JSON.parse(json.lines[0]!).token, '<hidden>');
  assert.ok(!json.lines[0]!.includes('s3cr3t'));
});

test('a log file receives the same lines; a directory gets consul.log', () => {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-log-'));
  try {
    const out = capture();
    const log = createLogger({ level: 'INFO', out, file: `${dir}/`, nowMs: () => FIXED });
    log.info('to file');
    assert.equal(readFileSync(join(dir, 'consul.log'), 'utf8'), out.lines[0]);
    createLogger({ level: 'INFO', out, file: join(dir, 'agent.log'), nowMs: () => FIXED }).warn('w');
    assert.equal(readFileSync(join(dir, 'agent.log'), 'utf8'), '2024-05-16T13:47:53.925Z [WARN]  w\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
