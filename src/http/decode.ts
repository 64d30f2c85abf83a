// Request-body decoding the way Consul's Go decoder behaves: field names match case-insensitively,
// snake_case aliases are accepted for definitions, unknown fields are ignored, wrong types are
// refused with Go's wording. User data (Meta, NodeMeta, Header) keeps its keys untouched.
import { HttpError } from './errors.js';

export type FieldType =
  | 'string'
  | 'int'
  | 'uint'
  | 'bool'
  | 'strings'
  | 'strmap'
  | 'headers'
  | 'duration'
  | 'any'
  | { struct: Schema }
  | { list: Schema }
  | { map: Schema };

export interface Schema {
  name: string;
  fields: Record<string, FieldType>;
  /** Extra spellings (normalised: lowercase, no underscores) mapped to a canonical field. */
  aliases?: Record<string, string>;
}

const norm = (k: string) => k.replace(/_/g, '').toLowerCase();
const lookupCache = new WeakMap<Schema, Map<string, string>>();

function lookup(schema: Schema): Map<string, string> {
  let m = lookupCache.get(schema);
  if (!m) {
    m = new Map();
    for (const f of Object.keys(schema.fields)) m.set(norm(f), f);
    for (const [a, f] of Object.entries(schema.aliases ?? {})) m.set(a, f);
    lookupCache.set(schema, m);
  }
  return m;
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

const GO_TYPE: Record<string, string> = {
  string: 'string',
  int: 'int',
  uint: 'uint64',
  bool: 'bool',
  strings: '[]string',
  strmap: 'map[string]string',
  headers: 'map[string][]string',
  duration: 'api.ReadableDuration',
};

function typeError(v: unknown, schema: Schema, field: string, goType: string): HttpError {
  return new HttpError(
    400,
    `Request decode failed: json: cannot unmarshal ${jsonType(v)} into Go struct field ${schema.name}.${field} of type ${goType}`,
  );
}

/** Decodes `value` against `schema`, returning an object with canonical field names only. */
export function decodeStruct<T>(value: unknown, schema: Schema): T {
  if (value === undefined || value === null) return {} as T;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new HttpError(400, `Request decode failed: json: cannot unmarshal ${jsonType(value)} into Go value of type ${schema.name}`);
  }
  const names = lookup(schema);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const field = names.get(norm(k));
    if (!field) continue;
    out[field] = decodeField(v, schema.fields[field]!, schema, field);
  }
  return out as T;
}

function decodeField(v: unknown, t: FieldType, schema: Schema, field: string): unknown {
  if (v === null) return undefined;
  if (typeof t === 'object') {
    if ('struct' in t) return decodeStruct(v, t.struct);
    if ('list' in t) {
      if (!Array.isArray(v)) throw typeError(v, schema, field, `[]${t.list.name}`);
      return v.map((item) => decodeStruct(item, t.list));
    }
    if (typeof v !== 'object' || Array.isArray(v)) throw typeError(v, schema, field, `map[string]${t.map.name}`);
    const out: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(v as Record<string, unknown>)) out[k] = decodeStruct(item, t.map);
    return out;
  }
  switch (t) {
    case 'any':
      return v;
    case 'string':
      if (typeof v !== 'string') throw typeError(v, schema, field, 'string');
      return v;
    case 'int':
    case 'uint':
      if (typeof v !== 'number' || !Number.isInteger(v) || (t === 'uint' && v < 0)) {
        throw typeError(v, schema, field, GO_TYPE[t]!);
      }
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw typeError(v, schema, field, 'bool');
      return v;
    case 'strings':
      if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw typeError(v, schema, field, '[]string');
      return v;
    case 'strmap':
      if (typeof v !== 'object' || Array.isArray(v) || Object.values(v as object).some((s) => typeof s !== 'string')) {
        throw typeError(v, schema, field, 'map[string]string');
      }
      return v;
    case 'headers': {
      if (typeof v !== 'object' || Array.isArray(v)) throw typeError(v, schema, field, 'map[string][]string');
      const out: Record<string, string[]> = {};
      for (const [k, vals] of Object.entries(v as Record<string, unknown>)) {
        if (!Array.isArray(vals) || vals.some((s) => typeof s !== 'string')) {
          throw typeError(v, schema, field, 'map[string][]string');
        }
        out[k] = vals as string[];
      }
      return out;
    }
    case 'duration':
      if (typeof v !== 'string' && typeof v !== 'number') throw typeError(v, schema, field, 'api.ReadableDuration');
      return v;
  }
}

// ---- Schemas of the bodies Consul accepts -------------------------------------------------------

export const weightsSchema: Schema = { name: 'Weights', fields: { Passing: 'int', Warning: 'int' } };
export const serviceAddressSchema: Schema = { name: 'ServiceAddress', fields: { Address: 'string', Port: 'int' } };

export const checkTypeSchema: Schema = {
  name: 'CheckType',
  fields: {
    ID: 'string', CheckID: 'string', Name: 'string', Notes: 'string', ServiceID: 'string', Status: 'string',
    Interval: 'duration', Timeout: 'duration', TTL: 'duration', Args: 'strings', ScriptArgs: 'strings',
    DockerContainerID: 'string', Shell: 'string', HTTP: 'string', Method: 'string', Header: 'headers', Body: 'string',
    DisableRedirects: 'bool', TLSServerName: 'string', TLSSkipVerify: 'bool', TCP: 'string', TCPUseTLS: 'bool',
    UDP: 'string', GRPC: 'string', GRPCUseTLS: 'bool', H2PING: 'string', H2PingUseTLS: 'bool', OSService: 'string',
    AliasNode: 'string', AliasService: 'string', SuccessBeforePassing: 'int', FailuresBeforeWarning: 'int',
    FailuresBeforeCritical: 'int', DeregisterCriticalServiceAfter: 'duration', OutputMaxSize: 'int', Token: 'string',
  },
};

