// One base class for operating errors; callers match on `code`.
export type ErrorCode =
  | 'ERR_BAD_REQUEST'
  | 'ERR_NOT_FOUND'
  | 'ERR_NO_LEADER'
  | 'ERR_NOT_LEADER'
  | 'ERR_PERMISSION_DENIED'
  | 'ERR_TOO_LARGE'
  | 'ERR_CONFLICT'
  | 'ERR_SHUTDOWN'
  | 'ERR_TIMEOUT'
  | 'ERR_CONFIG'
  | 'ERR_INTERNAL';

export class ConclaveError extends Error {
  override name = 'ConclaveError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions & { status?: number },
  ) {
    super(message, options);
    this.status = options?.status;
  }
  /** HTTP status the edge should use, when the error knows better than the code's default. */
  readonly status: number | undefined;
}

export const badRequest = (msg: string) => new ConclaveError('ERR_BAD_REQUEST', msg);
export const notFound = (msg: string) => new ConclaveError('ERR_NOT_FOUND', msg);
export const internal = (msg: string) => new ConclaveError('ERR_INTERNAL', msg);
export const noLeader = () => new ConclaveError('ERR_NO_LEADER', 'No cluster leader');
