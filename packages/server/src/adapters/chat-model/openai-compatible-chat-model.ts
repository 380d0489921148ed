import { byteSourceOf } from '../../core/byte-source.js';
import {
  type ChatCallOptions,
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatModel,
  type ChatRequest,
  type ChatResult,
  type ChatTarget,
  type CompletionRequest,
  type CompletionResult,
  type StreamPart,
  type TextCompletion,
  UpstreamError,
  type UpstreamFailureKind,
} from '../../ports/chat-model.js';
import { httpError, parseOpenAIErrorBody } from './openai-compatible-errors.js';
import {
  type OpenAICompatibleKind,
  type OpenAIEndpoint,
  toWireBody,
} from './openai-compatible-field-policy.js';
import { describeError as describe, hasChoices, isErrorObject } from './openai-frames.js';
import { openAIStreamParts } from './openai-stream-parts.js';
import { toTokenUsage } from './openai-usage.js';

export interface OpenAICompatibleChatModelConfig {
  /** The target's name in the gateway config. */
  id: string;
  kind: OpenAICompatibleKind;
  /** Including the version prefix, e.g. "http://vllm-1:8000/v1" or "https://api.openai.com/v1". */
  baseURL: string;
  /** The upstream model name; used when a request names none. */
  model: string;
  apiKey?: string;
  headers?: Record<string, string>;
  /**
   * Whether the upstream understands `stream_options.include_usage` (vLLM, trtllm-serve and OpenAI
   * do). Turn off for an OpenAI-compatible API that rejects it. Default true.
   */
  streamUsage?: boolean;
  /** Injected in tests or on runtimes with a special fetch. Default: globalThis.fetch at call time. */
  fetch?: typeof fetch;
}

/**
 * A ChatModel for OpenAI's chat completions and legacy completions protocols: vLLM, trtllm-serve,
 * OpenAI and any compatible API. Only fetch and web streams (or, on Node, the upstream fetch's ByteSource;
 * see core/byte-source.ts), so it runs on Node and Workers alike. The
 * per-kind field policy is in openai-compatible-field-policy.ts.
 */
export function createOpenAICompatibleChatModel(config: OpenAICompatibleChatModelConfig): ChatModel {
  const target: ChatTarget = { id: config.id, kind: config.kind, model: config.model };
  const base = config.baseURL.replace(/\/+$/, '');
  const urls: Record<OpenAIEndpoint, string> = {
    chat: `${base}/chat/completions`,
    completions: `${base}/completions`,
  };
  /** What each endpoint answers, for error messages. */
  const answers: Record<OpenAIEndpoint, { object: string; chunk: string }> = {
    chat: { object: 'a chat completion', chunk: 'a chat completion chunk' },
    completions: { object: 'a text completion', chunk: 'a text completion chunk' },
  };
  const baseHeaders: Record<string, string> = {
    'content-type': 'application/json',
    ...(config.apiKey && { authorization: `Bearer ${config.apiKey}` }),
    ...config.headers,
  };
  const fail = (
    kind: UpstreamFailureKind,
    message: string,
    cause?: unknown,
    extra?: { status?: number; code?: string },
  ) => new UpstreamError(`${config.id}: ${message}`, { kind, target: config.id, ...extra }, { cause });
  const aborted = (signal: AbortSignal) => fail('aborted', 'the request was aborted', signal.reason);

  /** POSTs the body; resolves with a 2xx response, rejects with UpstreamError otherwise. */
  async function send(
    endpoint: OpenAIEndpoint,
    body: Record<string, unknown>,
    options: ChatCallOptions,
    stream: boolean,
  ): Promise<Response> {
    const { signal } = options;
    const url = urls[endpoint];
    if (signal.aborted) throw aborted(signal);
    if (body.model === undefined || body.model === '') body.model = config.model;
    let response: Response;
    try {
      response = await (config.fetch ?? globalThis.fetch)(url, {
        method: 'POST',
        headers: stream ? { ...baseHeaders, accept: 'text/event-stream' } : baseHeaders,
        body: JSON.stringify(body),
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw aborted(signal);
      throw fail('connection', `could not reach ${url}: ${describe(error)}`, error);
    }
    options.onResponse?.();
    if (response.ok) return response;
    let text = '';
    try {
      text = await response.text();
    } catch {
      if (signal.aborted) throw aborted(signal);
    }
    throw httpError(config.id, response, text);
  }

  /** A non-streaming call: the whole JSON body, checked to carry `choices`. */
  async function fetchObject<T>(
    endpoint: OpenAIEndpoint,
    request: ChatRequest | CompletionRequest,
    options: ChatCallOptions,
  ): Promise<T> {
    const { signal } = options;
    const body = toWireBody(config.kind, request, { stream: false, includeUsage: false }, endpoint);
    const response = await send(endpoint, body, options, false);
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      if (signal.aborted) throw aborted(signal);
      throw fail('protocol', `the response body broke off: ${describe(error)}`, error);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw fail('protocol', `the response is not JSON: ${text.slice(0, 200)}`, error);
    }
    if (isErrorObject(parsed)) throw streamError(parsed, 'in a 2xx response');
    if (!hasChoices(parsed))
      throw fail('protocol', `the response is not ${answers[endpoint].object}: ${text.slice(0, 200)}`);
    return parsed as T;
  }

  async function openStream<Chunk>(
    endpoint: OpenAIEndpoint,
    request: ChatRequest | CompletionRequest,
    options: ChatCallOptions,
  ): Promise<AsyncIterable<StreamPart<Chunk>>> {
    const includeUsage = options.includeUsage !== false && config.streamUsage !== false;
    const body = toWireBody(config.kind, request, { stream: true, includeUsage }, endpoint);
    const response = await send(endpoint, body, options, true);
    const source = byteSourceOf(response);
    if (!source) throw fail('protocol', 'the 2xx stream response has no body');
    return openAIStreamParts<Chunk>(source, {
      signal: options.signal,
      includeUsage,
      what: answers[endpoint].chunk,
      fail,
      aborted,
      streamError,
    });
  }

  /** An `{"error": ...}` object sent with a 2xx status, as vLLM does when generation fails mid-stream. */
  function streamError(value: unknown, where: string): UpstreamError {
    const info = parseOpenAIErrorBody(JSON.stringify(value));
    return fail(
      'stream-error',
      `the upstream reported an error ${where}: ${info.message ?? 'unknown error'}`,
      undefined,
      {
        ...(info.status !== undefined && info.status >= 400 && info.status < 600 && { status: info.status }),
        ...(info.code !== undefined && { code: info.code }),
      },
    );
  }

  return {
    target,
    async generate(request, options): Promise<ChatResult> {
      const completion = await fetchObject<ChatCompletion>('chat', request, options);
      return { completion, usage: toTokenUsage(completion.usage) };
    },
    stream: (request, options) => openStream<ChatCompletionChunk>('chat', request, options),
    async complete(request, options): Promise<CompletionResult> {
      const completion = await fetchObject<TextCompletion>('completions', request, options);
      return { completion, usage: toTokenUsage(completion.usage) };
    },
    streamCompletion: (request, options) => openStream<TextCompletion>('completions', request, options),
  };
}
