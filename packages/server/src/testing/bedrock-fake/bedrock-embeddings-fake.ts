import { delay, HttpResponse, http } from 'msw';
import { fakeVector } from '../openai-fake/openai-embeddings-fake.js';

/**
 * An msw fake of Bedrock Runtime `POST /model/{modelId}/invoke` for embedding models, following
 * the Bedrock section of shared/specs/protocol-samples.md: Titan Text Embeddings V2 (one text per
 * call) and Cohere embed v3 (up to 96 texts). Request bodies are checked the way Bedrock does
 * (unknown keys, limits, enums) and rejected with a ValidationException; errors carry their name
 * in `x-amzn-errortype`, which is what the SDK reads.
 */
export interface BedrockEmbeddingsFakeOptions {
  region: string;
  /** Native size of Cohere vectors (Titan honours the request's `dimensions`). Default 1024. */
  cohereDimensions?: number;
}

export interface RecordedInvoke {
  modelId: string;
  body: Record<string, unknown>;
  headers: Headers;
}

export interface BedrockScriptedError {
  status: number;
  /** e.g. ThrottlingException */
  errorType: string;
  message: string;
  delayMs?: number;
}

export type BedrockScriptedReply =
  | BedrockScriptedError
  | { status: 200; body: unknown; headers?: Record<string, string>; delayMs?: number };

const TITAN_V2 = 'amazon.titan-embed-text-v2:0';
const COHERE_MODELS = new Set(['cohere.embed-english-v3', 'cohere.embed-multilingual-v3']);
const TITAN_KEYS = new Set(['inputText', 'dimensions', 'normalize', 'embeddingTypes']);
const COHERE_KEYS = new Set(['texts', 'input_type', 'truncate', 'embedding_types', 'images']);

export function createBedrockEmbeddingsFake(options: BedrockEmbeddingsFakeOptions) {
  const invokes: RecordedInvoke[] = [];
  const rejected: { modelId: string; body: unknown; reason: string }[] = [];
  const scripted: BedrockScriptedReply[] = [];
  let requestCounter = 0;

  const handler = http.post(
    `https://bedrock-runtime.${options.region}.amazonaws.com/model/:modelId/invoke`,
    async ({ request, params }) => {
      const modelId = String(params.modelId);
      const requestId = `req-${++requestCounter}`;
      const body = (await request.json()) as Record<string, unknown>;
      invokes.push({ modelId, body, headers: request.headers });

      const problem = checkRequest(modelId, body, request.headers);
      if (problem) {
        rejected.push({ modelId, body, reason: problem });
        return errorResponse(400, 'ValidationException', problem, requestId);
      }

      const next = scripted.shift();
      if (next?.delayMs) await delay(next.delayMs);
      if (next && 'errorType' in next)
        return errorResponse(next.status, next.errorType, next.message, requestId);
      if (next) {
        return HttpResponse.json(next.body as Record<string, unknown>, {
          headers: { 'x-amzn-requestid': requestId, ...next.headers },
        });
      }

      if (modelId === TITAN_V2) {
        const text = body.inputText as string;
        const embedding = fakeVector(text, (body.dimensions as number | undefined) ?? 1024);
        const tokens = countTokens(text);
        return HttpResponse.json(
          { embedding, embeddingsByType: { float: embedding }, inputTextTokenCount: tokens },
          { headers: bedrockHeaders(requestId, tokens) },
        );
      }
      const texts = body.texts as string[];
      const tokens = texts.reduce((sum, text) => sum + countTokens(text), 0);
      return HttpResponse.json(
        {
          id: `6d8f1c2a-0000-4000-8000-${String(requestCounter).padStart(12, '0')}`,
          embeddings: texts.map((text) =>
            fakeVector(`${body.input_type}:${text}`, options.cohereDimensions ?? 1024),
          ),
          texts,
          response_type: 'embeddings_floats',
        },
        { headers: bedrockHeaders(requestId, tokens) },
      );
    },
  );

  return {
    handlers: [handler],
    invokes,
    rejected,
    calls: () => invokes.length,
    replyNext(...replies: BedrockScriptedReply[]) {
      scripted.push(...replies);
    },
    reset() {
      invokes.length = 0;
      rejected.length = 0;
      scripted.length = 0;
    },
  };
}

export type BedrockEmbeddingsFake = ReturnType<typeof createBedrockEmbeddingsFake>;

function checkRequest(modelId: string, body: Record<string, unknown>, headers: Headers): string | undefined {
  if (!headers.get('authorization')?.startsWith('AWS4-HMAC-SHA256 ')) return 'request is not SigV4-signed';
  if (headers.get('content-type') !== 'application/json') return 'content-type must be application/json';
  if (modelId === TITAN_V2) {
    const extra = Object.keys(body).filter((key) => !TITAN_KEYS.has(key));
    if (extra.length)
      return `Malformed input request: extraneous key [${extra[0]}] is not permitted, please reformat your input and try again.`;
    if (typeof body.inputText !== 'string' || body.inputText.length === 0) {
      return 'Malformed input request: expected minLength: 1, actual: 0, please reformat your input and try again.';
    }
    if (body.inputText.length > 50_000)
      return 'Malformed input request: inputText is longer than 50000 characters';
    if (body.dimensions !== undefined && ![256, 512, 1024].includes(body.dimensions as number)) {
      return `Malformed input request: #/dimensions: ${body.dimensions} is not a valid enum value, please reformat your input and try again.`;
    }
    if (body.normalize !== undefined && typeof body.normalize !== 'boolean')
      return 'Malformed input request: #/normalize: expected type: Boolean';
    return undefined;
  }
  if (COHERE_MODELS.has(modelId)) {
    const extra = Object.keys(body).filter((key) => !COHERE_KEYS.has(key));
    if (extra.length)
      return `Malformed input request: extraneous key [${extra[0]}] is not permitted, please reformat your input and try again.`;
    const texts = body.texts;
    if (!Array.isArray(texts) || texts.length === 0 || texts.some((t) => typeof t !== 'string')) {
      return 'Malformed input request: #/texts: expected a non-empty array of strings';
    }
    if (texts.length > 96)
      return `Malformed input request: #/texts: expected maxItems: 96, actual: ${texts.length}`;
    if (texts.some((t: string) => t.length > 2048))
      return 'Malformed input request: #/texts: expected maxLength: 2048';
    if (
      !['search_document', 'search_query', 'classification', 'clustering'].includes(body.input_type as string)
    ) {
      return `Malformed input request: #/input_type: ${body.input_type} is not a valid enum value`;
    }
    if (body.truncate !== undefined && !['NONE', 'START', 'END'].includes(body.truncate as string)) {
      return `Malformed input request: #/truncate: ${body.truncate} is not a valid enum value`;
    }
    return undefined;
  }
  return 'The provided model identifier is invalid.';
}

function errorResponse(status: number, errorType: string, message: string, requestId: string) {
  return HttpResponse.json(
    { message },
    {
      status,
      headers: {
        'x-amzn-errortype': `${errorType}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
        'x-amzn-requestid': requestId,
      },
    },
  );
}

function bedrockHeaders(requestId: string, tokens: number) {
  return {
    'x-amzn-requestid': requestId,
    'x-amzn-bedrock-input-token-count': String(tokens),
    'x-amzn-bedrock-invocation-latency': '42',
  };
}

function countTokens(text: string): number {
  return text.split(/\s+/).filter(Boolean).length + 1;
}
