import { ApiError } from '../../../core/api-error.js';

/** The content claims a supported type but cannot be parsed, e.g. a corrupt PDF (the route answers 422). */
export class DocumentParseError extends ApiError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('UNPROCESSABLE_DOCUMENT', message, options);
  }
}
