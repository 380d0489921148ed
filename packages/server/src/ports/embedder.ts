/** Turns texts into vectors. One adapter per engine (local ONNX, OpenAI-compatible, Bedrock). */
export interface Embedder {
  /** The configured name collections refer to, e.g. "local". */
  readonly name: string;
  /** Adapter kind, e.g. "transformers", "openai-compatible", "bedrock". */
  readonly kind: string;
  /** The model id, e.g. "Xenova/all-MiniLM-L6-v2". */
  readonly model: string;
  /**
   * Loads what the embedder needs (model files, a probe call) and returns its dimension.
   * Throws EmbedderUnavailableError with a message that says how to fix it.
   */
  dimensions(options?: { signal?: AbortSignal }): Promise<number>;
  embed(texts: string[], options?: EmbedOptions): Promise<EmbedResult>;
}

export interface EmbedOptions {
  signal?: AbortSignal;
  /** Some models embed queries and documents differently (e5 prefixes, Cohere input_type). */
  purpose?: 'query' | 'document';
}

export interface EmbedResult {
  vectors: number[][];
  usage: { inputTokens: number };
  model: string;
  dimensions: number;
}

export class EmbedderUnavailableError extends Error {
  override readonly name = 'EmbedderUnavailableError';
}

/** An upstream embedding service failed after retries; `status` is the upstream HTTP status when known. */
export class EmbedderUpstreamError extends Error {
  override readonly name = 'EmbedderUpstreamError';
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
