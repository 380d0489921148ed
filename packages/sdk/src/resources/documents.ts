import {
  type Document,
  type DocumentList,
  documentListSchema,
  documentSchema,
  type IngestRequest,
  type IngestResult,
  ingestResultSchema,
  type Metadata,
} from '../contracts/documents.js';
import type { Requester, RequestOptions } from '../core/request.js';
import { collectionPath } from './collections.js';

/** Documents as JSON Lines: one DocumentInput per line. */
export interface IngestJsonlInput {
  jsonl: string;
  source?: string;
  sync?: boolean;
}

export interface IngestFile {
  /** Becomes the document id. */
  name: string;
  content: Blob | Uint8Array | string;
  /** Defaults to the Blob's type, else the server infers it from the name's extension. */
  contentType?: string;
}

/** Raw files sent as multipart/form-data: the server extracts text (PDF, HTML, Markdown, text). */
export interface IngestFilesInput {
  files: IngestFile[];
  source?: string;
  sync?: boolean;
  /** Applied to every file of the request. */
  metadata?: Metadata;
}

export type IngestInput = IngestRequest | IngestJsonlInput | IngestFilesInput;

export interface ListDocumentsParams {
  limit?: number;
  cursor?: string;
  source?: string;
}

export interface Documents {
  ingest(collection: string, input: IngestInput, options?: RequestOptions): Promise<IngestResult>;
  list(collection: string, params?: ListDocumentsParams, options?: RequestOptions): Promise<DocumentList>;
  /** Every document of the collection (or of one source), fetching pages of `limit` as it goes. */
  listAll(
    collection: string,
    params?: Omit<ListDocumentsParams, 'cursor'>,
    options?: RequestOptions,
  ): AsyncIterable<Document>;
  get(collection: string, id: string, options?: RequestOptions): Promise<Document>;
  delete(collection: string, id: string, options?: RequestOptions): Promise<void>;
}

export function createDocuments(request: Requester): Documents {
  const documentsPath = (collection: string) => `${collectionPath(collection)}/documents`;
  const documentPath = (collection: string, id: string) =>
    `${documentsPath(collection)}/${encodeURIComponent(id)}`;

  const list: Documents['list'] = (collection, params = {}, options) =>
    request(
      {
        method: 'GET',
        path: documentsPath(collection),
        query: { limit: params.limit, cursor: params.cursor, source: params.source },
        schema: documentListSchema,
      },
      options,
    );

  return {
    ingest(collection, input, options) {
      const path = documentsPath(collection);
      if ('jsonl' in input) {
        return request(
          {
            method: 'POST',
            path,
            query: { source: input.source, sync: input.sync },
            body: input.jsonl,
            contentType: 'application/x-ndjson',
            schema: ingestResultSchema,
          },
          options,
        );
      }
      if ('files' in input) {
        return request(
          { method: 'POST', path, body: toFormData(input), schema: ingestResultSchema },
          options,
        );
      }
      return request({ method: 'POST', path, json: input, schema: ingestResultSchema }, options);
    },

    list,

    async *listAll(collection, params = {}, options) {
      let cursor: string | undefined;
      do {
        const page = await list(collection, { ...params, cursor }, options);
        yield* page.data;
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    },

    get: (collection, id, options) =>
      request({ method: 'GET', path: documentPath(collection, id), schema: documentSchema }, options),

    delete: (collection, id, options) =>
      request({ method: 'DELETE', path: documentPath(collection, id) }, options),
  };
}

function toFormData(input: IngestFilesInput): FormData {
  const form = new FormData();
  for (const file of input.files) {
    form.append('file', toBlob(file), file.name);
  }
  if (input.source !== undefined) form.set('source', input.source);
  if (input.sync !== undefined) form.set('sync', String(input.sync));
  if (input.metadata !== undefined) form.set('metadata', JSON.stringify(input.metadata));
  return form;
}

function toBlob(file: IngestFile): Blob {
  const { content, contentType } = file;
  if (content instanceof Blob && (contentType === undefined || content.type === contentType)) return content;
  const type = contentType ?? (content instanceof Blob ? content.type : '');
  return new Blob([content as BlobPart], { type });
}
