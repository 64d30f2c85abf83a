// Shared fixtures for the state store tests.
import type { Clock } from '../../src/lib/clock.js';
import type { DirEntry, HealthCheck, RegisterRequest, Session } from '../../src/structs/index.js';
import type { WaitResult, WatchSet } from '../../src/state/index.js';

/** A clock the test moves by hand. */
export class FakeClock implements Clock {
  constructor(public now = 1_700_000_000_000) {}
  nowMs(): number {
    return this.now;
  }
  monotonicMs(): number {
    return this.now;
  }
}

export function kv(key: string, value = '', extra: Partial<DirEntry> = {}): DirEntry {
  return {
    Key: key,
    Value: value === '' ? null : new TextEncoder().encode(value),
    Flags: 0n,
    Session: '',
    LockIndex: 0,
    CreateIndex: 0,
    ModifyIndex: 0,
    ...extra,
  };
}

export function check(node: string, id: string, status: HealthCheck['Status'], extra: Partial<HealthCheck> = {}): HealthCheck {
  return { Node: node, CheckID: id, Name: id, Status: status, ...extra } as HealthCheck;
}

export function node(name: string, address = '10.0.0.1', extra: Partial<RegisterRequest> = {}): RegisterRequest {
  return { Node: name, Address: address, ...extra };
}

export function session(id: string, nodeName: string, extra: Partial<Session> = {}): Session {
  return {
    ID: id,
    Name: '',
    Node: nodeName,
    LockDelay: 15e9,
    Behavior: 'release',
    TTL: '',
    NodeChecks: [],
    ServiceChecks: null,
    CreateIndex: 0,
    ModifyIndex: 0,
    ...extra,
  };
}

/** Lets every pending promise callback run (a macrotask boundary), without waiting on time. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Parks `ws` and reports whether it has woken so far. `stop()` releases it (abort) and
 * returns its final result. No test depends on a timer firing; the 60 s timeout only bounds
 * how long a test that forgot to stop a waiter can hold the process open.
 */
export function park(ws: WatchSet): { woke(): WaitResult | null; stop(): Promise<WaitResult> } {
  const ac = new AbortController();
  let result: WaitResult | null = null;
  const p = ws.wait(60_000, ac.signal).then((r) => {
    result = r;
    return r;
  });
  return {
    woke: () => result,
    stop: () => {
      ac.abort();
      return p;
    },
  };
}
