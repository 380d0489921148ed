import {
  type DocumentInput,
  documentIdSchema,
  documentInputSchema,
  ingestRequestSchema,
  type Metadata,
  metadataSchema,
} from '@ragline/sdk/contracts';
import { ApiError } from '../../core/api-error.js';
import { decodeBase64 } from '../../core/base64.js';
import type { IngestLimits } from '../../deps.js';
import { parseBody } from '../../routes/validate.js';
import { contentTypeFromFileName } from './extract/content-type-from-file-name.js';
import {
  extractableContentType,
  isBinaryContentType,
  mediaTypeEssence,
} from './extract/normalize-content-type.js';
import type { PreparedBatch, PreparedDocument } from './prepared-document.js';

const JSONL_TYPES = new Set([
  'application/x-ndjson',
  'application/jsonl',
  'application/json-lines',
  'application/x-jsonlines',
]);

export interface IngestHttpRequest {
  contentType: string;
  query: (name: string) => string | undefined;
  text(): Promise<string>;
  json(): Promise<unknown>;
  formData(): Promise<FormData>;
}

/** Reads a JSON, JSON Lines or multipart ingestion request into one validated batch. */
export async function readIngestRequest(
  req: IngestHttpRequest,
  limits: IngestLimits,
): Promise<PreparedBatch> {
  const type = mediaTypeEssence(req.contentType);
  let batch: PreparedBatch;
  if (type === 'application/json') batch = await readJsonBatch(req);
  else if (JSONL_TYPES.has(type)) batch = await readJsonLinesBatch(req);
  else if (type === 'multipart/form-data') batch = await readMultipartBatch(req);
  else {
    throw new ApiError(
      'UNSUPPORTED_CONTENT_TYPE',
      `request Content-Type "${type || '(none)'}" is not accepted here: send application/json, application/x-ndjson or multipart/form-data`,
    );
  }
  validateBatch(batch, limits);
  return batch;
}

async function readJsonBatch(req: IngestHttpRequest): Promise<PreparedBatch> {
  let body: unknown;
  try {
    body = await req.json();
  } catch {
    throw new ApiError('INVALID_JSON', 'request body is not valid JSON');
  }
  const parsed = parseBody(ingestRequestSchema, body);
  return {
    documents: parsed.documents.map((doc, i) => prepareInput(doc, `documents[${i}]`)),
    source: parsed.source ?? null,
    sync: parsed.sync ?? false,
  };
}

