import type { BedrockRuntimeClient, BedrockRuntimeClientConfig } from '@aws-sdk/client-bedrock-runtime';
import {
  type Embedder,
  EmbedderUnavailableError,
  EmbedderUpstreamError,
  type EmbedOptions,
  type EmbedResult,
} from '../../ports/embedder.js';
import { lazyBedrockClient } from '../bedrock/lazy-bedrock-client.js';

export interface BedrockEmbedderConfig {
  name: string;
  /** amazon.titan-embed-text-v2:0, cohere.embed-english-v3 or cohere.embed-multilingual-v3. */
  model: string;
  region: string;
  /** Titan V2: 256, 512 or 1024 (default 1024), sent with each call. Cohere: the expected size. */
  dimensions?: number;
  /** A preconfigured client (tests pass one with an HTTP/1 handler); region/credentials/maxRetries are then ignored. */
  client?: BedrockRuntimeClient;
  /** Static keys or a provider; default: the SDK's chain (env, profile, IAM role). */
  credentials?: BedrockRuntimeClientConfig['credentials'];
  /** SDK retries of throttling, 5xx and ModelNotReady; default 2. */
  maxRetries?: number;
  /** Titan embeds one text per call: how many calls run at once. Default 8. */
  concurrency?: number;
}

type Family = 'titan-v2' | 'cohere';

const TITAN_DIMENSIONS = [256, 512, 1024];
const COHERE_V3_DIMENSIONS = 1024;
const COHERE_MAX_TEXTS = 96;
// Bedrock rejects longer Cohere texts instead of truncating them; we cut at the same end `truncate: END` does.
const COHERE_MAX_CHARS = 2048;
const RETRYABLE = new Set([
  'ThrottlingException',
  'ModelNotReadyException',
  'ModelTimeoutException',
  'InternalServerException',
  'ServiceUnavailableException',
]);

interface Invocation {
  body: unknown;
  /** From the unmodeled `x-amzn-bedrock-input-token-count` header. */
  headerTokens: number | undefined;
}

