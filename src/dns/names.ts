// Parsing a query name inside the Consul domain into what it asks for (pure).
// Forms (Consul's agent/dns.go dispatch): <node>.node[.<dc>], [<tag>.]<service>.service[.<dc>],
// _<service>._<tag|tcp>[.service][.<dc>] (RFC 2782; `.service` optional for SRV),
// <hex>.addr[.<dc>], <id>.query[.<dc>], plus connect/ingress/virtual kinds we do not serve.
// The datacenter suffix may be `<dc>` or `<dc>.dc`.

export type ParsedName =
  | { kind: 'service'; service: string; tag: string; dc: string | null }
  | { kind: 'node'; node: string; dc: string | null }
  | { kind: 'addr'; hex: string; dc: string | null }
  | { kind: 'query'; query: string; dc: string | null }
  | { kind: 'unsupported'; what: string }
  | { kind: 'invalid' };

const KINDS = new Set(['service', 'connect', 'virtual', 'ingress', 'node', 'query', 'addr']);

/** Which configured domain (lower case, trailing dot) a lower-case fqdn falls in, or null. */
export function matchDomain(name: string, domains: readonly string[]): string | null {
  for (const d of domains) {
    if (d === '') continue;
    if (name === d || name.endsWith(`.${d}`)) return d;
  }
  return null;
}

/**
 * Splits `name` (lower case, trailing dot, inside `domain`) into a lookup.
 * `isSrv` enables the RFC 2782 form without the `service` label.
 */
export function parseName(name: string, domain: string, isSrv: boolean): ParsedName {
  const rest = name.length > domain.length ? name.slice(0, name.length - domain.length - 1) : '';
  const labels = rest === '' ? [] : rest.split('.');
  let kind = '';
  let parts: string[] = [];
  let suffixes: string[] = [];
  for (let i = labels.length - 1; i >= 0; i--) {
    const l = labels[i]!;
    if (KINDS.has(l)) {
      kind = l;
      parts = labels.slice(0, i);
      suffixes = labels.slice(i + 1);
      break;
    }
    if (isSrv && l.startsWith('_')) {
      kind = 'service';
      parts = labels.slice(0, i + 1);
      suffixes = labels.slice(i + 1);
      break;
    }
  }
  if (kind === '') return { kind: 'invalid' };
  let dc: string | null = null;
  if (suffixes.length === 1) dc = suffixes[0]!;
  else if (suffixes.length === 2 && suffixes[1] === 'dc') dc = suffixes[0]!;
  else if (suffixes.length !== 0) return { kind: 'invalid' };
  if (parts.some((p) => p === '')) return { kind: 'invalid' };

  switch (kind) {
    case 'service': {
      const n = parts.length;
      if (n < 1) return { kind: 'invalid' };
      if (n === 2 && parts[0]!.startsWith('_') && parts[1]!.startsWith('_')) {
        const tag = parts[1]!.slice(1);
        return { kind: 'service', service: parts[0]!.slice(1), tag: tag === 'tcp' ? '' : tag, dc };
      }
      return { kind: 'service', service: parts[n - 1]!, tag: parts.slice(0, n - 1).join('.'), dc };
    }
    case 'node':
      if (parts.length < 1) return { kind: 'invalid' };
      return { kind: 'node', node: parts.join('.'), dc };
    case 'addr':
      if (parts.length !== 1) return { kind: 'invalid' };
      return { kind: 'addr', hex: parts[0]!, dc };
    case 'query':
      if (parts.length < 1) return { kind: 'invalid' };
      return { kind: 'query', query: parts.join('.'), dc };
    default:
      return { kind: 'unsupported', what: kind };
  }
}
