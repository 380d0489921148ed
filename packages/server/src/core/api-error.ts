import { type ErrorCode, errorStatusByCode } from '@ragline/sdk/contracts';

/** The one error type services throw; the error middleware turns it into the envelope. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly details: unknown;
  readonly headers: Record<string, string>;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options: { cause?: unknown; details?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message, { cause: options.cause });
    this.status = errorStatusByCode[code];
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}
