// Validation and evaluation of a parsed filter against a field schema, as go-bexpr v0.1.2 does:
// validate every match expression first (selector, operator, value coercion, regexp), in
// source order, stopping at the first problem; then evaluate rows with these rules:
//   - a selector walks struct fields and map keys; a missing JSON field is Go's zero value;
//   - a selector that still has parts left when it reaches a slice tries every element and
//     matches if ANY element matches (Checks.Status == passing);
//   - a missing map key makes ==, in, is not empty and matches false and their negations true;
//   - values were coerced once to the field's Go type (bool, int, uint, float, string).

import type { Expression, MatchExpression, MatchOperator } from './parser.js';
import { type FieldConfig, type FieldSchema, type FieldType, structFields } from './schema.js';
import { GoNumError, goParseBool, goParseFloat, goParseInt, goParseUint, goQuote } from './go-strconv.js';
import { compileGoRegexp, RegexpError } from './regexp.js';

export type Predicate = (row: unknown) => boolean;

/** A validation failure; `message` is go-bexpr's text (without Consul's prefix). */
export class ValidationError extends Error {
  override name = 'ValidationError';
}

/** One step of a selector walk. */
type Step =
  | { readonly kind: 'field'; readonly key: string }
  | { readonly kind: 'key'; readonly key: string }
  | { readonly kind: 'any' };

/** A coerced match value: what the row's value is compared with. */
type Coerced = string | boolean | bigint | number;

export function compileExpression(ast: Expression, schema: FieldSchema): Predicate {
  switch (ast.kind) {
    case 'or': {
      // Chains are flattened so that a long "a or b or c ..." costs no stack depth per term.
      const parts = flatten(ast, 'or').map((e) => compileExpression(e, schema));
      return (row) => {
        for (const p of parts) if (p(row)) return true;
        return false;
      };
    }
    case 'and': {
      const parts = flatten(ast, 'and').map((e) => compileExpression(e, schema));
      return (row) => {
        for (const p of parts) if (!p(row)) return false;
        return true;
      };
    }
    case 'not': {
      const operand = compileExpression(ast.operand, schema);
      return (row) => !operand(row);
    }
    case 'match':
      return compileMatch(ast, schema);
  }
}

/** The operands of a chain of one connective, left to right (source order, for error order). */
function flatten(ast: Expression, kind: 'or' | 'and'): Expression[] {
  const out: Expression[] = [];
  const stack: Expression[] = [ast];
  while (stack.length > 0) {
    const e = stack.pop()!;
    if (e.kind === kind) stack.push(e.right, e.left);
    else out.push(e);
  }
  return out;
}

function compileMatch(expr: MatchExpression, schema: FieldSchema): Predicate {
  const selectorText = goQuote(expr.selector.join('.'));
  const { config, steps } = resolveSelector(expr.selector, schema);
  if (!config.ops.has(expr.operator)) {
    throw new ValidationError(
      `Invalid match operator ${goQuote(expr.operator)} for selector ${selectorText}`,
    );
  }
  let value: Coerced | null = null;
  if (expr.value !== null) {
    value = expr.value;
    if (config.coerceTo !== null) {
      try {
        value = coerce(expr.value, config.coerceTo);
      } catch (err) {
        if (!(err instanceof GoNumError)) throw err;
        throw new ValidationError(
          `Failed to coerce value ${goQuote(expr.value)} for selector ${selectorText}: ${err.message}`,
        );
      }
    }
  }
  const leaf = leafTest(expr.operator, config.type, value, expr.value ?? '');
  const missing = missingKeyResult(expr.operator);
  return (row) => walk(row, 0, steps, leaf, missing);
}

/** Checks the selector against the schema (go-bexpr's wording) and plans the walk. */
function resolveSelector(
  selector: readonly string[],
  schema: FieldSchema,
): { config: FieldConfig; steps: Step[] } {
  let fields: ReadonlyMap<string, FieldConfig> | null = structFields(schema);
  let anyField: FieldConfig | null = null;
  let type: FieldType = schema;
  let config: FieldConfig | null = null;
  const steps: Step[] = [];
  for (let i = 0; i < selector.length; i++) {
    const part = selector[i]!;
    const named: FieldConfig | undefined = fields?.get(part);
    const next: FieldConfig | null = named ?? anyField;
    if (next === null) {
      throw new ValidationError(`Selector ${goQuote(selector.slice(0, i + 1).join('.'))} is not valid`);
    }
    while (type.kind === 'slice') {
      steps.push({ kind: 'any' });
      type = type.elem;
    }
    steps.push(type.kind === 'map' ? { kind: 'key', key: part } : { kind: 'field', key: next.jsonKey ?? part });
    config = next;
    type = next.type;
    fields = next.subFields;
    anyField = next.anyField;
  }
  if (config === null) throw new ValidationError(`Invalid selector: ${goQuote('')}`);
  return { config, steps };
}

