// Session vocabulary.

export type SessionBehavior = 'release' | 'delete';

export interface ServiceCheckRef {
  ID: string;
  Namespace: string;
}

export interface Session {
  ID: string;
  Name: string;
  Node: string;
  /** Nanoseconds. */
  LockDelay: number;
  Behavior: SessionBehavior;
  /** Go duration string, "" for none. */
  TTL: string;
  NodeChecks: string[];
  ServiceChecks: ServiceCheckRef[] | null;
  CreateIndex: number;
  ModifyIndex: number;
}

export type SessionOp = 'create' | 'destroy';

export interface SessionRequest {
  Op: SessionOp;
  Session: Session;
}

export const DEFAULT_LOCK_DELAY_NS = 15e9;
export const MAX_LOCK_DELAY_NS = 60e9;
