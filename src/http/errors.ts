// Maps operating errors to Consul's status codes; bodies are plain text, as Consul writes them.
import { ConclaveError } from '../lib/errors.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (msg: string) => new HttpError(400, msg);

export function statusFor(err: unknown): { status: number; body: string } {
  if (err instanceof HttpError) return { status: err.status, body: err.message || 'An unexpected error occurred' };
  if (err instanceof ConclaveError) {
    if (err.status) return { status: err.status, body: err.message };
    switch (err.code) {
      case 'ERR_BAD_REQUEST':
        return { status: 400, body: err.message };
      case 'ERR_NOT_FOUND':
        return { status: 404, body: err.message };
      case 'ERR_PERMISSION_DENIED':
        return { status: 403, body: err.message };
      case 'ERR_TOO_LARGE':
        return { status: 413, body: err.message };
      case 'ERR_CONFLICT':
        return { status: 409, body: err.message };
      default:
        return { status: 500, body: err.message };
    }
  }
  const msg = err instanceof Error ? err.message : String(err);
  return { status: 500, body: msg };
}
