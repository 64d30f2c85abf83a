// The KV read answer's own encoder (dirEntriesJson) against the general Go-compatible one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeJson } from '../../src/lib/json-encode.js';
import { dirEntriesJson, kvToWire, type DirEntry } from '../../src/structs/kv.js';

const entry = fc.record({
  Key: fc.string({ unit: 'binary', maxLength: 40 }),
  Value: fc.option(fc.uint8Array({ maxLength: 64 }), { nil: null }),
  Flags: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  Session: fc.oneof(fc.constant(''), fc.uuid(), fc.string({ unit: 'binary', maxLength: 8 })),
  LockIndex: fc.nat(),
  CreateIndex: fc.nat(),
  ModifyIndex: fc.nat(),
}) as fc.Arbitrary<DirEntry>;

test('dirEntriesJson writes what encodeJson writes for the wire form of any entries', () => {
  fc.assert(
    fc.property(fc.array(entry, { maxLength: 5 }), fc.boolean(), (entries, freeze) => {
      const list = freeze ? entries.map((e) => Object.freeze(e)) : entries;
      const want = encodeJson(list.map(kvToWire), false);
      assert.equal(dirEntriesJson(list), want);
      // Asked again (the single-entry answer may come from its cache), the text is the same.
      assert.equal(dirEntriesJson(list), want);
    }),
    { numRuns: 500 },
  );
});

test('a key read again after a write answers the new entry, not the cached text', () => {
  const e1 = Object.freeze<DirEntry>({ Key: 'k', Value: Buffer.from('one'), Flags: 2n ** 64n - 1n, Session: '', LockIndex: 0, CreateIndex: 5, ModifyIndex: 5 });
  const first = dirEntriesJson([e1]);
  assert.equal(first, '[{"LockIndex":0,"Key":"k","Flags":18446744073709551615,"Value":"b25l","CreateIndex":5,"ModifyIndex":5}]');
  assert.equal(dirEntriesJson([e1]), first);
  const e2 = Object.freeze<DirEntry>({ ...e1, Value: Buffer.from('two'), Session: 'a<b', ModifyIndex: 6 });
  assert.equal(dirEntriesJson([e2]), '[{"LockIndex":0,"Key":"k","Flags":18446744073709551615,"Value":"dHdv","Session":"a\\u003cb","CreateIndex":5,"ModifyIndex":6}]');
  assert.equal(dirEntriesJson([]), '[]');
});
