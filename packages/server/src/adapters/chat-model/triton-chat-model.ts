import { ApiError } from '../../core/api-error.js';
import { toHex } from '../../core/ids.js';
import { parseRetryAfter } from '../../core/retry.js';
import { readSse } from '../../core/sse.js';
import {
  type ChatCallOptions,
  type ChatCompletionChunk,
  type ChatModel,
  type ChatRequest,
  type ChatResult,
  type ChatStreamPart,
  type ChatTarget,
  type CompletionRequest,
  UpstreamError,
  type UpstreamFailureKind,
} from '../../ports/chat-model.js';
import { singleTextPrompt, textCompletionParts, textCompletionResult } from './text-completion-from-chat.js';
import { renderTritonPrompt, type TritonPromptTemplate } from './triton-prompt.js';

export interface TritonChatModelConfig {
  /** The target's name in the gateway config. */
  id: string;
  /** Server root, e.g. "http://triton:8000" (the adapter adds `/v2/models/...`). */
  baseURL: string;
  /** The Triton model name, e.g. "ensemble" or "tensorrt_llm_bls". */
  model: string;
  /** A model version; when left out Triton picks one by its version policy. */
  version?: string;
  /** How messages become `text_input`; see TritonPromptFormat for the default. */
  promptTemplate?: TritonPromptTemplate;
  /**
   * Used when the request sets neither max_tokens nor max_completion_tokens. TensorRT-LLM ensembles
   * require `max_tokens` (a request without it is a 400); other models pick their own default.
   */
  defaultMaxTokens?: number;
  /**
   * Send `exclude_input_in_output: true` (default). Without it, the TensorRT-LLM ensemble and the vLLM
   * backend both put the prompt in front of a non-streamed `text_output`. Models without such an input
   * receive it as an ignored request parameter; set false for a model that rejects unknown parameters.
   */
  excludeInputInOutput?: boolean;
  /** More top-level request keys, which Triton maps to model inputs, e.g. `{ end_id: 2, pad_id: 2 }`. */
  inputs?: Record<string, unknown>;
  headers?: Record<string, string>;
  fetch?: typeof fetch;
  /** Clock for `created`; default Date.now. */
  now?: () => number;
}

/** The sampling fields chat and legacy completion requests share. */
type Sampling = Pick<CompletionRequest, 'n' | 'max_tokens' | 'temperature' | 'top_p' | 'stop'> & {
  max_completion_tokens?: number | null;
};

/**
 * A ChatModel for Triton Inference Server's generate extension (`/v2/models/{model}[/versions/{v}]/generate`
 * and `/generate_stream`). Triton takes one `text_input` string, so messages are rendered into a prompt.
 *
 * Request mapping: max_tokens (or max_completion_tokens, or `defaultMaxTokens`) -> top-level `max_tokens`;
 * stop -> top-level `stop_words`, an array of strings (the TensorRT-LLM preprocessing model tokenizes each
 * string as one stop sequence; TensorRT-LLM may leave the stop text at the end of the output, and this
 * adapter does not trim it); temperature and top_p -> `parameters`, which Triton hands to the model as
 * inputs of those names (the ensemble's `temperature`/`top_p`) or request parameters. Every other OpenAI
 * field is dropped; `n` > 1 is refused, since Triton returns one sequence.
 *
 * Response mapping: `text_output` is the assistant content. Triton reports no token usage, so usage is
 * null and no usage part is streamed. Triton says nothing about why generation stopped either: the finish
 * reason is 'stop' unless the model returns a `finish_reason` output (the vLLM backend does when asked
 * with `return_finish_reason`), whose "length" is kept. The `sequence_*` keys of TensorRT-LLM responses
 * are the sequence batcher's correlation flags, not an end-of-generation signal, and are ignored.
 *
 * Streams have no `[DONE]`: a stream is complete when the body ends cleanly after at least one frame; the
 * adapter then sends a last chunk with the finish reason. A `data: {"error": ...}` frame is a
 * 'stream-error'; a frame that is not JSON, a body cut mid-frame or broken off, or an empty stream is
 * 'protocol'.
 *
 * Legacy completions send the prompt itself as `text_input`, without any template, with the same
 * sampling mapping; one text prompt per request (see singleTextPrompt for what is refused).
 */
