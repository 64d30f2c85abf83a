// The two messages of grpc.health.v1 in protobuf wire form, and gRPC's length-prefixed framing.
// Pure: bytes in, values out. Small enough that pulling in @grpc/grpc-js for one unary call is not
// worth its weight.
//
//   message HealthCheckRequest  { string service = 1; }
//   message HealthCheckResponse { ServingStatus status = 1; }   UNKNOWN 0, SERVING 1, NOT_SERVING 2, SERVICE_UNKNOWN 3

export const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const;

/** gRPC status code names, indexed by code (for "rpc error: code = Unavailable desc = ..."). */
export const GRPC_CODES = [
  'OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists',
  'PermissionDenied', 'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented',
  'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated',
] as const;

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

function readVarint(b: Uint8Array, at: number): [value: number, next: number] {
  let v = 0;
  let shift = 0;
  for (let i = at; i < b.length && shift < 35; i++) {
    v += (b[i]! & 0x7f) * 2 ** shift;
    if ((b[i]! & 0x80) === 0) return [v, i + 1];
    shift += 7;
  }
  throw new Error('truncated varint');
}

/** A HealthCheckRequest wrapped in the 5-byte gRPC message prefix (uncompressed). */
export function encodeHealthRequest(service: string): Buffer {
  const name = Buffer.from(service, 'utf8');
  const body = name.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a, ...varint(name.length)]), name]);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/** The same message, unframed, as a server reads it (for tests and fakes). */
export function decodeHealthRequest(msg: Uint8Array): string {
  let at = 0;
  let service = '';
  while (at < msg.length) {
    const [key, next] = readVarint(msg, at);
    at = next;
    const wire = key & 7;
    if (wire === 2) {
      const [n, start] = readVarint(msg, at);
      if (key >>> 3 === 1) service = Buffer.from(msg.subarray(start, start + n)).toString('utf8');
      at = start + n;
    } else if (wire === 0) at = readVarint(msg, at)[1];
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return service;
}

/** Reads the status from a framed HealthCheckResponse; unknown fields are skipped. */
export function decodeHealthResponse(framed: Uint8Array): number {
  if (framed.length < 5) throw new Error('response message is shorter than its 5-byte prefix');
  if (framed[0] !== 0) throw new Error('compressed response messages are not supported');
  const len = Buffer.from(framed).readUInt32BE(1);
  const msg = framed.subarray(5, 5 + len);
  if (msg.length < len) throw new Error('truncated response message');
  let status = 0;
  let at = 0;
  while (at < msg.length) {
    const [key, next] = readVarint(msg, at);
    at = next;
    const wire = key & 7;
    if (wire === 0) {
      const [v, after] = readVarint(msg, at);
      if (key >>> 3 === 1) status = v;
      at = after;
    } else if (wire === 2) {
      const [n, after] = readVarint(msg, at);
      at = after + n;
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return status;
}

/** A framed HealthCheckResponse (for tests and fakes). */
export function encodeHealthResponse(status: number): Buffer {
  const body = status === 0 ? [] : [0x08, ...varint(status)];
  const head = Buffer.alloc(5);
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, Buffer.from(body)]);
}
