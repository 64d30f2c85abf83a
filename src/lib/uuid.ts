import { randomUUID } from 'node:crypto';

export function newUuid(): string {
  return randomUUID();
}

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export function isUuid(s: string): boolean {
  return UUID_RE.test(s);
}