export function createTritonChatModel(config: TritonChatModelConfig): ChatModel {
  const target: ChatTarget = { id: config.id, kind: 'triton', model: config.model };
  const doFetch = config.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const now = config.now ?? Date.now;
  const modelPath = `${config.baseURL.replace(/\/+$/, '')}/v2/models/${encodeURIComponent(config.model)}${
    config.version === undefined ? '' : `/versions/${encodeURIComponent(config.version)}`
  }`;
  const label = `Triton target ${config.id} (model ${config.model})`;

  const fail = (
    kind: UpstreamFailureKind,
    message: string,
    extra: { status?: number; retryAfterMs?: number } = {},
    cause?: unknown,
  ) =>
    new UpstreamError(
      `${label}: ${message}`,
      { kind, target: config.id, ...extra },
      cause === undefined ? undefined : { cause },
    );

  function buildBody(textInput: string, request: Sampling, stream: boolean): Record<string, unknown> {
    if (typeof request.n === 'number' && request.n > 1) {
      throw new ApiError('INVALID_REQUEST', `n: Triton target ${config.id} returns one choice; n must be 1`);
    }
    const maxTokens = request.max_completion_tokens ?? request.max_tokens ?? config.defaultMaxTokens;
    const stop = request.stop;
    const stopWords =
      stop === null || stop === undefined ? [] : (Array.isArray(stop) ? stop : [stop]).filter(Boolean);
    const parameters: Record<string, string | number | boolean> = {};
    if (typeof request.temperature === 'number') parameters.temperature = request.temperature;
    if (typeof request.top_p === 'number') parameters.top_p = request.top_p;
    if (stream) parameters.stream = true;
    return {
      text_input: textInput,
      ...(typeof maxTokens === 'number' && { max_tokens: maxTokens }),
      ...(stopWords.length > 0 && { stop_words: stopWords }),
      ...(config.excludeInputInOutput !== false && { exclude_input_in_output: true }),
      ...config.inputs,
      ...(Object.keys(parameters).length > 0 && { parameters }),
    };
  }

  /** POSTs and returns a 2xx response; anything else becomes an UpstreamError. */
  async function post(
    path: string,
    body: Record<string, unknown>,
    signal: AbortSignal,
    options: ChatCallOptions,
  ) {
    const callerSignal = options.signal;
    let response: Response;
    try {
      response = await doFetch(`${modelPath}/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...config.headers },
        body: JSON.stringify(body),
        signal,
      });
    } catch (error) {
      if (callerSignal.aborted)
        throw fail('aborted', 'the caller aborted the request', {}, callerSignal.reason);
      throw fail('connection', `could not be reached: ${describe(error)}`, {}, error);
    }
    options.onResponse?.();
    if (response.ok) return response;

    const text = await response.text().catch(() => {
      if (callerSignal.aborted)
        throw fail('aborted', 'the caller aborted the request', {}, callerSignal.reason);
      return '';
    });
    const retryAfterMs =
      parseRetryAfterMs(response.headers.get('retry-after-ms')) ??
      parseRetryAfter(response.headers.get('retry-after'));
    throw fail('http', `answered ${response.status}: ${errorMessage(text) || response.statusText}`, {
      status: response.status,
      ...(retryAfterMs !== undefined && { retryAfterMs }),
    });
  }

  function abortedOr(error: unknown, callerSignal: AbortSignal, kind: UpstreamFailureKind, message: string) {
    if (error instanceof UpstreamError) return error;
    if (callerSignal.aborted)
      return fail('aborted', 'the caller aborted the request', {}, callerSignal.reason);
    return fail(kind, `${message}: ${describe(error)}`, {}, error);
  }

  const chatPrompt = (request: ChatRequest) => renderTritonPrompt(request.messages, config.promptTemplate);
  const completionPrompt = (request: CompletionRequest) =>
    singleTextPrompt(request, `Triton target ${config.id}`);

  return {
    target,
    async generate(request, options) {
      return generate(chatPrompt(request), request, options);
    },
    async stream(request, options) {
      return stream(chatPrompt(request), request, options);
    },
    async complete(request, options) {
      return textCompletionResult(await generate(completionPrompt(request), request, options));
    },
    async streamCompletion(request, options) {
      return textCompletionParts(await stream(completionPrompt(request), request, options));
    },
  };

  async function generate(
    textInput: string,
    request: Sampling,
    options: ChatCallOptions,
  ): Promise<ChatResult> {
    const body = buildBody(textInput, request, false);
    const { signal } = options;
    if (signal.aborted) throw fail('aborted', 'the caller aborted the request', {}, signal.reason);
    const response = await post('generate', body, signal, options);
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw abortedOr(error, signal, 'protocol', 'the response body broke off');
    }
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      throw fail('protocol', `answered a body that is not JSON: ${text.slice(0, 200)}`, {
        status: response.status,
      });
    }
    if (!isObject(payload)) throw fail('protocol', 'answered JSON that is not an object');
    if (payload.error !== undefined) {
      throw fail('stream-error', `reported an error under HTTP ${response.status}: ${String(payload.error)}`);
    }
    const content = textOutput(payload);
    if (content === undefined) throw fail('protocol', 'answered without a text_output string');
    return {
      completion: {
        id: completionId(),
        object: 'chat.completion',
        created: Math.floor(now() / 1000),
        model: config.model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content, refusal: null },
            logprobs: null,
            finish_reason: finishReason(payload) ?? 'stop',
          },
        ],
      },
      usage: null,
    };
  }

  async function stream(
    textInput: string,
    request: Sampling,
    options: ChatCallOptions,
  ): Promise<AsyncIterable<ChatStreamPart>> {
    const body = buildBody(textInput, request, true);
    const callerSignal = options.signal;
    if (callerSignal.aborted)
      throw fail('aborted', 'the caller aborted the request', {}, callerSignal.reason);
    // Our own controller, so that leaving the stream early (or on an error) really closes the upstream request.
    const own = new AbortController();
    const signal = AbortSignal.any([callerSignal, own.signal]);
    const response = await post('generate_stream', body, signal, options);
    const contentType = response.headers.get('content-type') ?? '';
    if (!/^text\/event-stream\b/i.test(contentType) || !response.body) {
      own.abort();
      throw fail(
        'protocol',
        `answered ${response.status} with content-type ${JSON.stringify(contentType)}, not an event stream`,
        {
          status: response.status,
        },
      );
    }
    return streamParts(response.body, signal, callerSignal, own);
  }

  async function* streamParts(
    body: ReadableStream<Uint8Array>,
    signal: AbortSignal,
    callerSignal: AbortSignal,
    own: AbortController,
  ): AsyncGenerator<ChatStreamPart, void, undefined> {
    const id = completionId();
    const created = Math.floor(now() / 1000);
    const chunk = (
      delta: ChatCompletionChunk['choices'][number]['delta'],
      finish: string | null,
    ): ChatStreamPart => ({
      type: 'chunk',
      chunk: {
        id,
        object: 'chat.completion.chunk',
        created,
        model: config.model,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      },
    });
    let frames = 0;
    let finish = 'stop';
    let complete = false;
    try {
      const messages = readSse(body, { signal });
      for await (const message of messages) {
        let payload: unknown;
        try {
          payload = JSON.parse(message.data);
        } catch {
          throw fail('protocol', `sent a stream frame that is not JSON: ${message.data.slice(0, 200)}`);
        }
        if (!isObject(payload)) throw fail('protocol', 'sent a stream frame that is not a JSON object');
        if (payload.error !== undefined) {
          throw fail('stream-error', `reported an error inside the stream: ${String(payload.error)}`);
        }
        const text = textOutput(payload);
        if (text === undefined) throw fail('protocol', 'sent a stream frame without a text_output string');
        finish = finishReason(payload) ?? finish;
        frames++;
        if (frames === 1) yield chunk({ role: 'assistant', content: text }, null);
        else if (text !== '') yield chunk({ content: text }, null);
      }
      if (!messages.end?.clean) throw fail('protocol', 'the stream ended in the middle of a frame');
      if (frames === 0) throw fail('protocol', 'the stream ended without a single frame');
      complete = true;
      yield chunk({}, finish);
    } catch (error) {
      throw abortedOr(error, callerSignal, 'protocol', 'the stream broke off');
    } finally {
      if (!complete) own.abort();
    }
  }
}

/** `text_output` as a string; a one-element array (a tensor of shape [1]) is accepted too. */
function textOutput(payload: Record<string, unknown>): string | undefined {
  const value = payload.text_output;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.length === 1 && typeof value[0] === 'string') return value[0];
  return undefined;
}

/** 'length' or 'stop' from a model's optional `finish_reason` output; undefined when absent. */
function finishReason(payload: Record<string, unknown>): 'stop' | 'length' | undefined {
  const raw = Array.isArray(payload.finish_reason) ? payload.finish_reason[0] : payload.finish_reason;
  if (raw === 'length') return 'length';
  if (typeof raw === 'string') return 'stop';
  return undefined;
}

/** Triton's error body is `{"error": "message"}`; a proxy may answer plain text. */
function errorMessage(text: string): string {
  try {
    const body: unknown = JSON.parse(text);
    if (isObject(body) && typeof body.error === 'string') return body.error;
  } catch {
    // not JSON
  }
  return text.trim().slice(0, 500);
}

function parseRetryAfterMs(value: string | null): number | undefined {
  if (value === null || !/^\d+(\.\d+)?$/.test(value.trim())) return undefined;
  return Math.round(Number(value.trim()));
}

function completionId(): string {
  return `chatcmpl-${toHex(crypto.getRandomValues(new Uint8Array(12)))}`;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
