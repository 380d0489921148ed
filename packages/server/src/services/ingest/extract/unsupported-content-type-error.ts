import { ApiError } from '../../../core/api-error.js';

/** The content type is not one ingestion can extract (the route answers 415). */
export class UnsupportedContentTypeError extends ApiError {
  readonly contentType: string;
  constructor(contentType: string) {
    super(
      'UNSUPPORTED_CONTENT_TYPE',
      `contentType "${contentType}" is not supported; use text/plain, text/markdown, text/html or application/pdf`,
    );
    this.contentType = contentType;
  }
}