/** Embedder on Amazon Bedrock InvokeModel (Titan Text Embeddings V2, Cohere embed v3). */
export function createBedrockEmbedder(config: BedrockEmbedderConfig): Embedder {
  const family = familyOf(config.model);
  const loadClient = lazyBedrockClient({ ...config, maxAttempts: Math.max(0, config.maxRetries ?? 2) + 1 });
  const loadSdk = async () => {
    const { client, sdk } = await loadClient();
    return { client, InvokeModelCommand: sdk.InvokeModelCommand };
  };
  const concurrency = Math.max(1, config.concurrency ?? 8);
  // Every supported model has a known size, so dimensions() never needs a call.
  const knownDimensions = config.dimensions ?? (family === 'titan-v2' ? 1024 : COHERE_V3_DIMENSIONS);

  function checkConfig(): void {
    if (!family) {
      throw new EmbedderUnavailableError(
        `Bedrock model "${config.model}" is not a supported embedding model; use amazon.titan-embed-text-v2:0, cohere.embed-english-v3 or cohere.embed-multilingual-v3.`,
      );
    }
    if (family === 'titan-v2' && !TITAN_DIMENSIONS.includes(knownDimensions)) {
      throw new EmbedderUnavailableError(
        `Bedrock model "${config.model}" supports dimensions 256, 512 or 1024, not ${config.dimensions}.`,
      );
    }
  }

  async function invoke(body: unknown, signal: AbortSignal | undefined): Promise<Invocation> {
    const { client, InvokeModelCommand } = await loadSdk();
    const command = new InvokeModelCommand({
      modelId: config.model,
      contentType: 'application/json',
      accept: 'application/json',
      body: new TextEncoder().encode(JSON.stringify(body)),
    });
    let headerTokens: number | undefined;
    command.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        const headers = (result.response as { headers?: Record<string, string> }).headers ?? {};
        const header = Object.entries(headers).find(
          ([name]) => name.toLowerCase() === 'x-amzn-bedrock-input-token-count',
        );
        const value = header ? Number(header[1]) : Number.NaN;
        if (Number.isInteger(value) && value >= 0) headerTokens = value;
        return result;
      },
      { step: 'deserialize', name: 'raglineInputTokenCount' },
    );
    try {
      const response = await client.send(command, signal ? { abortSignal: signal } : {});
      let parsed: unknown;
      try {
        parsed = JSON.parse(new TextDecoder().decode(response.body));
      } catch {
        throw invalid('the body is not JSON');
      }
      return { body: parsed, headerTokens };
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw toEmbedderError(error);
    }
  }

  function invalid(why: string): EmbedderUpstreamError {
    return new EmbedderUpstreamError(
      `Bedrock ${config.model} sent an invalid embeddings response: ${why}`,
      200,
      false,
    );
  }

  function toEmbedderError(error: unknown): Error {
    if (error instanceof EmbedderUpstreamError) return error;
    const err = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    if (err?.name === 'CredentialsProviderError') {
      return new EmbedderUnavailableError(
        `no AWS credentials for Bedrock (${err.message}); set credentials in the config, or AWS_PROFILE / AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run with an IAM role.`,
        { cause: error },
      );
    }
    const status = err?.$metadata?.httpStatusCode;
    const name = err?.name ?? 'Error';
    const hint =
      name === 'AccessDeniedException' || name === 'ResourceNotFoundException'
        ? ` (check that ${config.model} is enabled for this account in ${config.region})`
        : '';
    return new EmbedderUpstreamError(
      `Bedrock InvokeModel ${config.model} failed: ${name}: ${err?.message ?? String(error)}${hint}`,
      status,
      RETRYABLE.has(name) || status === undefined || status >= 500,
      { cause: error },
    );
  }

  function checkVector(vector: unknown, what: string): number[] {
    if (
      !Array.isArray(vector) ||
      vector.length === 0 ||
      !vector.every((v) => typeof v === 'number' && Number.isFinite(v))
    ) {
      throw invalid(`${what} is not an array of finite numbers`);
    }
    if (vector.length !== knownDimensions) {
      throw invalid(`${what} has ${vector.length} dimensions, expected ${knownDimensions}`);
    }
    return vector as number[];
  }

  async function embedTitan(texts: string[], signal: AbortSignal | undefined) {
    const vectors: number[][] = new Array(texts.length);
    let inputTokens = 0;
    let next = 0;
    let failed = false;
    const worker = async () => {
      while (next < texts.length && !failed) {
        const index = next++;
        const { body, headerTokens } = await invoke(
          { inputText: texts[index], dimensions: knownDimensions, normalize: true },
          signal,
        ).catch((error: unknown) => {
          failed = true; // the other workers stop after their call in flight
          throw error;
        });
        const result = body as { embedding?: unknown; inputTextTokenCount?: unknown };
        vectors[index] = checkVector(result?.embedding, 'the embedding');
        const count = result.inputTextTokenCount;
        inputTokens +=
          typeof count === 'number' && Number.isInteger(count) && count >= 0 ? count : (headerTokens ?? 0);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, texts.length) }, worker));
    return { vectors, inputTokens };
  }

  async function embedCohere(
    texts: string[],
    purpose: EmbedOptions['purpose'],
    signal: AbortSignal | undefined,
  ) {
    const vectors: number[][] = [];
    let inputTokens = 0;
    for (let start = 0; start < texts.length; start += COHERE_MAX_TEXTS) {
      const batch = texts
        .slice(start, start + COHERE_MAX_TEXTS)
        .map((text) => text.slice(0, COHERE_MAX_CHARS));
      const { body, headerTokens } = await invoke(
        {
          texts: batch,
          input_type: purpose === 'query' ? 'search_query' : 'search_document',
          truncate: 'END',
        },
        signal,
      );
      const embeddings = (body as { embeddings?: unknown })?.embeddings;
      // embed v3 answers `embeddings: number[][]`; with embedding_types (and v4) it is `{ float: number[][] }`.
      const floats = Array.isArray(embeddings)
        ? embeddings
        : (embeddings as { float?: unknown } | undefined)?.float;
      if (!Array.isArray(floats)) throw invalid('no `embeddings` array');
      if (floats.length !== batch.length)
        throw invalid(`${floats.length} embeddings for ${batch.length} texts`);
      floats.forEach((vector, i) => {
        vectors.push(checkVector(vector, `embedding ${start + i}`));
      });
      inputTokens += headerTokens ?? 0;
    }
    return { vectors, inputTokens };
  }

  async function embedAll(texts: string[], options: EmbedOptions | undefined): Promise<EmbedResult> {
    options?.signal?.throwIfAborted();
    checkConfig();
    const { vectors, inputTokens } =
      family === 'titan-v2'
        ? await embedTitan(texts, options?.signal)
        : await embedCohere(texts, options?.purpose, options?.signal);
    return { vectors, usage: { inputTokens }, model: config.model, dimensions: knownDimensions };
  }

  return {
    name: config.name,
    kind: 'bedrock',
    model: config.model,
    async dimensions() {
      checkConfig();
      return knownDimensions;
    },
    async embed(texts: string[], options?: EmbedOptions): Promise<EmbedResult> {
      if (texts.length === 0) {
        options?.signal?.throwIfAborted();
        return { vectors: [], usage: { inputTokens: 0 }, model: config.model, dimensions: knownDimensions };
      }
      return embedAll(texts, options);
    },
  };
}

function familyOf(model: string): Family | undefined {
  if (/(^|\.)amazon\.titan-embed-text-v2/.test(model)) return 'titan-v2';
  if (/(^|\.)cohere\.embed-(english|multilingual)-v3/.test(model)) return 'cohere';
  return undefined;
}
