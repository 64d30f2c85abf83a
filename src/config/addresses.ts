// Addresses: bind, advertise and client addresses, with the small subset of go-sockaddr templates we
// understand, and the host facts (hostname, private IPs) that defaults are derived from.
import { hostname, networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import { ConfigError } from './types.js';

/** Host facts the builder needs, injectable for tests. */
export interface HostFacts {
  hostname(): string;
  privateIPv4s(): string[];
}

export const systemHost: HostFacts = {
  hostname: () => hostname(),
  privateIPv4s: () => {
    const out: string[] = [];
    for (const addrs of Object.values(networkInterfaces())) {
      for (const a of addrs ?? []) {
        if (a.family === 'IPv4' && !a.internal && isPrivateIPv4(a.address)) out.push(a.address);
      }
    }
    return out;
  },
};

export interface Addresses {
  bindAddr: string;
  advertiseAddr: string;
  advertiseAddrWan: string;
  clientAddrs: string[];
}

/** Resolves bind/advertise/client addresses as Consul's builder does (0.0.0.0 bind -> the one private IPv4). */
export function resolveAddresses(
  raw: { bind: string; advertise?: string; advertiseWan?: string; client: string },
  host: HostFacts,
  warnings: string[],
): Addresses {
  const bindAddr = expandSingleIp('bind_addr', raw.bind, host);
  if (!bindAddr) throw new ConfigError('bind_addr cannot be empty');
  const advertiseRaw = raw.advertise;
  if (advertiseRaw !== undefined && isAny(advertiseRaw)) {
    throw new ConfigError('Advertise address cannot be 0.0.0.0, :: or [::]');
  }
  let advertiseAddr = advertiseRaw ? expandSingleIp('advertise_addr', advertiseRaw, host) : bindAddr;
  if (isAny(advertiseAddr)) advertiseAddr = detectPrivateIPv4(host);
  const wanRaw = raw.advertiseWan;
  if (wanRaw !== undefined && isAny(wanRaw)) throw new ConfigError('Advertise WAN address cannot be 0.0.0.0, :: or [::]');
  const advertiseAddrWan = wanRaw ? expandSingleIp('advertise_addr_wan', wanRaw, host) : advertiseAddr;
  const clientAddrs = expandIps('client_addr', raw.client, host);
  if (clientAddrs.length === 0) {
    warnings.push('client_addr is empty, client services (DNS, HTTP, HTTPS, GRPC) will not be listening for connections');
  }

  return { bindAddr, advertiseAddr, advertiseAddrWan, clientAddrs };
}

function expandIps(field: string, raw: string, host: HostFacts): string[] {
  const text = expandTemplate(field, raw, host);
  const out: string[] = [];
  for (const w of text.split(/\s+/)) {
    if (!w) continue;
    const ip = stripBrackets(w);
    if (!w.startsWith('unix://') && isIP(ip) === 0) throw new ConfigError(`${field}: invalid ip address: ${w}`);
    out.push(w.startsWith('unix://') ? w : ip);
  }
  return out;
}

function expandSingleIp(field: string, raw: string, host: HostFacts): string {
  const ips = expandIps(field, raw, host);
  if (ips.length > 1) {
    throw new ConfigError(`${field} cannot contain multiple addresses. Use 'addresses.{dns,http,https}' instead.`);
  }
  if (ips[0]?.startsWith('unix://')) throw new ConfigError(`${field} cannot be a unix socket`);
  return ips[0] ?? '';
}

function expandTemplate(field: string, raw: string, host: HostFacts): string {
  if (!raw.includes('{{')) return raw;
  return raw.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_m, expr: string) => {
    if (expr === 'GetPrivateIP') return detectPrivateIPv4(host);
    if (expr === 'GetPrivateIPs') return host.privateIPv4s().join(' ');
    const m = /^GetInterfaceIP\s+"([^"]+)"$/.exec(expr);
    if (m) {
      const addr = (networkInterfaces()[m[1]!] ?? []).find((a) => a.family === 'IPv4');
      if (!addr) throw new ConfigError(`${field}: No IP addresses found on interface ${JSON.stringify(m[1])}`);
      return addr.address;
    }
    throw new ConfigError(`${field}: unable to parse address template ${JSON.stringify(raw)}: unsupported function ${expr}`);
  });
}

function detectPrivateIPv4(host: HostFacts): string {
  const ips = host.privateIPv4s();
  if (ips.length === 0) throw new ConfigError('No private IPv4 address found');
  if (ips.length > 1) {
    throw new ConfigError("Multiple private IPv4 addresses found. Please configure one with 'bind' and/or 'advertise'.");
  }
  return ips[0]!;
}

function stripBrackets(s: string): string {
  return s.startsWith('[') && s.endsWith(']') ? s.slice(1, -1) : s;
}

export function isAny(ip: string): boolean {
  return ['0.0.0.0', '::', '[::]'].includes(ip.trim());
}

export function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1' || ip.startsWith('unix://');
}

export function isPrivateIPv4(ip: string): boolean {
  const [a, b] = ip.split('.').map(Number) as [number, number];
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
}

