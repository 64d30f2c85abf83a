// Applies a ?filter= expression to the rows an endpoint returns (Consul filters on the server).
import { compileFilter, FilterError, schemas } from '../lib/bexpr/index.js';
import { ConclaveError } from '../lib/errors.js';

export type SchemaName = keyof typeof schemas;

export function filterRows<T>(rows: T[], expr: string | undefined, schema: SchemaName): T[] {
  if (!expr) return rows;
  const match = compile(expr, schema);
  return rows.filter((r) => match(r));
}

export function filterMap<T>(map: Record<string, T>, expr: string | undefined, schema: SchemaName): Record<string, T> {
  if (!expr) return map;
  const match = compile(expr, schema);
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(map)) if (match(v)) out[k] = v;
  return out;
}

function compile(expr: string, schema: SchemaName): (row: unknown) => boolean {
  try {
    return compileFilter(expr, schemas[schema]);
  } catch (err) {
    // Consul returns bexpr's error as a plain RPC error: 500 with the text.
    if (err instanceof FilterError) throw new ConclaveError('ERR_INTERNAL', err.message);
    throw err;
  }
}
