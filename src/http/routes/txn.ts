// PUT /v1/txn
import type { AgentApi } from '../backend.js';
import type { Router } from '../router.js';
import { decodeStruct, txnOpSchema } from '../decode.js';
import { HttpError } from '../errors.js';
import { readOptions, writeOptions } from './util.js';
import { normaliseTxnCatalog } from './txn-ops.js';
import { kvToWire, type DirEntry, type KVOp } from '../../structs/kv.js';
import { TXN_MAX_OPS, type TxnOp, type TxnResponse, type TxnResult } from '../../structs/txn.js';
import type { QueryReply } from '../../structs/rpc.js';

const KV_READ_VERBS = new Set(['get', 'get-tree', 'check-index', 'check-session', 'check-not-exists']);
const KV_VERBS = new Set([
  'set', 'cas', 'lock', 'unlock', 'get', 'get-or-empty', 'get-tree', 'check-index', 'check-session',
  'check-not-exists', 'delete', 'delete-tree', 'delete-cas',
]);

interface RawKvOp {
  Verb?: string;
  Key?: string;
  Value?: unknown;
  Flags?: unknown;
  Index?: number;
  Session?: string;
}

export function registerTxnRoutes(router: Router, agent: AgentApi): void {
  router.add('/v1/txn', ['PUT'], async (ctx) => {
    const cfg = agent.httpConfig;
    const max = cfg.txnMaxReqLen;
    const buf = await ctx.body(max, (size) =>
      new HttpError(
        413,
        `Request body(${size} bytes) too large, max size: ${max} bytes. See https://www.consul.io/docs/agent/config/config-files#txn_max_req_len.`,
      ),
    );
    let raw: unknown;
    try {
      raw = buf.length > 0 ? JSON.parse(buf.toString('utf8')) : [];
    } catch (err) {
      throw new HttpError(400, `Failed to parse body: ${(err as Error).message}`);
    }
    if (!Array.isArray(raw)) {
      throw new HttpError(400, 'Failed to parse body: json: cannot unmarshal object into Go value of type api.TxnOps');
    }
    if (raw.length > TXN_MAX_OPS) {
      throw new HttpError(413, `Transaction contains too many operations (${raw.length} > ${TXN_MAX_OPS})`);
    }
    const ops: TxnOp[] = raw.map((r, i) => decodeOp(r, i, cfg.kvMaxValueSize));
    const readOnly = ops.every((op) => ('KV' in op ? KV_READ_VERBS.has(op.KV.Verb) : catalogVerb(op) === 'get'));
    let res: TxnResponse;
    if (readOnly) {
      const reply: QueryReply<TxnResponse> = await agent.rpc('Txn.Read', { Options: readOptions(ctx, agent), Ops: ops });
      ctx.res.setHeader('X-Consul-KnownLeader', reply.meta.KnownLeader ? 'true' : 'false');
      ctx.res.setHeader('X-Consul-LastContact', String(Math.round(reply.meta.LastContactMs)));
      res = reply.value;
    } else {
      res = await agent.rpc('Txn.Apply', { Ops: ops, ...writeOptions(ctx, agent) });
    }
    if (res.Errors && res.Errors.length > 0) {
      return ctx.sendJson({ Results: null, Errors: res.Errors }, 409);
    }
    return ctx.sendJson({ Results: (res.Results ?? []).map(resultToWire), Errors: null });
  });
}

function catalogVerb(op: TxnOp): string {
  if ('Node' in op) return op.Node.Verb;
  if ('Service' in op) return op.Service.Verb;
  if ('Check' in op) return op.Check.Verb;
  return '';
}

function resultToWire(r: TxnResult): unknown {
  if ('KV' in r) return { KV: kvToWire(r.KV) };
  return r;
}

function decodeOp(raw: unknown, i: number, maxValue: number): TxnOp {
  const op = decodeStruct<{ KV?: RawKvOp; Node?: any; Service?: any; Check?: any }>(raw, txnOpSchema);
  if (op.KV) {
    const kv = op.KV;
    const verb = kv.Verb ?? '';
    if (!KV_VERBS.has(verb)) throw new HttpError(400, `Failed to parse body: unknown KV verb "${verb}" at op ${i}`);
    let value: Uint8Array | null = null;
    if (typeof kv.Value === 'string' && kv.Value !== '') {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(kv.Value) || kv.Value.length % 4 === 1) {
        throw new HttpError(400, `Failed to parse body: illegal base64 data in op ${i}`);
      }
      value = new Uint8Array(Buffer.from(kv.Value, 'base64'));
    } else if (kv.Value !== undefined && kv.Value !== null && typeof kv.Value !== 'string') {
      throw new HttpError(400, 'Failed to parse body: json: cannot unmarshal value into Go struct field KVTxnOp.Value of type []uint8');
    }
    if (value && value.length > maxValue) {
      throw new HttpError(413, `Value for key "${kv.Key ?? ''}" is too large (${value.length} > ${maxValue} bytes)`);
    }
    let flags = 0n;
    if (kv.Flags !== undefined && kv.Flags !== null) {
      if (typeof kv.Flags !== 'number' || !Number.isInteger(kv.Flags) || kv.Flags < 0) {
        throw new HttpError(400, 'Failed to parse body: json: cannot unmarshal value into Go struct field KVTxnOp.Flags of type uint64');
      }
      flags = BigInt(kv.Flags);
    }
    const entry: DirEntry = {
      Key: kv.Key ?? '',
      Value: value,
      Flags: flags,
      Session: kv.Session ?? '',
      LockIndex: 0,
      CreateIndex: 0,
      ModifyIndex: kv.Index ?? 0,
    };
    return { KV: { Verb: verb as KVOp, Entry: entry } };
  }
  const catalogOp = normaliseTxnCatalog(op, i);
  if (!catalogOp) throw new HttpError(400, `Failed to parse body: op ${i} has no KV, Node, Service or Check`);
  return catalogOp;
}
