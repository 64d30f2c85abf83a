// Validation rules with Consul's wording, kept apart from the assembly in build.ts.
import { parseDurationNs } from '../lib/duration.js';
import { ConfigError, type CheckDefinition, type LogLevel, type ServiceDefinition } from './types.js';

export function portVal(name: string, v: number | undefined): number {
  if (v === undefined || v <= 0) return -1;
  if (v > 65535) throw new ConfigError(`${name}: invalid port: ${v}`);
  return v;
}

export function positive(name: string, v: number): number {
  if (v < 1) {
    throw new ConfigError(`${name} must be positive, to discard check output use the discard_check_output flag`);
  }
  return v;
}

export function validateBasicName(field: string, value: string): void {
  if (value === '') throw new ConfigError(`${field} cannot be empty`);
  if (!/^[a-z0-9_-]+$/.test(value)) {
    throw new ConfigError(`${field} can only contain lowercase alphanumeric, - or _ characters. received: ${JSON.stringify(value)}`);
  }
}

const LOG_LEVELS: Record<string, LogLevel> = {
  TRACE: 'TRACE', DEBUG: 'DEBUG', INFO: 'INFO', WARN: 'WARN', WARNING: 'WARN', ERR: 'ERROR', ERROR: 'ERROR',
};
export function normaliseLogLevel(raw: string): LogLevel {
  const lvl = LOG_LEVELS[raw.trim().toUpperCase()];
  if (!lvl) {
    throw new ConfigError(`Invalid log level: ${JSON.stringify(raw)}. Valid log levels are: [TRACE DEBUG INFO WARN ERR]`);
  }
  return lvl;
}

export function validateNodeMeta(meta: Record<string, string>): void {
  const keys = Object.keys(meta);
  const fail = (why: string) => {
    throw new ConfigError(`node_meta invalid: ${why}`);
  };
  if (keys.length > 64) fail('Node metadata cannot contain more than 64 key/value pairs');
  for (const k of keys) {
    if (k === '') fail('Key cannot be blank');
    if (!/^[A-Za-z0-9_-]+$/.test(k)) fail(`Key contains invalid characters: ${JSON.stringify(k)}`);
    if (k.length > 128) fail(`Key is too long (limit: 128 characters)`);
    if (k.startsWith('consul-')) fail(`Key prefix 'consul-' is reserved for internal use`);
    if (meta[k]!.length > 512) fail(`Value is too long (limit: 512 characters)`);
  }
}

export function validateEncryptKey(key: string): void {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(key) || key.length % 4 !== 0) {
    throw new ConfigError('encrypt has invalid key: illegal base64 data');
  }
  const n = Buffer.from(key, 'base64').length;
  if (n !== 16 && n !== 24 && n !== 32) {
    throw new ConfigError(`encrypt has invalid key: key size must be 16, 24 or 32 bytes (got ${n})`);
  }
}

export function validateServiceDef(s: ServiceDefinition): void {
  const label = `service ${JSON.stringify(s.Name ?? '')}`;
  if (!s.Name && s.Kind !== 'connect-proxy') throw new ConfigError(`${label}: missing service name`);
  if (s.Port !== undefined && (s.Port < 0 || s.Port > 65535)) throw new ConfigError(`${label}: invalid port ${s.Port}`);
  const checks = [...(s.Check ? [s.Check] : []), ...(s.Checks ?? [])];
  for (const ch of checks) validateCheckDef(ch, label, true);
}

