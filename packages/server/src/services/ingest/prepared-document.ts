import type { Metadata } from '@ragline/sdk/contracts';

/** A document from any request format (JSON, JSON Lines, multipart), ready to hash and extract. */
export interface PreparedDocument {
  id: string;
  contentType: string;
  content: string | Uint8Array;
  metadata: Metadata;
  /** Where the document sits in the request, for error messages: `documents[3]`, `line 7`, `file "a.pdf"`. */
  at: string;
}

export interface PreparedBatch {
  documents: PreparedDocument[];
  source: string | null;
  sync: boolean;
}
