// Consul's ?filter= expression language (hashicorp/go-bexpr v0.1.2, as Consul ships it).
//
//   const match = compileFilter('Service.Tags contains "primary"', schemas.checkServiceNode);
//   rows.filter(match);
//
// compileFilter parses and validates once; the returned predicate is cheap and never throws.
// Every failure is a FilterError whose message is the exact text Consul answers with:
// "Failed to create boolean expression evaluator: <go-bexpr's error>".

import { ConclaveError } from '../errors.js';
import { compileExpression, ValidationError } from './evaluate.js';
import { ParseError, parseExpression } from './parser.js';
import type { FieldSchema } from './schema.js';

export type { FieldSchema, FieldSpec, FieldType, StructType } from './schema.js';
export { t } from './schema.js';
export type { Expression, MatchExpression, MatchOperator } from './parser.js';
export { parseExpression } from './parser.js';
export { schemas, type SchemaName } from './schemas.js';

/** Prefix go-bexpr's CreateFilter puts before every parse or validation error. */
export const FILTER_ERROR_PREFIX = 'Failed to create boolean expression evaluator: ';

/** An invalid filter. `message` is the full body Consul returns; `detail` is go-bexpr's part. */
export class FilterError extends ConclaveError {
  override name = 'FilterError';
  constructor(readonly detail: string) {
    super('ERR_BAD_REQUEST', FILTER_ERROR_PREFIX + detail, { status: 400 });
  }
}

const matchAll = (): boolean => true;

/** Compiled filters kept per schema (blocking queries re-run the same filter on every wake-up). */
export const FILTER_CACHE_ENTRIES_MAX = 256;
const cache = new WeakMap<FieldSchema, Map<string, ((row: unknown) => boolean) | FilterError>>();

/**
 * Parses and validates `expr` against the row type; throws FilterError. An empty expression
 * is go-bexpr's nil filter: it keeps every row (whitespace alone is a syntax error).
 */
export function compileFilter(expr: string, schema: FieldSchema): (row: unknown) => boolean {
  if (typeof expr !== 'string') throw new FilterError('filter expression must be a string');
  if (expr === '') return matchAll;
  let entries = cache.get(schema);
  if (entries === undefined) {
    entries = new Map();
    cache.set(schema, entries);
  }
  let compiled = entries.get(expr);
  if (compiled === undefined) {
    compiled = compileUncached(expr, schema);
    if (entries.size >= FILTER_CACHE_ENTRIES_MAX) entries.delete(entries.keys().next().value!);
  } else {
    entries.delete(expr); // re-inserted below: least recently used goes first
  }
  entries.set(expr, compiled);
  if (compiled instanceof FilterError) throw new FilterError(compiled.detail);
  return compiled;
}

function compileUncached(expr: string, schema: FieldSchema): ((row: unknown) => boolean) | FilterError {
  try {
    return compileExpression(parseExpression(expr), schema);
  } catch (err) {
    if (err instanceof ParseError || err instanceof ValidationError) return new FilterError(err.message);
    throw err;
  }
}
