// Address parsing and error texts shaped like the Go errors Consul puts into check output, so that
// people (and scripts) reading Output see what they would see from Consul.
import { isIP } from 'node:net';

export interface HostPort {
  host: string;
  port: number;
}

/** Splits "host:port" or "[v6]:port". Throws a readable error on bad input. */
export function splitHostPort(addr: string): HostPort {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(addr) ?? /^([^:]*):(\d+)$/.exec(addr);
  if (!m) throw new Error(`address ${addr}: missing port in address`);
  const port = Number(m[2]);
  if (!(port > 0 && port < 65536)) throw new Error(`address ${addr}: invalid port`);
  return { host: m[1] || '127.0.0.1', port };
}

/** The tail of a Go net error for a Node socket error ("connect: connection refused"). */
export function goNetReason(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connect: connection refused';
    case 'ECONNRESET':
      return 'read: connection reset by peer';
    case 'EHOSTUNREACH':
      return 'connect: no route to host';
    case 'ENETUNREACH':
      return 'connect: network is unreachable';
    case 'ETIMEDOUT':
      return 'i/o timeout';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `lookup ${(err as { hostname?: string }).hostname ?? ''}: no such host`;
    default:
      return err.message;
  }
}

/** "dial tcp 127.0.0.1:1: connect: connection refused" */
export function dialError(network: 'tcp' | 'udp', addr: string, err: NodeJS.ErrnoException): string {
  return `dial ${network} ${addr}: ${goNetReason(err)}`;
}

export const isIpLiteral = (host: string): boolean => isIP(host) !== 0;

/** The TLS server name a probe sends: the configured one, else the host unless it is an IP literal (Go's rule). */
export function sniName(configured: string, host: string): string | undefined {
  return configured || (isIpLiteral(host) ? undefined : host);
}
