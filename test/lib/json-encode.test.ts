// Go encoding/json output as Consul prints it: HTML-safe escapes, exact big integers,
// base64 bytes, sorted map keys, and MarshalIndent's 4-space layout plus a trailing newline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeJson, goMap, JsonEncodeError, quoteJsonString } from '../../src/lib/json-encode.js';

test('strings use Go escapes', () => {
  assert.equal(quoteJsonString('plain'), '"plain"');
  assert.equal(quoteJsonString('<a href="x">&</a>'), '"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e"');
  assert.equal(quoteJsonString('tab\tnl\ncr\rbs\bff\f'), '"tab\\tnl\\ncr\\rbs\\bff\\f"');
  assert.equal(quoteJsonString('\u0000\u0001\u001f\u007f'), '"\\u0000\\u0001\\u001f\u007f"');
  assert.equal(quoteJsonString('back\\slash'), '"back\\\\slash"');
  assert.equal(quoteJsonString('line\u2028para\u2029'), '"line\\u2028para\\u2029"');
  assert.equal(quoteJsonString('é😀'), '"é😀"');
  assert.equal(quoteJsonString('lone\ud800 \udc00'), '"lone\\ufffd \\ufffd"');
  assert.equal(quoteJsonString("it's /"), '"it\'s /"');
});

test('numbers, bigints and refused values', () => {
  assert.equal(encodeJson({ Flags: 18446744073709551615n, Index: 9007199254740993n }, false),
    '{"Flags":18446744073709551615,"Index":9007199254740993}');
  assert.equal(encodeJson([0, -1, 1.5, 1e21, 1e-7, 123456789012, 0.000001], false),
    '[0,-1,1.5,1e+21,1e-7,123456789012,0.000001]');
  assert.throws(() => encodeJson({ x: NaN }, false), (e: unknown) =>
    e instanceof JsonEncodeError && e.message === 'json: unsupported value: NaN');
  assert.throws(() => encodeJson(Infinity, false), /unsupported value: \+Inf/);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.throws(() => encodeJson(cyclic, false), JsonEncodeError);
});

test('bytes are base64, maps sorted, structs keep field order, undefined omitted', () => {
  assert.equal(encodeJson({ Value: new Uint8Array([0x74, 0x65, 0x73, 0x74]) }, false), '{"Value":"dGVzdA=="}');
  assert.equal(encodeJson(Buffer.from('ab'), false), '"YWI="');
  assert.equal(encodeJson(new Uint8Array([]), false), '""');
  const m = new Map<string, number>([['b', 1], ['a', 2], ['B', 3], ['é', 4]]);
  assert.equal(encodeJson(m, false), '{"B":3,"a":2,"b":1,"é":4}');
  assert.equal(encodeJson(goMap({ z: 1, a: 2 }), false), '{"a":2,"z":1}');
  assert.equal(encodeJson({ z: 1, a: 2, u: undefined, f: () => 1 }, false), '{"z":1,"a":2}');
  assert.equal(encodeJson([undefined, null, true], false), '[null,null,true]');
  assert.equal(encodeJson(undefined, false), 'null');
  assert.equal(encodeJson({ t: { toJSON: () => 'x' } }, false), '{"t":"x"}');
});

test('pretty output matches json.MarshalIndent(v, "", "    ") plus a newline', () => {
  const value = {
    ID: 'web',
    Tags: ['a', '<b>'],
    Meta: {},
    Empty: [],
    Weights: { Passing: 1, Warning: 1 },
    Nested: [{ A: [] }, []],
  };
  const want = [
    '{',
    '    "ID": "web",',
    '    "Tags": [',
    '        "a",',
    '        "\\u003cb\\u003e"',
    '    ],',
    '    "Meta": {},',
    '    "Empty": [],',
    '    "Weights": {',
    '        "Passing": 1,',
    '        "Warning": 1',
    '    },',
    '    "Nested": [',
    '        {',
    '            "A": []',
    '        },',
    '        []',
    '    ]',
    '}',
    '',
  ].join('\n');
  assert.equal(encodeJson(value, true), want);
  assert.equal(encodeJson('x', true), '"x"\n');
  assert.equal(encodeJson([], true), '[]\n');
});

test('without HTML characters or bigints the text parses back to the same value', () => {
  const json = fc.jsonValue({ maxDepth: 4 }).filter((v) => !JSON.stringify(v).includes('-0'));
  fc.assert(fc.property(json, fc.boolean(), (v, pretty) => {
    assert.deepEqual(JSON.parse(encodeJson(v, pretty)), JSON.parse(JSON.stringify(v)));
  }), { seed: 7, numRuns: 500 });
});

test('the JSON.stringify fast path and the general encoder write the same text', () => {
  // Strings mixing HTML characters, separators, controls and lone surrogates.
  const str = fc.string({ unit: fc.constantFrom('a', '<', '&', '>', '\u2028', '\n', '\u0001', '"', '\\', 'é', '\ud800', '\udc00', '😀') });
  const value = fc.letrec<{ v: unknown }>((tie) => ({
    v: fc.oneof(
      { depthSize: 'small' },
      str, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null),
      fc.array(tie('v'), { maxLength: 4 }),
      fc.dictionary(str, tie('v'), { maxKeys: 4 }),
    ),
  })).v;
  fc.assert(fc.property(value, fc.boolean(), (v, pretty) => {
    // A Map at the top forces the general encoder for everything below it.
    const general = encodeJson(new Map([['k', v]]), pretty);
    const fast = encodeJson(v, pretty);
    const inner = pretty ? fast.slice(0, -1).replaceAll('\n', '\n    ') : fast;
    assert.equal(general, pretty ? `{\n    "k": ${inner}\n}\n` : `{"k":${fast}}`);
  }), { seed: 11, numRuns: 1000 });
  assert.equal(encodeJson(['x\ud800', 'a\\ud800'], false), '["x\\ufffd","a\\\\ud800"]');
});
