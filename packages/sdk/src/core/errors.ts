/** Base class of every error the SDK throws. */
export class RaglineError extends Error {
  override name = 'RaglineError';
}

export interface APIErrorInit {
  status: number;
  code: string;
  message: string;
  requestId: string | null;
  details?: unknown;
  headers?: Headers;
}

/** The server answered with a non-2xx status. */
export class APIError extends RaglineError {
  override name = 'APIError';
  readonly status: number;
  /** The server's SCREAMING_SNAKE code (see contracts/errors.ts), or `UNKNOWN` when the body was not an envelope. */
  readonly code: string;
  readonly requestId: string | null;
  readonly details: unknown;
  readonly headers: Headers;

  constructor(init: APIErrorInit) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.details = init.details;
    this.headers = init.headers ?? new Headers();
  }

  /** Picks the subclass for a status, like openai-node's `APIError.generate`. */
  static generate(init: APIErrorInit): APIError {
    const Class = errorClassForStatus(init.status);
    return new Class(init);
  }
}

export class BadRequestError extends APIError {
  override name = 'BadRequestError';
}
export class AuthenticationError extends APIError {
  override name = 'AuthenticationError';
}
/** 402 BUDGET_EXCEEDED: a hard budget refused the call before it reached a model; `details` names it. */
export class BudgetExceededError extends APIError {
  override name = 'BudgetExceededError';
}
export class PermissionDeniedError extends APIError {
  override name = 'PermissionDeniedError';
}
export class NotFoundError extends APIError {
  override name = 'NotFoundError';
}
export class ConflictError extends APIError {
  override name = 'ConflictError';
}
export class PayloadTooLargeError extends APIError {
  override name = 'PayloadTooLargeError';
}
export class UnsupportedMediaTypeError extends APIError {
  override name = 'UnsupportedMediaTypeError';
}
export class UnprocessableEntityError extends APIError {
  override name = 'UnprocessableEntityError';
}
export class RateLimitError extends APIError {
  override name = 'RateLimitError';
}
export class InternalServerError extends APIError {
  override name = 'InternalServerError';
}

function errorClassForStatus(status: number): typeof APIError {
  switch (status) {
    case 400:
      return BadRequestError;
    case 401:
      return AuthenticationError;
    case 402:
      return BudgetExceededError;
    case 403:
      return PermissionDeniedError;
    case 404:
      return NotFoundError;
    case 409:
      return ConflictError;
    case 413:
      return PayloadTooLargeError;
    case 415:
      return UnsupportedMediaTypeError;
    case 422:
      return UnprocessableEntityError;
    case 429:
      return RateLimitError;
    default:
      return status >= 500 ? InternalServerError : APIError;
  }
}

/** A 2xx response whose body does not match the wire contract (a version skew or a broken proxy). */
export class APIResponseValidationError extends RaglineError {
  override name = 'APIResponseValidationError';
  readonly status: number;
  readonly requestId: string | null;
  /** The body as received (parsed JSON, or the raw text when it was not JSON). */
  readonly body: unknown;
  constructor(init: { message: string; status: number; requestId: string | null; body: unknown }) {
    super(init.message);
    this.status = init.status;
    this.requestId = init.requestId;
    this.body = init.body;
  }
}

/** No response: DNS, refused connection, reset socket, ... */
export class APIConnectionError extends RaglineError {
  override name = 'APIConnectionError';
  constructor(message = 'Connection error.', options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class APIConnectionTimeoutError extends APIConnectionError {
  override name = 'APIConnectionTimeoutError';
  constructor(message = 'Request timed out.', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The caller's AbortSignal fired. Never retried. */
export class APIUserAbortError extends RaglineError {
  override name = 'APIUserAbortError';
  constructor(message = 'Request was aborted.', options?: { cause?: unknown }) {
    super(message, options);
  }
}
