import { decodeBase64 } from '../../core/base64.js';
import { parseRetryAfter, retryWithBackoff } from '../../core/retry.js';
import {
  type Embedder,
  EmbedderUnavailableError,
  EmbedderUpstreamError,
  type EmbedOptions,
  type EmbedResult,
} from '../../ports/embedder.js';

export interface OpenAICompatibleEmbedderConfig {
  name: string;
  /** The API root including the version, e.g. "https://api.openai.com/v1" or "http://vllm:8000/v1". */
  baseURL: string;
  apiKey?: string;
  model: string;
  /** The vector size. When set, no probe call is made and responses are checked against it. */
  dimensions?: number;
  /**
   * Also send `dimensions` in the request (OpenAI text-embedding-3, Matryoshka models on vLLM).
   * Off by default: vLLM rejects it for other models.
   */
  sendDimensions?: boolean;
  /** Inputs per request; default 32 (text-embeddings-inference's default client batch limit). */
  batchSize?: number;
  /** Retries of 408/429/5xx, timeouts and network errors; default 2. */
  maxRetries?: number;
  /** Per-request timeout; default 60 s. */
  timeoutMs?: number;
  /** Delay before the first retry (doubled after each); default 500 ms. */
  retryBaseDelayMs?: number;
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

interface EmbeddingsBatch {
  vectors: number[][];
  inputTokens: number;
}

/** What the upstream said in its error body: OpenAI, vLLM (both shapes) and TEI are understood. */
interface UpstreamErrorInfo {
  message: string;
  type?: string;
  code?: string | number;
}

/** Embedder for any server with OpenAI's `POST /embeddings` (OpenAI, vLLM, text-embeddings-inference). */
export function createOpenAICompatibleEmbedder(config: OpenAICompatibleEmbedderConfig): Embedder {
  const url = `${config.baseURL.replace(/\/+$/, '')}/embeddings`;
  const doFetch = config.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const batchSize = Math.max(1, config.batchSize ?? 32);
  const attempts = Math.max(0, config.maxRetries ?? 2) + 1;
  const timeoutMs = config.timeoutMs ?? 60_000;
  const retryAfterOf = new WeakMap<object, number>();
  let knownDimensions = config.dimensions;
  let probing: Promise<number> | undefined;

  const label = `${url} (model ${config.model})`;

  async function requestOnce(input: string[], signal: AbortSignal | undefined): Promise<EmbeddingsBatch> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let response: Response;
    let text: string;
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          ...(config.apiKey && { authorization: `Bearer ${config.apiKey}` }),
          ...config.headers,
        },
        body: JSON.stringify({
          model: config.model,
          input,
          ...(config.sendDimensions && config.dimensions !== undefined && { dimensions: config.dimensions }),
        }),
        signal: combined,
      });
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (timeout.aborted) {
        throw new EmbedderUpstreamError(`${label} timed out after ${timeoutMs} ms`, undefined, true, {
          cause: error,
        });
      }
      throw new EmbedderUpstreamError(`${label} could not be reached: ${describe(error)}`, undefined, true, {
        cause: error,
      });
    }

    if (!response.ok) {
      const info = parseErrorBody(text);
      const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
      const detail = [
        info.type,
        info.code !== undefined && info.code !== response.status ? info.code : undefined,
      ]
        .filter((part) => part !== undefined && part !== '')
        .join(' ');
      const error = new EmbedderUpstreamError(
        `${label} answered ${response.status}${detail ? ` ${detail}` : ''}: ${info.message}`,
        response.status,
        retryable,
      );
      const retryAfter =
        parseRetryAfterMs(response.headers.get('retry-after-ms')) ??
        parseRetryAfter(response.headers.get('retry-after'));
      if (retryAfter !== undefined) retryAfterOf.set(error, retryAfter);
      throw error;
    }
    return parseEmbeddings(text, input.length, response.status);
  }

  function parseEmbeddings(text: string, expected: number, status: number): EmbeddingsBatch {
    const invalid = (why: string) =>
      new EmbedderUpstreamError(`${label} sent an invalid embeddings response: ${why}`, status, false);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw invalid(`not JSON: ${text.slice(0, 200)}`);
    }
    const data = (body as { data?: unknown })?.data;
    if (!Array.isArray(data)) throw invalid('no `data` array');
    if (data.length !== expected) throw invalid(`${data.length} embeddings for ${expected} inputs`);
    const vectors: number[][] = new Array(expected);
    for (const item of data as Array<{ index?: unknown; embedding?: unknown }>) {
      const index = item?.index;
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= expected) {
        throw invalid(`embedding index ${JSON.stringify(index)} is not an integer in 0..${expected - 1}`);
      }
      if (vectors[index]) throw invalid(`embedding index ${index} appears twice`);
      const vector = toVector(item.embedding);
      if (!vector) throw invalid(`embedding ${index} is not an array of finite numbers`);
      vectors[index] = vector;
    }
    const width = (vectors[0] as number[]).length;
    if (width === 0) throw invalid('empty embedding');
    for (const [index, vector] of vectors.entries()) {
      if (vector.length !== width)
        throw invalid(`embedding ${index} has ${vector.length} dimensions, embedding 0 ${width}`);
    }
    if (knownDimensions !== undefined && width !== knownDimensions) {
      throw invalid(`embeddings have ${width} dimensions, expected ${knownDimensions}`);
    }
    const promptTokens = (body as { usage?: { prompt_tokens?: unknown } }).usage?.prompt_tokens;
    const inputTokens =
      typeof promptTokens === 'number' && Number.isInteger(promptTokens) && promptTokens >= 0
        ? promptTokens
        : 0;
    return { vectors, inputTokens };
  }

  function request(input: string[], signal: AbortSignal | undefined): Promise<EmbeddingsBatch> {
    return retryWithBackoff(() => requestOnce(input, signal), {
      attempts,
      ...(config.retryBaseDelayMs !== undefined && { baseDelayMs: config.retryBaseDelayMs }),
      ...(signal && { signal }),
      classify: (error) => {
        if (!(error instanceof EmbedderUpstreamError) || !error.retryable) return { retry: false };
        const retryAfterMs = retryAfterOf.get(error);
        return retryAfterMs === undefined ? { retry: true } : { retry: true, retryAfterMs };
      },
    });
  }

  async function embedAll(texts: string[], signal: AbortSignal | undefined): Promise<EmbedResult> {
    signal?.throwIfAborted();
    const vectors: number[][] = [];
    let inputTokens = 0;
    for (let start = 0; start < texts.length; start += batchSize) {
      const batch = await request(texts.slice(start, start + batchSize), signal);
      vectors.push(...batch.vectors);
      inputTokens += batch.inputTokens;
      knownDimensions ??= batch.vectors[0]?.length;
    }
    return { vectors, usage: { inputTokens }, model: config.model, dimensions: knownDimensions ?? 0 };
  }

  return {
    name: config.name,
    kind: 'openai-compatible',
    model: config.model,
    async dimensions(options) {
      if (knownDimensions !== undefined) return knownDimensions;
      probing ??= embedAll(['dimension probe'], options?.signal).then(
        (result) => result.dimensions,
        (error: unknown) => {
          probing = undefined;
          if (options?.signal?.aborted) throw error;
          throw new EmbedderUnavailableError(
            `could not probe ${label} for its dimension (${describe(error)}). Check baseURL, apiKey and model, that the server is up, or set dimensions in the config to skip the probe.`,
            { cause: error },
          );
        },
      );
      return probing;
    },
    embed(texts: string[], options?: EmbedOptions): Promise<EmbedResult> {
      if (texts.length === 0) {
        options?.signal?.throwIfAborted();
        return Promise.resolve({
          vectors: [],
          usage: { inputTokens: 0 },
          model: config.model,
          dimensions: knownDimensions ?? 0,
        });
      }
      return embedAll(texts, options?.signal);
    },
  };
}

