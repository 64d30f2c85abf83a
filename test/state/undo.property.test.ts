// Property: whatever a transaction did before one of its ops failed, the store afterwards is
// byte-for-byte the store before (every table, secondary index and index entry), and lock-delays
// started inside it are gone too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StateStore } from '../../src/state/index.js';
import type { TxnOp } from '../../src/structs/index.js';
import { FakeClock, check, kv, node, session } from './helpers.js';

const keys = ['a', 'a/1', 'a/2', 'b/x', 'lock1', 'lock2'];
const nodes = ['n1', 'n2'];
const statuses = ['passing', 'warning', 'critical'] as const;

const kvOp = fc.oneof(
  fc.record({ verb: fc.constantFrom('set', 'delete', 'delete-tree', 'cas'), key: fc.constantFrom(...keys, ''), v: fc.string({ maxLength: 3 }) }),
  fc.record({ verb: fc.constantFrom('lock', 'unlock'), key: fc.constantFrom(...keys), v: fc.constantFrom('s1', 's2', 's3') }),
).map(({ verb, key, v }): TxnOp => {
  const extra = verb === 'lock' || verb === 'unlock' ? { Session: v } : {};
  return { KV: { Verb: verb as never, Entry: kv(key, verb === 'cas' ? 'c' : v, extra) } };
});

const catalogOp = fc.oneof(
  fc.record({ n: fc.constantFrom(...nodes), addr: fc.constantFrom('10.0.0.1', '10.0.0.2') }).map(
    ({ n, addr }): TxnOp => ({ Node: { Verb: 'set', Node: { Node: n, Address: addr } as never } }),
  ),
  fc.constantFrom(...nodes).map((n): TxnOp => ({ Node: { Verb: 'delete', Node: { Node: n } as never } })),
  fc.record({ n: fc.constantFrom(...nodes), svc: fc.constantFrom('web', 'db'), port: fc.nat(3) }).map(
    ({ n, svc, port }): TxnOp => ({ Service: { Verb: 'set', Node: n, Service: { ID: svc, Service: svc, Port: port } as never } }),
  ),
  fc.record({ n: fc.constantFrom(...nodes), svc: fc.constantFrom('web', 'db') }).map(
    ({ n, svc }): TxnOp => ({ Service: { Verb: 'delete', Node: n, Service: { ID: svc } as never } }),
  ),
  fc.record({ n: fc.constantFrom(...nodes), id: fc.constantFrom('serfHealth', 'web-c'), status: fc.constantFrom(...statuses) }).map(
    ({ n, id, status }): TxnOp => ({
      Check: { Verb: 'set', Check: check(n, id, status, id === 'web-c' ? { ServiceID: 'web' } : {}) },
    }),
  ),
  fc.record({ n: fc.constantFrom(...nodes), id: fc.constantFrom('serfHealth', 'web-c') }).map(
    ({ n, id }): TxnOp => ({ Check: { Verb: 'delete', Check: { Node: n, CheckID: id } as never } }),
  ),
);

function seeded(clock: FakeClock): StateStore {
  const s = new StateStore({ clock });
  for (const n of nodes) {
    s.ensureRegistration(1, {
      ...node(n),
      Service: { Service: 'web' } as never,
      Checks: [check(n, 'serfHealth', 'passing'), check(n, 'web-c', 'passing', { ServiceID: 'web' })],
    });
  }
  s.sessionCreate(2, session('s1', 'n1', { NodeChecks: ['serfHealth'] }));
  s.sessionCreate(3, session('s2', 'n2', { ServiceChecks: [{ ID: 'web-c', Namespace: '' }], Behavior: 'delete' }));
  s.sessionCreate(4, session('s3', 'n1'));
  s.kvsLock(5, kv('lock1', 'x', { Session: 's1' }));
  s.kvsLock(6, kv('lock2', 'y', { Session: 's2' }));
  s.kvsSet(7, kv('a/1', 'z'));
  return s;
}

test('a failed txn leaves the store exactly as it was, whatever ran before the failure', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(kvOp, catalogOp), { minLength: 1, maxLength: 12 }), (ops) => {
      const clock = new FakeClock();
      const s = seeded(clock);
      const before = s.snapshot();
      const failing: TxnOp = { KV: { Verb: 'get', Entry: kv('does-not-exist') } };
      const r = s.txn(100, [...ops, failing], { enforceLockDelay: false });
      assert.equal(r.Results, null);
      assert.ok(r.Errors && r.Errors.length >= 1);
      assert.deepEqual(s.snapshot(), before);
      for (const k of keys) assert.equal(s.kvsLockDelay(k), 0, `lock-delay on ${k} leaked`);
      // The same ops without the failure must not throw anything but op errors.
      const ok = s.txn(101, ops, { enforceLockDelay: false });
      assert.ok(ok.Results !== null || ok.Errors !== null);
    }),
    { numRuns: 300, seed: 20261124 },
  );
});