async function readJsonLinesBatch(req: IngestHttpRequest): Promise<PreparedBatch> {
  const lines = (await req.text()).split('\n');
  const documents: PreparedDocument[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const at = `line ${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new ApiError('INVALID_JSON', `${at}: not valid JSON`);
    }
    documents.push(prepareInput(parseBody(documentInputSchema, value, at), at));
  });
  if (documents.length === 0)
    throw new ApiError('INVALID_REQUEST', 'body: no documents in the JSON Lines batch');
  return { documents, ...sourceAndSync(req.query('source'), req.query('sync')) };
}

async function readMultipartBatch(req: IngestHttpRequest): Promise<PreparedBatch> {
  let form: FormData;
  try {
    form = await req.formData();
  } catch {
    throw new ApiError('INVALID_REQUEST', 'body: malformed multipart/form-data');
  }
  const metadata = parseMetadataField(form.get('metadata'));
  const documents: PreparedDocument[] = [];
  for (const [field, value] of form.entries()) {
    if (typeof value === 'string') continue;
    const at = `file "${value.name || field}"`;
    const id = parseBody(documentIdSchema, value.name || field, `${at}.id`);
    const declared = value.type && value.type !== 'application/octet-stream' ? value.type : null;
    const contentType = asDocumentType(declared ?? contentTypeFromFileName(id) ?? 'application/octet-stream');
    const bytes = new Uint8Array(await value.arrayBuffer());
    const content = isBinaryContentType(contentType) ? bytes : decodeUtf8(bytes, at);
    documents.push({ id, contentType, content, metadata, at });
  }
  if (documents.length === 0)
    throw new ApiError('INVALID_REQUEST', 'body: no file parts in the multipart upload');
  const fieldText = (name: string) => {
    const v = form.get(name);
    return typeof v === 'string' ? v : (req.query(name) ?? undefined);
  };
  return { documents, ...sourceAndSync(fieldText('source'), fieldText('sync')) };
}

function prepareInput(doc: DocumentInput, at: string): PreparedDocument {
  const metadata = doc.metadata ?? {};
  if (doc.text !== undefined) {
    const contentType = asDocumentType(doc.contentType ?? 'text/plain');
    if (isBinaryContentType(contentType)) {
      throw new ApiError(
        'INVALID_REQUEST',
        `${at}.contentType: ${contentType} needs base64 "content", not "text"`,
      );
    }
    return { id: doc.id, contentType, content: doc.text, metadata, at };
  }
  const contentType = asDocumentType(doc.contentType ?? '');
  if (!isBinaryContentType(contentType))
    return { id: doc.id, contentType, content: doc.content ?? '', metadata, at };
  const bytes = decodeBase64(doc.content ?? '');
  if (!bytes) throw new ApiError('INVALID_REQUEST', `${at}.content: not valid base64`);
  return { id: doc.id, contentType, content: bytes, metadata, at };
}

function validateBatch(batch: PreparedBatch, limits: IngestLimits): void {
  if (batch.documents.length > limits.maxBatchDocuments) {
    throw new ApiError(
      'PAYLOAD_TOO_LARGE',
      `documents: ${batch.documents.length} documents in one batch; the limit is ${limits.maxBatchDocuments}`,
    );
  }
  if (batch.sync && !batch.source) {
    throw new ApiError(
      'INVALID_REQUEST',
      'sync: needs "source" (sync deletes that source\'s missing documents)',
    );
  }
  const seen = new Set<string>();
  for (const doc of batch.documents) {
    if (seen.has(doc.id))
      throw new ApiError('INVALID_REQUEST', `${doc.at}.id: "${doc.id}" appears twice in the batch`);
    seen.add(doc.id);
    if (!extractableContentType(doc.contentType)) {
      throw new ApiError(
        'UNSUPPORTED_CONTENT_TYPE',
        `${doc.at}.contentType: "${doc.contentType || '(none)'}" is not supported; use text/plain, text/markdown, text/html or application/pdf`,
      );
    }
    const size = typeof doc.content === 'string' ? utf8Length(doc.content) : doc.content.byteLength;
    if (size > limits.maxDocumentBytes) {
      throw new ApiError(
        'PAYLOAD_TOO_LARGE',
        `${doc.at}: document "${doc.id}" is ${size} bytes; the limit is ${limits.maxDocumentBytes}`,
      );
    }
  }
}

/** The canonical type when extraction supports it; otherwise the type as sent, refused later with its field. */
function asDocumentType(raw: string): string {
  return extractableContentType(raw) ?? mediaTypeEssence(raw);
}

function sourceAndSync(
  source: string | undefined,
  sync: string | undefined,
): Pick<PreparedBatch, 'source' | 'sync'> {
  if (sync !== undefined && sync !== 'true' && sync !== 'false') {
    throw new ApiError('INVALID_REQUEST', 'sync: must be "true" or "false"');
  }
  return { source: source || null, sync: sync === 'true' };
}

function parseMetadataField(value: FormDataEntryValue | null): Metadata {
  if (value === null) return {};
  if (typeof value !== 'string') throw new ApiError('INVALID_REQUEST', 'metadata: must be a JSON text field');
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new ApiError('INVALID_JSON', 'metadata: not valid JSON');
  }
  return parseBody(metadataSchema, parsed, 'metadata');
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: Uint8Array, at: string): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new ApiError('INVALID_REQUEST', `${at}: text content is not valid UTF-8`);
  }
}

const encoder = new TextEncoder();
function utf8Length(text: string): number {
  return encoder.encode(text).byteLength;
}
