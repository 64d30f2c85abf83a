// Node/Service/Check operations inside a transaction.
import { HttpError } from '../errors.js';
import { checkWithDefaults, nodeWithDefaults, serviceWithDefaults } from '../../structs/catalog.js';
import type { CatalogVerb, TxnOp } from '../../structs/txn.js';

const VERBS = new Set(['set', 'cas', 'get', 'delete', 'delete-cas']);

function verb(v: unknown, i: number): CatalogVerb {
  if (typeof v !== 'string' || !VERBS.has(v)) throw new HttpError(400, `Failed to parse body: unknown verb "${String(v)}" at op ${i}`);
  return v as CatalogVerb;
}

export function normaliseTxnCatalog(op: { Node?: any; Service?: any; Check?: any }, i: number): TxnOp | null {
  if (op.Node) {
    return { Node: { Verb: verb(op.Node.Verb, i), Node: nodeWithDefaults(op.Node.Node ?? {}) } };
  }
  if (op.Service) {
    const s = op.Service.Service ?? {};
    const svc = serviceWithDefaults({ ...s, ID: s.ID ?? s.Service ?? '' });
    return { Service: { Verb: verb(op.Service.Verb, i), Node: op.Service.Node ?? '', Service: svc } };
  }
  if (op.Check) {
    return { Check: { Verb: verb(op.Check.Verb, i), Check: checkWithDefaults(op.Check.Check ?? {}) } };
  }
  return null;
}