export const serviceDefinitionSchema: Schema = {
  name: 'ServiceDefinition',
  fields: {
    ID: 'string', Name: 'string', Kind: 'string', Tags: 'strings', Address: 'string',
    TaggedAddresses: { map: serviceAddressSchema }, Meta: 'strmap', Port: 'int', SocketPath: 'string',
    EnableTagOverride: 'bool', Weights: { struct: weightsSchema }, Check: { struct: checkTypeSchema },
    Checks: { list: checkTypeSchema }, Token: 'string', Proxy: 'any', Connect: 'any', Namespace: 'string',
    Partition: 'string', Locality: 'any',
  },
};

export const healthCheckDefinitionSchema: Schema = {
  name: 'HealthCheckDefinition',
  fields: {
    HTTP: 'string', TLSServerName: 'string', TLSSkipVerify: 'bool', Header: 'headers', Method: 'string', Body: 'string',
    DisableRedirects: 'bool', TCP: 'string', TCPUseTLS: 'bool', UDP: 'string', H2PING: 'string', H2PingUseTLS: 'bool',
    GRPC: 'string', GRPCUseTLS: 'bool', OSService: 'string', Interval: 'duration', Timeout: 'duration',
    DeregisterCriticalServiceAfter: 'duration', ScriptArgs: 'strings', AliasNode: 'string', AliasService: 'string',
    TTL: 'duration',
  },
};

export const healthCheckSchema: Schema = {
  name: 'HealthCheck',
  fields: {
    Node: 'string', CheckID: 'string', Name: 'string', Status: 'string', Notes: 'string', Output: 'string',
    ServiceID: 'string', ServiceName: 'string', ServiceTags: 'strings', Type: 'string', Interval: 'string',
    Timeout: 'string', ExposedPort: 'int', Definition: { struct: healthCheckDefinitionSchema },
    ModifyIndex: 'uint', CreateIndex: 'uint', Namespace: 'string', Partition: 'string',
  },
  aliases: { id: 'CheckID' },
};

export const nodeServiceSchema: Schema = {
  name: 'NodeService',
  fields: {
    Kind: 'string', ID: 'string', Service: 'string', Tags: 'strings', Address: 'string',
    TaggedAddresses: { map: serviceAddressSchema }, Meta: 'strmap', Port: 'int', SocketPath: 'string',
    Weights: { struct: weightsSchema }, EnableTagOverride: 'bool', Proxy: 'any', Connect: 'any',
    ModifyIndex: 'uint', CreateIndex: 'uint', Namespace: 'string', Partition: 'string', Locality: 'any',
  },
};

export const registerRequestSchema: Schema = {
  name: 'RegisterRequest',
  fields: {
    Datacenter: 'string', ID: 'string', Node: 'string', Address: 'string', TaggedAddresses: 'strmap',
    NodeMeta: 'strmap', Service: { struct: nodeServiceSchema }, Check: { struct: healthCheckSchema },
    Checks: { list: healthCheckSchema }, SkipNodeUpdate: 'bool', Namespace: 'string', Partition: 'string',
    Locality: 'any',
  },
};

export const deregisterRequestSchema: Schema = {
  name: 'DeregisterRequest',
  fields: { Datacenter: 'string', Node: 'string', ServiceID: 'string', CheckID: 'string', Namespace: 'string', Partition: 'string' },
};

export const serviceCheckRefSchema: Schema = { name: 'ServiceCheck', fields: { ID: 'string', Namespace: 'string' } };

export const sessionSchema: Schema = {
  name: 'Session',
  fields: {
    ID: 'string', Name: 'string', Node: 'string', LockDelay: 'duration', Behavior: 'string', TTL: 'string',
    Checks: 'strings', NodeChecks: 'strings', ServiceChecks: { list: serviceCheckRefSchema }, Namespace: 'string',
  },
};

export const checkUpdateSchema: Schema = { name: 'checkUpdate', fields: { Status: 'string', Output: 'string' } };

export const nodeSchema: Schema = {
  name: 'Node',
  fields: {
    ID: 'string', Node: 'string', Address: 'string', Datacenter: 'string', TaggedAddresses: 'strmap', Meta: 'strmap',
    ModifyIndex: 'uint', CreateIndex: 'uint', Partition: 'string',
  },
};

export const txnKvSchema: Schema = {
  name: 'KVTxnOp',
  fields: { Verb: 'string', Key: 'string', Value: 'any', Flags: 'any', Index: 'uint', Session: 'string', Namespace: 'string', Partition: 'string' },
};
export const txnNodeSchema: Schema = { name: 'NodeTxnOp', fields: { Verb: 'string', Node: { struct: nodeSchema } } };
export const txnServiceSchema: Schema = {
  name: 'ServiceTxnOp',
  fields: { Verb: 'string', Node: 'string', Service: { struct: nodeServiceSchema } },
};
export const txnCheckSchema: Schema = { name: 'CheckTxnOp', fields: { Verb: 'string', Check: { struct: healthCheckSchema } } };
export const txnOpSchema: Schema = {
  name: 'TxnOp',
  fields: {
    KV: { struct: txnKvSchema },
    Node: { struct: txnNodeSchema },
    Service: { struct: txnServiceSchema },
    Check: { struct: txnCheckSchema },
  },
};
