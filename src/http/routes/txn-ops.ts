// Node/Service/Check operations inside a transaction.
import { HttpError } from '../errors.js';
import { checkWithDefaults, serviceWithDefaults, type Node } from '../../structs/catalog.js';
import type { CatalogVerb, TxnOp } from '../../structs/txn.js';

const VERBS = new Set(['set', 'cas', 'get', 'delete', 'delete-cas']);

function verb(v: unknown, i: number): CatalogVerb {
  if (typeof v !== 'string' || !VERBS.has(v)) throw new HttpError(400, `Failed to parse body: unknown verb "${String(v)}" at op ${i}`);
  return v as CatalogVerb;
}

export function normaliseTxnCatalog(op: { Node?: any; Service?: any; Check?: any }, i: number, _nodeName: string): TxnOp | null {
  if (op.Node) {
    const n = op.Node.Node ?? {};
    const node: Node = {
      ID: n.ID ?? '',
      Node: n.Node ?? '',
      Address: n.Address ?? '',
      Datacenter: n.Datacenter ?? '',
      TaggedAddresses: n.TaggedAddresses ?? null,
      Meta: n.Meta ?? null,
      CreateIndex: n.CreateIndex ?? 0,
      ModifyIndex: n.ModifyIndex ?? 0,
    };
    return { Node: { Verb: verb(op.Node.Verb, i), Node: node } };
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
