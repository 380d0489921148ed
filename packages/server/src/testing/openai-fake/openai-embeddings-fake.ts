import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { delay, HttpResponse, http, type JsonBodyType } from 'msw';

/**
 * An msw fake of `POST <baseURL>/embeddings` as served by vLLM and OpenAI. Every request body is
 * validated against OpenAI's CreateEmbeddingRequest schema (an invalid one gets a 400 and is kept
 * in `invalidRequests`). Answers follow shared/specs/vllm-samples.md §4-5 and protocol-samples.md
 * (OpenAI). Vectors are a deterministic function of the text, so the same text always gets the
 * same vector.
 */
export interface OpenAIEmbeddingsFakeOptions {
  /** e.g. "http://vllm.test/v1" */
  baseURL: string;
  /** Native dimension of the served model. */
  dimensions: number;
  /** Response and error shapes: vLLM (integer error codes, `embd-` ids) or OpenAI. Default vllm. */
  flavour?: 'vllm' | 'openai';
  /** When set, requests without `Authorization: Bearer <apiKey>` get a 401. */
  apiKey?: string;
  /** Return `data` in reverse order (clients must sort by `index`). */
  reverseOrder?: boolean;
}

export interface RecordedEmbeddingRequest {
  body: { model: string; input: string | string[]; dimensions?: number; encoding_format?: string };
  headers: Headers;
}

export interface ScriptedReply {
  status: number;
  body?: JsonBodyType;
  headers?: Record<string, string>;
  /** Answer with a network error instead of an HTTP response. */
  networkError?: boolean;
  /** Wait this long before answering. */
  delayMs?: number;
}

const schemaPath = new URL('./create-embedding-request.schema.json', import.meta.url);
const validateRequest = new Ajv({ strict: false, allErrors: true }).compile(
  JSON.parse(readFileSync(schemaPath, 'utf8')) as object,
);

export function createOpenAIEmbeddingsFake(options: OpenAIEmbeddingsFakeOptions) {
  const flavour = options.flavour ?? 'vllm';
  const requests: RecordedEmbeddingRequest[] = [];
  const invalidRequests: { body: unknown; errors: string }[] = [];
  const scripted: Array<ScriptedReply | ((request: RecordedEmbeddingRequest) => ScriptedReply)> = [];
  let created = 1_731_295_402;

  const handler = http.post(`${options.baseURL.replace(/\/+$/, '')}/embeddings`, async ({ request }) => {
    const body = (await request.json()) as RecordedEmbeddingRequest['body'];
    const recorded = { body, headers: request.headers };
    requests.push(recorded);

    if (!validateRequest(body)) {
      const errors = JSON.stringify(validateRequest.errors);
      invalidRequests.push({ body, errors });
      return HttpResponse.json(
        errorBody(flavour, 400, `request does not match CreateEmbeddingRequest: ${errors}`),
        {
          status: 400,
        },
      );
    }
    if (options.apiKey && request.headers.get('authorization') !== `Bearer ${options.apiKey}`) {
      return flavour === 'openai'
        ? HttpResponse.json(
            {
              error: {
                message: 'Incorrect API key provided: sk-xxxx.',
                type: 'invalid_request_error',
                param: null,
                code: 'invalid_api_key',
              },
            },
            { status: 401 },
          )
        : HttpResponse.json({ error: 'Unauthorized' }, { status: 401 });
    }

    const next = scripted.shift();
    if (next) {
      const reply = typeof next === 'function' ? next(recorded) : next;
      if (reply.delayMs) await delay(reply.delayMs);
      if (reply.networkError) return HttpResponse.error();
      const init = { status: reply.status, ...(reply.headers && { headers: reply.headers }) };
      // A string body goes out as plain text, like a proxy's error page.
      return typeof reply.body === 'string'
        ? HttpResponse.text(reply.body, init)
        : HttpResponse.json(reply.body ?? null, init);
    }

    const inputs = typeof body.input === 'string' ? [body.input] : (body.input as string[]);
    let dimensions = options.dimensions;
    if (body.dimensions !== undefined) {
      if (flavour === 'vllm') {
        return HttpResponse.json(
          errorBody(
            'vllm',
            400,
            `Model "${body.model}" does not support matryoshka representation, changing output dimensions will lead to poor results.`,
          ),
          { status: 400 },
        );
      }
      dimensions = body.dimensions;
    }
    const data = inputs.map((text, index) => ({
      index,
      object: 'embedding',
      embedding: fakeVector(text, dimensions),
    }));
    if (options.reverseOrder) data.reverse();
    const promptTokens = inputs.reduce((sum, text) => sum + countWords(text), 0);
    return HttpResponse.json(
      flavour === 'vllm'
        ? {
            id: `embd-${(created++).toString(16).padStart(32, '0')}`,
            object: 'list',
            created,
            model: body.model,
            data,
            usage: {
              prompt_tokens: promptTokens,
              total_tokens: promptTokens,
              completion_tokens: 0,
              prompt_tokens_details: null,
            },
          }
        : {
            object: 'list',
            data,
            model: body.model,
            usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
          },
    );
  });

  return {
    handlers: [handler],
    requests,
    invalidRequests,
    calls: () => requests.length,
    /** Answer the next request with `reply` instead of embeddings. Queued replies are used in order. */
    replyNext(...replies: Array<ScriptedReply | ((request: RecordedEmbeddingRequest) => ScriptedReply)>) {
      scripted.push(...replies);
    },
    reset() {
      requests.length = 0;
      invalidRequests.length = 0;
      scripted.length = 0;
    },
  };
}

export type OpenAIEmbeddingsFake = ReturnType<typeof createOpenAIEmbeddingsFake>;

/** vLLM >= 0.10.1 error body: `code` is the integer HTTP status. */
export function vllmError(status: number, message: string, type = 'BadRequestError') {
  return { error: { message, type, param: null, code: status } };
}

/** vLLM <= 0.10.0 error body: flat, with `"object": "error"`. */
export function vllmLegacyError(status: number, message: string, type = 'BadRequestError') {
  return { object: 'error', message, type, param: null, code: status };
}

/** OpenAI error body: `code` is a string or null. */
export function openAIError(message: string, type: string, code: string | null = null) {
  return { error: { message, type, param: null, code } };
}

function errorBody(flavour: 'vllm' | 'openai', status: number, message: string) {
  return flavour === 'vllm' ? vllmError(status, message) : openAIError(message, 'invalid_request_error');
}

function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length + 1;
}

/** A unit vector seeded by the text (FNV-1a + mulberry32). */
export function fakeVector(text: string, dimensions: number): number[] {
  let seed = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) seed = Math.imul(seed ^ text.charCodeAt(i), 0x01000193) >>> 0;
  const values: number[] = [];
  for (let i = 0; i < dimensions; i++) {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    values.push(((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5);
  }
  const norm = Math.sqrt(values.reduce((sum, v) => sum + v * v, 0));
  return values.map((v) => v / norm);
}