function parseErrorBody(text: string): UpstreamErrorInfo {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { message: text.trim().slice(0, 500) || '(empty body)' };
  }
  if (body && typeof body === 'object') {
    const record = body as Record<string, unknown>;
    const nested = record.error;
    // OpenAI and vLLM >= 0.10.1: {"error": {"message", "type", "code"}}
    if (nested && typeof nested === 'object') return pickInfo(nested as Record<string, unknown>, text);
    // text-embeddings-inference: {"error": "...", "error_type": "..."}; vLLM auth: {"error": "Unauthorized"}
    if (typeof nested === 'string') {
      return { message: nested, ...(typeof record.error_type === 'string' && { type: record.error_type }) };
    }
    // vLLM <= 0.10.0: {"object": "error", "message", "type", "code"}
    if (typeof record.message === 'string') return pickInfo(record, text);
  }
  return { message: text.slice(0, 500) };
}

function pickInfo(record: Record<string, unknown>, text: string): UpstreamErrorInfo {
  const code = record.code;
  return {
    message: typeof record.message === 'string' ? record.message : text.slice(0, 500),
    ...(typeof record.type === 'string' && { type: record.type }),
    ...((typeof code === 'string' || typeof code === 'number') && { code }),
  };
}

function toVector(embedding: unknown): number[] | undefined {
  if (typeof embedding === 'string') return decodeBase64Floats(embedding);
  if (!Array.isArray(embedding)) return undefined;
  for (const value of embedding) if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  return embedding as number[];
}

/** `encoding_format: "base64"` answers: little-endian float32s. */
function decodeBase64Floats(encoded: string): number[] | undefined {
  const bytes = decodeBase64(encoded);
  if (!bytes || bytes.length % 4 !== 0) return undefined;
  const view = new DataView(bytes.buffer);
  const values: number[] = [];
  for (let offset = 0; offset < bytes.length; offset += 4) values.push(view.getFloat32(offset, true));
  return values.every(Number.isFinite) ? values : undefined;
}

function parseRetryAfterMs(value: string | null): number | undefined {
  if (value === null || !/^\d+(\.\d+)?$/.test(value.trim())) return undefined;
  return Math.round(Number(value));
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}
