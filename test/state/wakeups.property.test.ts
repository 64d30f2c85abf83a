// Property: after any single write, every blocked query whose rows changed has been woken; and
// a KV query whose answer (rows and index) did not change has not been woken (only touched
// watchers wake).
// Index-only moves (a table index under a query that reads no row of the write) wake no one, as
// in Consul: the blocked query picks the new index up when it next runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StateStore, WatchSet } from '../../src/state/index.js';
import type { TxnOp } from '../../src/structs/index.js';
import { FakeClock, check, kv, node, park, session, settle } from './helpers.js';

const keys = ['a', 'a/1', 'a/2', 'ab', 'b/x'];
const nodes = ['n1', 'n2'];

const op: fc.Arbitrary<TxnOp> = fc.oneof(
  fc.record({ verb: fc.constantFrom('set', 'delete', 'delete-tree'), key: fc.constantFrom(...keys, 'a/'), v: fc.constantFrom('1', '2') }).map(
    ({ verb, key, v }): TxnOp => ({ KV: { Verb: verb as never, Entry: kv(key, v) } }),
  ),
  fc.record({ verb: fc.constantFrom('lock', 'unlock'), key: fc.constantFrom(...keys), s: fc.constantFrom('s1', 's2') }).map(
    ({ verb, key, s }): TxnOp => ({ KV: { Verb: verb as never, Entry: kv(key, 'v', { Session: s }) } }),
  ),
  fc.record({ n: fc.constantFrom(...nodes), a: fc.constantFrom('10.0.0.1', '10.0.0.2') }).map(
    ({ n, a }): TxnOp => ({ Node: { Verb: 'set', Node: { Node: n, Address: a } as never } }),
  ),
  fc.constantFrom(...nodes).map((n): TxnOp => ({ Node: { Verb: 'delete', Node: { Node: n } as never } })),
  fc.record({ n: fc.constantFrom(...nodes), svc: fc.constantFrom('web', 'db'), tag: fc.constantFrom('x', 'y') }).map(
    ({ n, svc, tag }): TxnOp => ({ Service: { Verb: 'set', Node: n, Service: { ID: svc, Service: svc, Tags: [tag] } as never } }),
  ),
  fc.record({ n: fc.constantFrom(...nodes), svc: fc.constantFrom('web', 'db') }).map(
    ({ n, svc }): TxnOp => ({ Service: { Verb: 'delete', Node: n, Service: { ID: svc } as never } }),
  ),
  fc.record({ n: fc.constantFrom(...nodes), st: fc.constantFrom('passing', 'warning', 'critical' as const) }).map(
    ({ n, st }): TxnOp => ({ Check: { Verb: 'set', Check: check(n, 'serfHealth', st) } }),
  ),
);

type Query = (s: StateStore, ws: WatchSet | null) => [number, unknown];
const kvQueries: Array<[string, Query]> = [
  ...keys.map((k): [string, Query] => [`kvsGet ${k}`, (s, ws) => s.kvsGet(ws, k)]),
  ...['', 'a', 'a/', 'b/'].map((p): [string, Query] => [`kvsList ${p}`, (s, ws) => s.kvsList(ws, p)]),
  ['kvsListKeys a/', (s, ws) => s.kvsListKeys(ws, 'a', '/')],
];
const otherQueries: Array<[string, Query]> = [
  ['nodes', (s, ws) => s.nodes(ws)],
  ['services', (s, ws) => s.services(ws)],
  ['serviceNodes web', (s, ws) => s.serviceNodes(ws, 'web')],
  ['checkServiceNodes web', (s, ws) => s.checkServiceNodes(ws, 'web')],
  ['checkServiceNodes db', (s, ws) => s.checkServiceNodes(ws, 'db')],
  ['nodeServices n1', (s, ws) => s.nodeServices(ws, 'n1')],
  ['nodeChecks n2', (s, ws) => s.nodeChecks(ws, 'n2')],
  ['checksInState critical', (s, ws) => s.checksInState(ws, 'critical')],
  ['sessionList', (s, ws) => s.sessionList(ws)],
  ['nodeSessions n1', (s, ws) => s.nodeSessions(ws, 'n1')],
];

const show = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));

test('every query whose rows a write changed is woken; KV queries whose answer did not change are not', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { maxLength: 8 }), op, async (setup, write) => {
      const s = new StateStore({ clock: new FakeClock() });
      for (const n of nodes) s.ensureRegistration(1, { ...node(n), Checks: [check(n, 'serfHealth', 'passing')] });
      s.sessionCreate(2, session('s1', 'n1', { NodeChecks: ['serfHealth'] }));
      s.sessionCreate(3, session('s2', 'n2', { NodeChecks: ['serfHealth'], Behavior: 'delete' }));
      let idx = 10;
      for (const o of setup) s.txn(idx++, [o], { enforceLockDelay: false });

      const all = [...kvQueries.map((q) => [...q, true] as const), ...otherQueries.map((q) => [...q, false] as const)];
      const parked = all.map(([name, q, strict]) => {
        const ws = new WatchSet();
        const [index, rows] = q(s, ws);
        return { name, q, strict, index, before: show(rows), p: park(ws) };
      });
      try {
        s.txn(idx, [write], { enforceLockDelay: false });
        await settle();
        for (const { name, q, strict, index, before, p } of parked) {
          const [indexNow, rowsNow] = q(s, null);
          const rowsChanged = show(rowsNow) !== before;
          if (rowsChanged) assert.equal(p.woke(), 'changed', `${name} changed but was not woken`);
          else if (strict && indexNow === index) assert.equal(p.woke(), null, `${name} unchanged but was woken`);
        }
      } finally {
        await Promise.all(parked.map(({ p }) => p.stop()));
      }
      assert.equal(s.parkedWatchers, 0);
    }),
    { numRuns: 200, seed: 424242 },
  );
});
