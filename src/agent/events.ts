// User events (Consul's agent/user_event.go): fired through gossip as serf user events named
// "consul:event:<name>" carrying a msgpack UserEvent; every agent keeps the last 256 it accepted
// (its node/service/tag filters decide) for /v1/event/list.
import { Packr } from 'msgpackr';
import { newUuid } from '../lib/uuid.js';
import { ConclaveError } from '../lib/errors.js';

export const EVENT_BUFFER_SIZE = 256;
export const EVENT_PREFIX = 'consul:event:';
const USER_EVENT_VERSION = 1;
const packr = new Packr({ useRecords: false });

export interface UserEvent {
  ID: string;
  Name: string;
  Payload: Buffer | null;
  NodeFilter: string;
  ServiceFilter: string;
  TagFilter: string;
  Version: number;
  LTime: number;
}

export interface EventFilterContext {
  nodeName: string;
  /** Local services with their tags. */
  services: () => Array<{ Service: string; Tags: string[] }>;
}

const badRequest = (m: string) => new ConclaveError('ERR_BAD_REQUEST', m);

export function newUserEvent(name: string, payload: Buffer | null, f: { node?: string; service?: string; tag?: string }): UserEvent {
  if (!name) throw badRequest('Missing name');
  if (f.tag && !f.service) throw badRequest('Cannot provide tag filter without service filter');
  for (const [what, re] of [['node', f.node], ['service', f.service], ['tag', f.tag]] as const) {
    if (!re) continue;
    try {
      new RegExp(re);
    } catch (err) {
      throw badRequest(`Invalid ${what} filter: ${(err as Error).message}`);
    }
  }
  return {
    ID: newUuid(),
    Name: name,
    Payload: payload && payload.length > 0 ? payload : null,
    NodeFilter: f.node ?? '',
    ServiceFilter: f.service ?? '',
    TagFilter: f.tag ?? '',
    Version: USER_EVENT_VERSION,
    LTime: 0,
  };
}

export function encodeUserEvent(e: UserEvent): Buffer {
  return packr.pack(e);
}

/** Consul's uuidToUint64: the event list's X-Consul-Index. */
export function eventIndex(id: string): bigint {
  const lower = BigInt('0x' + id.slice(0, 8) + id.slice(9, 13) + id.slice(14, 18));
  const upper = BigInt('0x' + id.slice(19, 23) + id.slice(24, 36));
  return lower ^ upper;
}

export class UserEventBuffer {
  private events: UserEvent[] = [];
  private waiters: Array<() => void> = [];

  constructor(private readonly ctx: EventFilterContext) {}

  /** A gossip user event arrived; keeps it when it is a Consul event meant for this agent. */
  ingest(serfName: string, payload: Buffer, ltime: number): void {
    if (!serfName.startsWith(EVENT_PREFIX)) return;
    let e: UserEvent;
    try {
      e = packr.unpack(payload) as UserEvent;
    } catch {
      return;
    }
    if (!e || typeof e.ID !== 'string' || e.Version > USER_EVENT_VERSION || !this.accepts(e)) return;
    if (this.events.some((x) => x.ID === e.ID)) return;
    e.LTime = ltime;
    e.Payload = e.Payload ? Buffer.from(e.Payload) : null;
    this.events.push(e);
    if (this.events.length > EVENT_BUFFER_SIZE) this.events.shift();
    const w = this.waiters;
    this.waiters = [];
    for (const fn of w) fn();
  }

  private accepts(e: UserEvent): boolean {
    try {
      if (e.NodeFilter && !new RegExp(e.NodeFilter).test(this.ctx.nodeName)) return false;
      if (e.ServiceFilter) {
        const svc = new RegExp(e.ServiceFilter);
        const tag = e.TagFilter ? new RegExp(e.TagFilter) : null;
        return this.ctx.services().some((s) => svc.test(s.Service) && (!tag || s.Tags.some((t) => tag.test(t))));
      }
    } catch {
      return false;
    }
    return true;
  }

  list(name: string): UserEvent[] {
    return name ? this.events.filter((e) => e.Name === name) : [...this.events];
  }

  /** Waits for the next accepted event (or the timeout). */
  waitNext(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, timeoutMs);
      const self = this;
      function done() {
        clearTimeout(t);
        self.waiters = self.waiters.filter((w) => w !== done);
        resolve();
      }
      this.waiters.push(done);
    });
  }
}

export function eventToWire(e: UserEvent): Record<string, unknown> {
  return {
    ID: e.ID,
    Name: e.Name,
    Payload: e.Payload ? e.Payload.toString('base64') : null,
    NodeFilter: e.NodeFilter,
    ServiceFilter: e.ServiceFilter,
    TagFilter: e.TagFilter,
    Version: e.Version,
    LTime: e.LTime,
  };
}