function coerce(raw: string, type: FieldType): Coerced {
  switch (type.kind) {
    case 'string': return raw;
    case 'bool': return goParseBool(raw);
    case 'int': return goParseInt(raw, type.bits);
    case 'uint': return goParseUint(raw, type.bits);
    case 'float': return goParseFloat(raw, type.bits);
    default: return raw;
  }
}

/** What an operator yields when the selector named a map key that is not there. */
function missingKeyResult(op: MatchOperator): boolean {
  return !(op === 'Equal' || op === 'Is Not Empty' || op === 'In' || op === 'Matches');
}

function walk(
  value: unknown,
  depth: number,
  steps: readonly Step[],
  leaf: (v: unknown) => boolean,
  missing: boolean,
): boolean {
  if (depth === steps.length) return leaf(value);
  const step = steps[depth]!;
  switch (step.kind) {
    case 'field':
      return walk(isObject(value) ? value[step.key] : undefined, depth + 1, steps, leaf, missing);
    case 'key': {
      if (!isObject(value) || !Object.hasOwn(value, step.key)) return missing;
      const v = value[step.key];
      if (v === null || v === undefined) return missing;
      return walk(v, depth + 1, steps, leaf, missing);
    }
    case 'any': {
      if (!Array.isArray(value)) return false;
      for (const item of value) {
        if (walk(item, depth + 1, steps, leaf, missing)) return true;
      }
      return false;
    }
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The test applied where the selector ends, for the field's Go type. */
function leafTest(
  op: MatchOperator,
  type: FieldType,
  value: Coerced | null,
  raw: string,
): (v: unknown) => boolean {
  switch (op) {
    case 'Equal': {
      const eq = equalTo(type, value!);
      return eq;
    }
    case 'Not Equal': {
      const eq = equalTo(type, value!);
      return (v) => !eq(v);
    }
    case 'In': return contains(type, value!);
    case 'Not In': {
      const has = contains(type, value!);
      return (v) => !has(v);
    }
    case 'Is Empty': return (v) => sizeOf(v) === 0;
    case 'Is Not Empty': return (v) => sizeOf(v) !== 0;
    case 'Matches': return matcher(raw);
    case 'Not Matches': {
      const m = matcher(raw);
      return (v) => !m(v);
    }
  }
}

function matcher(raw: string): (v: unknown) => boolean {
  let re: RegExp;
  try {
    re = compileGoRegexp(raw);
  } catch (err) {
    if (!(err instanceof RegexpError)) throw err;
    throw new ValidationError(`Failed to compile regular expression ${goQuote(raw)}: ${err.message}`);
  }
  return (v) => {
    re.lastIndex = 0;
    return re.test(asString(v));
  };
}

function sizeOf(v: unknown): number {
  if (Array.isArray(v)) return v.length;
  if (typeof v === 'string') return v.length;
  if (isObject(v)) return Object.keys(v).length;
  return 0;
}

function contains(type: FieldType, value: Coerced): (v: unknown) => boolean {
  if (type.kind === 'string') {
    const needle = String(value);
    return (v) => asString(v).includes(needle);
  }
  if (type.kind === 'map') {
    const key = String(value);
    return (v) => isObject(v) && Object.hasOwn(v, key);
  }
  if (type.kind === 'slice') {
    const eq = equalTo(type.elem, value);
    return (v) => Array.isArray(v) && v.some(eq);
  }
  return () => false;
}

function asString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  return String(v);
}

/** Equality between a row value (JSON) and the coerced match value, in the field's Go type. */
function equalTo(type: FieldType, value: Coerced): (v: unknown) => boolean {
  switch (type.kind) {
    case 'string': {
      const s = String(value);
      return (v) => asString(v) === s;
    }
    case 'bool':
      return (v) => (v === true) === value;
    case 'int':
    case 'uint': {
      const want = value as bigint;
      const wantNumber = Number(want);
      const exact = Number.isSafeInteger(wantNumber);
      return (v) => {
        if (typeof v === 'number') {
          if (exact) return v === wantNumber;
          return Number.isInteger(v) && BigInt(v) === want;
        }
        if (typeof v === 'bigint') return v === want;
        if (v === null || v === undefined) return want === 0n;
        return false;
      };
    }
    case 'float': {
      const want = value as number;
      const f32 = type.bits === 32;
      return (v) => {
        const n = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : v == null ? 0 : NaN;
        return (f32 ? Math.fround(n) : n) === want;
      };
    }
    default:
      return () => false;
  }
}