export function validateCheckDef(ch: CheckDefinition, label: string, embedded = false): void {
  if (!embedded && !ch.Name) throw new ConfigError(`${label}: missing check name`);
  const intervalKinds = [ch.Args?.length, ch.HTTP, ch.TCP, ch.UDP, ch.GRPC, ch.H2PING, ch.OSService, ch.DockerContainerID];
  const hasInterval = ch.Interval !== undefined && parseDurationNs(ch.Interval) > 0;
  const hasTtl = ch.TTL !== undefined && parseDurationNs(ch.TTL) > 0;
  const isAlias = !!(ch.AliasNode || ch.AliasService);
  if (hasInterval && hasTtl) throw new ConfigError(`${label}: Interval and TTL cannot both be specified`);
  if (intervalKinds.some(Boolean) && !hasInterval) {
    throw new ConfigError(`${label}: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or GRPC checks`);
  }
  if (isAlias && ch.Interval !== undefined) throw new ConfigError(`${label}: Interval cannot be set for Alias checks`);
  if (isAlias && ch.TTL !== undefined) throw new ConfigError(`${label}: TTL must be not be set for Alias checks`);
  if (!intervalKinds.some(Boolean) && !isAlias && !hasTtl) {
    throw new ConfigError(
      `${label}: Must provide TTL or Script/DockerContainerID/HTTP/TCP/UDP/H2PING/GRPC/AliasNode/AliasService and Interval`,
    );
  }
}

export function uiContentPath(raw: string): string {
  let p = raw.trim();
  if (!p.startsWith('/')) p = `/${p}`;
  if (!p.endsWith('/')) p = `${p}/`;
  if (p === '/v1/' || !/^\/[A-Za-z0-9_\-/]*\/$/.test(p)) {
    throw new ConfigError(`ui_config.content_path: invalid path ${JSON.stringify(raw)}`);
  }
  return p;
}

export function fqdn(d: string): string {
  return d.endsWith('.') ? d : `${d}.`;
}

export function uniqueWords(list: string[]): string[] {
  const out: string[] = [];
  for (const item of list) for (const w of item.split(/\s+/)) if (w && !out.includes(w)) out.push(w);
  return out;
}

/** bootstrap / bootstrap_expect rules and warnings (Consul's builder.validate). */
export function resolveServerRole(
  input: { server: boolean; bootstrap: boolean; bootstrapExpect: number; devMode: boolean },
  warnings: string[],
): { bootstrap: boolean; bootstrapExpect: number } {
  let { bootstrap, bootstrapExpect } = input;
  const { server, devMode } = input;
  if (bootstrapExpect === 1) {
    bootstrap = true;
    bootstrapExpect = 0;
    warnings.push('BootstrapExpect is set to 1; this is the same as Bootstrap mode.');
  }
  if (bootstrap && !server) throw new ConfigError("'bootstrap = true' requires 'server = true'");
  if (bootstrapExpect < 0) {
    throw new ConfigError(`bootstrap_expect cannot be ${bootstrapExpect}. Must be greater than or equal to zero`);
  }
  if (bootstrapExpect > 0 && !server) throw new ConfigError("'bootstrap_expect > 0' requires 'server = true'");
  if (bootstrapExpect > 0 && devMode) throw new ConfigError("'bootstrap_expect > 0' not allowed in dev mode");
  if (bootstrapExpect > 0 && bootstrap) {
    throw new ConfigError("'bootstrap_expect > 0' and 'bootstrap = true' are mutually exclusive");
  }
  if (server && !devMode && !bootstrap && bootstrapExpect === 2) {
    warnings.push('bootstrap_expect = 2: A cluster with 2 servers will provide no failure tolerance. See https://www.consul.io/docs/internals/consensus.html#deployment-table');
  }
  if (server && !bootstrap && bootstrapExpect > 2 && bootstrapExpect % 2 === 0) {
    warnings.push('bootstrap_expect is even number: A cluster with an even number of servers does not achieve optimum fault tolerance. See https://www.consul.io/docs/internals/consensus.html#deployment-table');
  }
  if (server && bootstrap && bootstrapExpect === 0 && !devMode) warnings.push('bootstrap = true: do not enable unless necessary');
  if (server && !devMode && !bootstrap && bootstrapExpect > 1) warnings.push(`bootstrap_expect > 0: expecting ${bootstrapExpect} servers`);
  return { bootstrap, bootstrapExpect };
}
