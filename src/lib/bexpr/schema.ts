// Field schemas: the Go types behind Consul's JSON rows, described in data, and the
// field configurations go-bexpr v0.1.2 derives from them by reflection.
//
// go-bexpr validates a selector against the row's Go type before evaluating anything, so
// `Foo == 1` on a node is an error ("Selector \"Foo\" is not valid"), not a non-match.
// A schema says, per field, which Go kind it has; buildConfig() then applies go-bexpr's rules:
//   string        == != in "not in" matches "not matches"   (in = substring)
//   bool/int/...  == !=
//   []primitive   in "not in" "is empty" "is not empty"       (in = membership)
//   []struct      "is empty" "is not empty"; selectors continue into the element (any-match)
//   map[string]X  "is empty" "is not empty" in "not in"        (in = key present); X under any key
//   struct        no operators; selectors continue into its fields

import type { MatchOperator } from './parser.js';

export type FieldType =
  | { readonly kind: 'string' }
  | { readonly kind: 'bool' }
  | { readonly kind: 'int'; readonly bits: 8 | 16 | 32 | 64 }
  | { readonly kind: 'uint'; readonly bits: 8 | 16 | 32 | 64 }
  | { readonly kind: 'float'; readonly bits: 32 | 64 }
  | { readonly kind: 'slice'; readonly elem: FieldType }
  | { readonly kind: 'map'; readonly value: FieldType }
  | StructType
  /** A Go type go-bexpr cannot filter on (interface{}, func, ...). */
  | { readonly kind: 'opaque' };

export interface StructType {
  readonly kind: 'struct';
  readonly fields: Readonly<Record<string, FieldType | FieldSpec>>;
}

/** A struct field whose selector name differs from its JSON key, or that has extra names. */
export interface FieldSpec {
  readonly type: FieldType;
  /** Key of the field in the JSON row; defaults to the selector name. */
  readonly json?: string;
  /** Further selector names for the same field (go-bexpr's `bexpr:"a,b"` tag). */
  readonly aliases?: readonly string[];
}

/** The row type a filter runs against: a Go struct. */
export type FieldSchema = StructType;

/** Small constructors so schemas read like the Go structs they mirror. */
export const t = {
  string: { kind: 'string' } as FieldType,
  bool: { kind: 'bool' } as FieldType,
  int: { kind: 'int', bits: 64 } as FieldType,
  uint8: { kind: 'uint', bits: 8 } as FieldType,
  uint16: { kind: 'uint', bits: 16 } as FieldType,
  uint64: { kind: 'uint', bits: 64 } as FieldType,
  float64: { kind: 'float', bits: 64 } as FieldType,
  opaque: { kind: 'opaque' } as FieldType,
  slice: (elem: FieldType): FieldType => ({ kind: 'slice', elem }),
  map: (value: FieldType): FieldType => ({ kind: 'map', value }),
  struct: (fields: Record<string, FieldType | FieldSpec>): StructType => ({ kind: 'struct', fields }),
  field: (type: FieldType, opts: { json?: string; aliases?: string[] } = {}): FieldSpec => ({
    type,
    ...opts,
  }),
};

/** go-bexpr's FieldConfiguration, plus what evaluation needs (the type and the JSON key). */
export interface FieldConfig {
  readonly type: FieldType;
  readonly jsonKey: string | null;
  readonly ops: ReadonlySet<MatchOperator>;
  /** The type the match value is coerced to (the element type for slices); null = none. */
  readonly coerceTo: FieldType | null;
  /** Named sub-fields (struct fields), or null. */
  readonly subFields: ReadonlyMap<string, FieldConfig> | null;
  /** The `<any>` sub-field (map values), or null. */
  readonly anyField: FieldConfig | null;
}

const STRING_OPS: MatchOperator[] = ['Equal', 'Not Equal', 'In', 'Not In', 'Matches', 'Not Matches'];
const PRIMITIVE_OPS: MatchOperator[] = ['Equal', 'Not Equal'];
const PRIMITIVE_SLICE_OPS: MatchOperator[] = ['In', 'Not In', 'Is Empty', 'Is Not Empty'];
const SLICE_OPS: MatchOperator[] = ['Is Empty', 'Is Not Empty'];
const MAP_OPS: MatchOperator[] = ['Is Empty', 'Is Not Empty', 'In', 'Not In'];
const STRING_TYPE: FieldType = { kind: 'string' };

export function isPrimitive(type: FieldType): boolean {
  return type.kind === 'string' || type.kind === 'bool' || type.kind === 'int' ||
    type.kind === 'uint' || type.kind === 'float';
}

interface Children {
  readonly subFields: ReadonlyMap<string, FieldConfig> | null;
  readonly anyField: FieldConfig | null;
}

function children(type: FieldType): Children {
  if (type.kind === 'struct') return { subFields: structFields(type), anyField: null };
  if (type.kind === 'map') {
    const value = configFor(type.value, null);
    return { subFields: null, anyField: value };
  }
  return { subFields: null, anyField: null };
}

/** generateFieldConfigurationInternal: null for types go-bexpr cannot filter. */
function configFor(type: FieldType, jsonKey: string | null): FieldConfig | null {
  if (isPrimitive(type)) {
    const ops = type.kind === 'string' ? STRING_OPS : PRIMITIVE_OPS;
    return { type, jsonKey, ops: new Set(ops), coerceTo: type, subFields: null, anyField: null };
  }
  switch (type.kind) {
    case 'slice': {
      if (isPrimitive(type.elem)) {
        return {
          type, jsonKey, ops: new Set(PRIMITIVE_SLICE_OPS), coerceTo: type.elem,
          subFields: null, anyField: null,
        };
      }
      // Selectors continue into the element: a slice of structs offers the struct's fields,
      // a slice of maps the map's <any> key.
      const elem = children(type.elem);
      return { type, jsonKey, ops: new Set(SLICE_OPS), coerceTo: null, ...elem };
    }
    case 'map': {
      const value = configFor(type.value, null);
      return {
        type, jsonKey, ops: new Set(MAP_OPS), coerceTo: STRING_TYPE,
        subFields: null, anyField: value,
      };
    }
    case 'struct':
      return { type, jsonKey, ops: new Set(), coerceTo: null, ...children(type) };
    default:
      return null;
  }
}

const cache = new WeakMap<StructType, ReadonlyMap<string, FieldConfig>>();

/** The top-level field configurations of a struct schema (cached per schema object). */
export function structFields(schema: StructType): ReadonlyMap<string, FieldConfig> {
  const hit = cache.get(schema);
  if (hit) return hit;
  const fields = new Map<string, FieldConfig>();
  for (const [name, def] of Object.entries(schema.fields)) {
    const spec: FieldSpec = 'kind' in def ? { type: def } : def;
    const cfg = configFor(spec.type, spec.json ?? name);
    if (cfg === null) continue; // not filterable, like a `bexpr:"-"` field
    fields.set(name, cfg);
    for (const alias of spec.aliases ?? []) fields.set(alias, cfg);
  }
  cache.set(schema, fields);
  return fields;
}
