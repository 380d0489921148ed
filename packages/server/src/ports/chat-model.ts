/**
 * One upstream model endpoint (a vLLM replica, a trtllm-serve server, a Triton model, a Bedrock model,
 * any OpenAI-compatible API). The gateway speaks OpenAI's schemas to clients and to this port: chat
 * completions, and the legacy text completions of `POST /v1/completions`. Each adapter translates to
 * its target's protocol and back.
 *
 * Timeouts are the caller's: it passes an AbortSignal and measures time to headers (adapters call
 * `onResponse`), to first token and between parts. Adapters never retry and never fall back; they
 * report what happened, precisely.
 */
export interface ChatModel {
  readonly target: ChatTarget;
  /** A non-streaming call. Rejects with UpstreamError. */
  generate(request: ChatRequest, options: ChatCallOptions): Promise<ChatResult>;
  /**
   * A streaming call. Resolves once the upstream has accepted the request (a 2xx status and headers),
   * rejects with UpstreamError before that. The iterable yields parts as they arrive and ends only on
   * the upstream's clean end of stream (`[DONE]` or the protocol's equivalent); a cut, a malformed
   * frame or an error frame inside a 200 stream makes iteration throw UpstreamError.
   */
  stream(request: ChatRequest, options: ChatCallOptions): Promise<AsyncIterable<ChatStreamPart>>;
  /**
   * A non-streaming legacy completion: the prompt goes to the model as is, no chat template, where the
   * target has such an API (OpenAI-compatible targets, Triton). Bedrock has none and sends the prompt
   * as one user turn through Converse. Fails like `generate`.
   */
  complete(request: CompletionRequest, options: ChatCallOptions): Promise<CompletionResult>;
  /** A streaming legacy completion; resolves, yields and fails like `stream`. */
  streamCompletion(
    request: CompletionRequest,
    options: ChatCallOptions,
  ): Promise<AsyncIterable<CompletionStreamPart>>;
}

export type ChatTargetKind = 'vllm' | 'trtllm' | 'triton' | 'bedrock' | 'openai-compatible';

export interface ChatTarget {
  /** Unique name of this target in the gateway config, e.g. "vllm-a100-1". */
  id: string;
  kind: ChatTargetKind;
  /** The model name the upstream expects (replaces the client's logical model name). */
  model: string;
}

export interface ChatCallOptions {
  signal: AbortSignal;
  /** Ask for token usage in the stream's last part, when the protocol can report it. Default true. */
  includeUsage?: boolean;
  /**
   * Called as soon as the upstream's response headers arrive, whatever the status, before the body is
   * read; at most once per call. The caller stops its connect deadline there: a non-streaming body can
   * take minutes to generate after headers that came at once.
   */
  onResponse?: () => void;
}

/**
 * An OpenAI chat completion request body. `model` is the upstream model (the gateway has already
 * resolved the client's logical name). Unknown fields (vLLM's `top_k`, `min_p`, ...) are kept; each
 * adapter decides what its target accepts.
 */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  stop?: string | string[] | null;
  seed?: number | null;
  n?: number | null;
  user?: string;
  [field: string]: unknown;
}

export interface ChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  /** A string, or OpenAI content parts (`{type: 'text', text}`, ...). */
  content: string | ChatContentPart[] | null;
  name?: string;
  tool_call_id?: string;
  tool_calls?: unknown[];
}

export interface ChatContentPart {
  type: string;
  text?: string;
  [field: string]: unknown;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  /** Input tokens served from a prompt cache (a subset of inputTokens). */
  cachedInputTokens: number;
  /** Output tokens spent on reasoning (a subset of outputTokens). */
  reasoningTokens: number;
}

export interface ChatResult {
  /** An OpenAI `chat.completion` object (id, created, model, choices, usage). */
  completion: ChatCompletion;
  /** Null when the upstream did not report usage. */
  usage: TokenUsage | null;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: {
    index: number;
    message: { role: 'assistant'; content: string | null; [field: string]: unknown };
    finish_reason: string | null;
    [field: string]: unknown;
  }[];
  usage?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: {
    index: number;
    delta: { role?: string; content?: string | null; [field: string]: unknown };
    finish_reason: string | null;
    [field: string]: unknown;
  }[];
  usage?: Record<string, unknown> | null;
  [field: string]: unknown;
}

export type StreamPart<Chunk> =
  /**
   * A chunk for the client. `raw` is the chunk's JSON text exactly as the upstream sent it, when the
   * upstream speaks OpenAI's format, so the gateway can forward it without re-serialising.
   */
  | { type: 'chunk'; chunk: Chunk; raw?: string }
  /** The upstream's token usage, once, near the end (for OpenAI-compatible upstreams, the usage chunk). */
  | { type: 'usage'; usage: TokenUsage; raw?: string };

export type ChatStreamPart = StreamPart<ChatCompletionChunk>;

/**
 * A prompt of `POST /v1/completions`: text, a batch of texts, token ids, or a batch of token-id arrays.
 * Token ids and batches reach only OpenAI-compatible targets; Triton and Bedrock take one text.
 */
export type CompletionPrompt = string | string[] | number[] | number[][];

/**
 * An OpenAI legacy completion request body, `model` resolved to the upstream's name like ChatRequest.
 * Unknown fields are kept; each adapter decides what its target accepts.
 */
export interface CompletionRequest {
  model: string;
  prompt: CompletionPrompt;
  max_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  stop?: string | string[] | null;
  seed?: number | null;
  n?: number | null;
  best_of?: number | null;
  echo?: boolean | null;
  suffix?: string | null;
  logprobs?: number | null;
  user?: string;
  [field: string]: unknown;
}

/**
 * An OpenAI `text_completion` object. Streamed chunks have the same shape (OpenAI's schema says so):
 * `choices[].text` is then the new text, and the usage chunk has no choices.
 */
export interface TextCompletion {
  id: string;
  object: 'text_completion';
  created: number;
  model: string;
  choices: {
    index: number;
    text: string;
    logprobs: unknown;
    finish_reason: string | null;
    [field: string]: unknown;
  }[];
  usage?: Record<string, unknown> | null;
  [field: string]: unknown;
}

export interface CompletionResult {
  completion: TextCompletion;
  /** Null when the upstream did not report usage. */
  usage: TokenUsage | null;
}

export type CompletionStreamPart = StreamPart<TextCompletion>;

export type UpstreamFailureKind =
  /** The upstream answered with an error status (before any stream began). */
  | 'http'
  /** No response: connection refused or reset, DNS, TLS, the socket closed before headers. */
  | 'connection'
  /** The response or stream broke its protocol: malformed frame, cut without an end, unexpected shape. */
  | 'protocol'
  /** An error reported inside a 2xx response or stream (Bedrock exception events, Triton error frames). */
  | 'stream-error'
  /** The caller's signal aborted the call. */
  | 'aborted';

export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(
    message: string,
    readonly details: {
      kind: UpstreamFailureKind;
      target: string;
      /** HTTP status for 'http'; for Bedrock stream errors the status the exception maps to (429 throttling). */
      status?: number;
      /** Milliseconds from Retry-After / retry-after-ms, when the upstream sent one. */
      retryAfterMs?: number;
      /** The upstream's own error type or code, e.g. "ThrottlingException", "BadRequestError". */
      code?: string;
    },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
