// Node/Service/Check operations inside a transaction.
import { HttpError } from '../errors.js';
import { defaultWeights, type HealthCheck, type Node, type NodeService } from '../../structs/catalog.js';
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
    const svc: NodeService = {
      ID: s.ID ?? s.Service ?? '',
      Service: s.Service ?? '',
      Tags: s.Tags ?? [],
      Address: s.Address ?? '',
      Meta: s.Meta ?? {},
      Port: s.Port ?? 0,
      Weights: s.Weights ?? defaultWeights(),
      EnableTagOverride: !!s.EnableTagOverride,
      CreateIndex: s.CreateIndex ?? 0,
      ModifyIndex: s.ModifyIndex ?? 0,
    };
    if (s.Kind) svc.Kind = s.Kind;
    if (s.TaggedAddresses) svc.TaggedAddresses = s.TaggedAddresses;
    return { Service: { Verb: verb(op.Service.Verb, i), Node: op.Service.Node ?? '', Service: svc } };
  }
  if (op.Check) {
    const c = op.Check.Check ?? {};
    const check: HealthCheck = {
      Node: c.Node ?? '',
      CheckID: c.CheckID ?? c.Name ?? '',
      Name: c.Name ?? '',
      Status: c.Status || 'critical',
      Notes: c.Notes ?? '',
      Output: c.Output ?? '',
      ServiceID: c.ServiceID ?? '',
      ServiceName: c.ServiceName ?? '',
      ServiceTags: c.ServiceTags ?? [],
      Type: c.Type ?? '',
      Interval: c.Interval ?? '',
      Timeout: c.Timeout ?? '',
      ExposedPort: c.ExposedPort ?? 0,
      Definition: c.Definition ?? {},
      CreateIndex: c.CreateIndex ?? 0,
      ModifyIndex: c.ModifyIndex ?? 0,
    };
    return { Check: { Verb: verb(op.Check.Verb, i), Check: check } };
  }
  return null;
}
