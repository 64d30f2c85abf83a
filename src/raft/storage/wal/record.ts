// WAL record framing: [u32 LE payload length][u32 LE CRC-32C of payload][payload].
// Payloads are msgpack arrays whose first element says what they hold:
//   [1, [[index, term, type, data], ...]]   entries (replace any suffix from the first index)
//   [2, term, vote, commit]                 hard state
//   [3, index, term]                        base: the log now starts after (index, term)

import { pack, unpack } from 'msgpackr';
import { crc32c } from '../../../lib/crc32c.js';
import type { Entry, EntryType, HardState } from '../../core/messages.js';

export const RECORD_HEADER_BYTES = 8;
/** Larger lengths can only be garbage (Consul caps a command at 512 KiB; a batch at far less than this). */
export const RECORD_PAYLOAD_BYTES_MAX = 256 * 1024 * 1024;

export type WalRecord =
  | { kind: 'entries'; entries: Entry[] }
  | { kind: 'hardState'; hardState: HardState }
  | { kind: 'base'; index: number; term: number };

export class WalCorruptionError extends Error {
  override name = 'WalCorruptionError';
  constructor(readonly file: string, readonly offset: number, reason: string) {
    super(`raft WAL is corrupt: ${reason} in ${file} at offset ${offset}; refusing to start (restore this server from a snapshot or remove its raft data and rejoin)`);
  }
}

export function encodeRecord(r: WalRecord): Uint8Array {
  let body: unknown[];
  switch (r.kind) {
    case 'entries': body = [1, r.entries.map((e) => [e.index, e.term, e.type, e.data])]; break;
    case 'hardState': body = [2, r.hardState.term, r.hardState.vote, r.hardState.commit]; break;
    case 'base': body = [3, r.index, r.term]; break;
  }
  const payload = pack(body);
  const out = new Uint8Array(RECORD_HEADER_BYTES + payload.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, payload.length, true);
  dv.setUint32(4, crc32c(payload), true);
  out.set(payload, RECORD_HEADER_BYTES);
  return out;
}

function decodePayload(payload: Uint8Array): WalRecord | null {
  const v = unpack(payload) as unknown;
  if (!Array.isArray(v)) return null;
  switch (v[0]) {
    case 1: {
      if (!Array.isArray(v[1])) return null;
      const entries: Entry[] = [];
      for (const x of v[1] as unknown[]) {
        if (!Array.isArray(x) || x.length !== 4) return null;
        const [index, term, type, data] = x as [number, number, EntryType, Uint8Array];
        if (!Number.isInteger(index) || !Number.isInteger(term) || !(data instanceof Uint8Array)) return null;
        entries.push({ index, term, type, data });
      }
      return { kind: 'entries', entries };
    }
    case 2:
      if (typeof v[2] !== 'string') return null;
      return { kind: 'hardState', hardState: { term: v[1] as number, vote: v[2], commit: v[3] as number } };
    case 3:
      return { kind: 'base', index: v[1] as number, term: v[2] as number };
    default:
      return null;
  }
}

export interface ScanResult {
  records: WalRecord[];
  /** Where each record starts in the segment, and its length with the header (parallel to `records`). */
  offsets: number[];
  lengths: number[];
  /** Offset just past the last good record. */
  validBytes: number;
  /** Why the bytes after validBytes were discarded (only ever for the last segment). */
  torn: string | null;
}

/** Sectors are the unit a disk writes whole; a torn write leaves some of a batch's sectors unwritten. */
const SECTOR_BYTES = 512;

function allZero(buf: Uint8Array, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

/** Whether some sector-aligned piece of buf[from, to) is all zeros: a sector the disk never wrote. */
function hasUnwrittenSector(buf: Uint8Array, from: number, to: number): boolean {
  for (let start = from; start < to; ) {
    const end = Math.min(to, (Math.floor(start / SECTOR_BYTES) + 1) * SECTOR_BYTES);
    let zero = true;
    for (let i = start; i < end && zero; i++) zero = buf[i] === 0;
    if (zero) return true;
    start = end;
  }
  return false;
}

/**
 * Decodes a segment. The active (last) segment is preallocated with zeros, so its records end at
 * a zero-filled tail, which is its normal end. Past the last fdatasync, a crash can leave any
 * part of the unsynced batch written or not, sector by sector (and that batch was never
 * acknowledged). So in the last segment these are torn writes, reported in `torn`: an incomplete
 * record, a zeroed record header with data after it, a bad CRC on the final record (only zeros
 * follow it), and a bad CRC on a record with an all-zero (never written) sector (etcd's torn-entry
 * rule). Anything else
 * wrong, or anything wrong in an earlier segment, is corruption and throws WalCorruptionError
 * naming the file and offset.
 */
export function scanSegment(buf: Uint8Array, file: string, isLastSegment: boolean): ScanResult {
  const records: WalRecord[] = [];
  const offsets: number[] = [];
  const lengths: number[] = [];
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = 0;
  const tornOrThrow = (reason: string): ScanResult => {
    if (!isLastSegment) throw new WalCorruptionError(file, off, reason);
    return { records, offsets, lengths, validBytes: off, torn: `${reason} at offset ${off}` };
  };
  while (off < buf.length) {
    if (buf.length - off < RECORD_HEADER_BYTES) return tornOrThrow('partial record header');
    const len = dv.getUint32(off, true);
    const crc = dv.getUint32(off + 4, true);
    if (len === 0 && crc === 0) {
      if (!allZero(buf, off)) return tornOrThrow('zeroed record header');
      if (!isLastSegment) throw new WalCorruptionError(file, off, 'zero-filled tail');
      return { records, offsets, lengths, validBytes: off, torn: null };
    }
    const end = off + RECORD_HEADER_BYTES + len;
    if (len > RECORD_PAYLOAD_BYTES_MAX || end > buf.length) return tornOrThrow('partial record');
    const payload = buf.subarray(off + RECORD_HEADER_BYTES, end);
    if (crc32c(payload) !== crc) {
      // The final record: nothing but the preallocated zeros (or nothing) follows it.
      if (end === buf.length || allZero(buf, end)) return tornOrThrow('checksum mismatch on the last record');
      if (hasUnwrittenSector(buf, off, end)) return tornOrThrow('checksum mismatch on a record with an unwritten sector');
      throw new WalCorruptionError(file, off, 'checksum mismatch');
    }
    let rec: WalRecord | null;
    try {
      rec = decodePayload(payload);
    } catch {
      rec = null;
    }
    if (!rec) throw new WalCorruptionError(file, off, 'undecodable record with a valid checksum');
    records.push(rec);
    offsets.push(off);
    lengths.push(end - off);
    off = end;
  }
  return { records, offsets, lengths, validBytes: off, torn: null };
}

/** Decodes the one record `buf` holds (read back from a known place in a segment); throws if damaged. */
export function decodeRecord(buf: Uint8Array, file: string, offset: number): WalRecord {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < RECORD_HEADER_BYTES || dv.getUint32(0, true) !== buf.length - RECORD_HEADER_BYTES) {
    throw new WalCorruptionError(file, offset, 'record length does not match its recorded place');
  }
  const payload = buf.subarray(RECORD_HEADER_BYTES);
  if (crc32c(payload) !== dv.getUint32(4, true)) throw new WalCorruptionError(file, offset, 'checksum mismatch on reading an entry back');
  const rec = decodePayload(payload);
  if (!rec) throw new WalCorruptionError(file, offset, 'undecodable record');
  return rec;
}
