import { randomUUID } from 'node:crypto';
import type {
  BedrockRuntimeClient,
  BedrockRuntimeClientConfig,
  ConverseCommandOutput,
  ConverseStreamOutput,
} from '@aws-sdk/client-bedrock-runtime';
import {
  type ChatCallOptions,
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatModel,
  type ChatRequest,
  type ChatResult,
  type ChatStreamPart,
  type ChatTarget,
  type CompletionRequest,
  UpstreamError,
} from '../../ports/chat-model.js';
import { lazyBedrockClient } from '../bedrock/lazy-bedrock-client.js';
import { finishReasonOf, openAiUsage, toConverseInput, usageOf } from './bedrock-converse-mapping.js';
import { singleTextPrompt, textCompletionParts, textCompletionResult } from './text-completion-from-chat.js';

export interface BedrockChatModelConfig {
  /** The target's name in the gateway config. */
  id: string;
  /** The Bedrock modelId or inference profile, e.g. anthropic.claude-3-haiku-20240307-v1:0. */
  model: string;
  region: string;
  /** A preconfigured client (tests pass one with an HTTP/1 handler); region and credentials are then ignored. */
  client?: BedrockRuntimeClient;
  /** Static keys or a provider; default: the SDK's chain (env, profile, IAM role). */
  credentials?: BedrockRuntimeClientConfig['credentials'];
  /** A named profile of the shared AWS config files. */
  profile?: string;
  /** An endpoint override (a VPC interface endpoint, a proxy). */
  endpoint?: string;
}

/** HTTP status of each exception Bedrock can send inside a 200 ConverseStream (from the SDK's error schemas). */
const STREAM_EXCEPTION_STATUS: Record<string, number> = {
  ThrottlingException: 429,
  ModelStreamErrorException: 424,
  InternalServerException: 500,
  ValidationException: 400,
  ServiceUnavailableException: 503,
};

interface SdkError {
  name?: string;
  message?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
}

/**
 * ChatModel on Amazon Bedrock Runtime Converse (non-streaming) and ConverseStream. Never retries.
 *
 * Bedrock has no raw-completions API, so a legacy completion sends its prompt as the one user message
 * of a Converse call: the model's chat format applies (its template wraps the prompt, and it answers as
 * an assistant rather than continuing the text). The answer comes back as a `text_completion`.
 */
export function createBedrockChatModel(config: BedrockChatModelConfig): ChatModel {
  const target: ChatTarget = { id: config.id, kind: 'bedrock', model: config.model };
  // The gateway owns retries and failover.
  const loadSdk = lazyBedrockClient({ ...config, maxAttempts: 1 });

  const fail = (message: string, details: Omit<UpstreamError['details'], 'target'>, cause?: unknown) =>
    new UpstreamError(
      `Bedrock ${config.model} (${config.id}): ${message}`,
      { ...details, target: config.id },
      {
        cause,
      },
    );
  const aborted = (signal: AbortSignal) => fail('the call was aborted', { kind: 'aborted' }, signal.reason);

  /** An error from send(), before any response body was read. */
  function beforeBodyError(error: unknown, signal: AbortSignal): UpstreamError {
    if (error instanceof UpstreamError) return error;
    if (signal.aborted) return aborted(signal);
    const err = (error ?? {}) as SdkError;
    const name = err.name ?? 'Error';
    const status = err.$metadata?.httpStatusCode;
    const text = `${name}: ${err.message ?? String(error)}`;
    if (status !== undefined && status >= 200 && status < 300) {
      return fail(`invalid response: ${text}`, { kind: 'protocol', code: name }, error);
    }
    if (status !== undefined) {
      const retryAfterMs = retryAfterOf(err.$response?.headers);
      return fail(
        `HTTP ${status} ${text}`,
        { kind: 'http', status, code: name, ...(retryAfterMs !== undefined && { retryAfterMs }) },
        error,
      );
    }
    if (name === 'CredentialsProviderError') {
      return fail(
        `no AWS credentials (${err.message}); set credentials in the config, or AWS_PROFILE / AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run with an IAM role`,
        { kind: 'connection', code: name },
        error,
      );
    }
    return fail(`no response: ${text}`, { kind: 'connection', code: name }, error);
  }

  /** An error thrown while reading a 200 ConverseStream. */
  function inStreamError(error: unknown, signal: AbortSignal): UpstreamError {
    if (error instanceof UpstreamError) return error;
    if (signal.aborted) return aborted(signal);
    const err = (error ?? {}) as SdkError;
    const name = err.name ?? 'Error';
    // Exception events are deserialized into modelled service exceptions, which carry $fault.
    if (err.$fault !== undefined) {
      const status = STREAM_EXCEPTION_STATUS[name];
      return fail(
        `${name} inside the stream: ${err.message}`,
        { kind: 'stream-error', code: name, ...(status !== undefined && { status }) },
        error,
      );
    }
    return fail(`the stream broke: ${name}: ${err.message ?? String(error)}`, { kind: 'protocol' }, error);
  }

  /** The completion as a one-turn chat; only the sampling fields Converse maps are kept. */
  function chatRequestFor(request: CompletionRequest): ChatRequest {
    const prompt = singleTextPrompt(request, `Bedrock target ${config.id}`, { nonBlank: true });
    return {
      model: request.model,
      messages: [{ role: 'user', content: prompt }],
      ...(request.max_tokens != null && { max_tokens: request.max_tokens }),
      ...(request.temperature != null && { temperature: request.temperature }),
      ...(request.top_p != null && { top_p: request.top_p }),
      ...(request.stop != null && { stop: request.stop }),
      ...(request.n != null && { n: request.n }),
    };
  }

  const model: ChatModel = {
    target,

    async complete(request, options) {
      return textCompletionResult(await model.generate(chatRequestFor(request), options));
    },

    async streamCompletion(request, options) {
      return textCompletionParts(await model.stream(chatRequestFor(request), options));
    },

    async generate(request: ChatRequest, options: ChatCallOptions): Promise<ChatResult> {
      const { signal } = options;
      if (signal.aborted) throw aborted(signal);
      const input = toConverseInput(request, config.model);
      const loaded = await loadSdk();
      if (signal.aborted) throw aborted(signal);
      let output: ConverseCommandOutput;
      try {
        const command = new loaded.sdk.ConverseCommand(input);
        const { onResponse } = options;
        if (onResponse) {
          command.middlewareStack.add(
            (next) => async (args) => {
              const result = await next(args);
              onResponse();
              return result;
            },
            HEADERS,
          );
        }
        output = await loaded.client.send(command, { abortSignal: signal });
      } catch (error) {
        throw beforeBodyError(error, signal);
      }
      const blocks = output.output?.message?.content;
      if (!Array.isArray(blocks)) {
        throw fail('invalid response: no output.message.content', { kind: 'protocol' });
      }
      const usage = usageOf(output.usage);
      const completion: ChatCompletion = {
        id: completionId(),
        object: 'chat.completion',
        created: nowSeconds(),
        model: config.model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: blocks.map((block) => ('text' in block && block.text) || '').join(''),
            },
            finish_reason: finishReasonOf(output.stopReason),
          },
        ],
        ...(usage && { usage: openAiUsage(usage) }),
      };
      return { completion, usage };
    },

    async stream(request: ChatRequest, options: ChatCallOptions): Promise<AsyncIterable<ChatStreamPart>> {
      const { signal } = options;
      if (signal.aborted) throw aborted(signal);
      const input = toConverseInput(request, config.model);
      const loaded = await loadSdk();
      if (signal.aborted) throw aborted(signal);

      // Our own controller, so that a consumer who stops reading early also ends the upstream request
      // (the SDK's handlers keep listening to the signal until the response body closes).
      const upstream = new AbortController();
      const onAbort = () => upstream.abort(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });

      let events: AsyncIterable<ConverseStreamOutput>;
      try {
        const command = new loaded.sdk.ConverseStreamCommand(input);
        const { onResponse } = options;
        if (onResponse) {
          command.middlewareStack.add(
            (next) => async (args) => {
              const result = await next(args);
              onResponse();
              return result;
            },
            HEADERS,
          );
        }
        const output = await loaded.client.send(command, { abortSignal: upstream.signal });
        if (!output.stream) throw fail('invalid response: no event stream', { kind: 'protocol' });
        events = output.stream;
      } catch (error) {
        signal.removeEventListener('abort', onAbort);
        upstream.abort();
        throw beforeBodyError(error, signal);
      }

      const id = completionId();
      const created = nowSeconds();
      const chunk = (
        delta: ChatCompletionChunk['choices'][number]['delta'],
        finishReason: string | null = null,
      ): ChatStreamPart => ({
        type: 'chunk',
        chunk: {
          id,
          object: 'chat.completion.chunk',
          created,
          model: config.model,
          choices: [{ index: 0, delta, finish_reason: finishReason }],
        },
      });
      async function* parts(): AsyncGenerator<ChatStreamPart> {
        const iterator = events[Symbol.asyncIterator]();
        let stopWaiting = () => {};
        const abortedPromise = new Promise<never>((_, reject) => {
          stopWaiting = () => reject(aborted(signal));
          if (signal.aborted) stopWaiting();
          else signal.addEventListener('abort', stopWaiting, { once: true });
        });
        abortedPromise.catch(() => {});
        let stopped = false;
        let ended = false;
        try {
          for (;;) {
            let next: IteratorResult<ConverseStreamOutput>;
            try {
              // A stalled upstream must not outlive the caller's abort.
              next = await Promise.race([iterator.next(), abortedPromise]);
            } catch (error) {
              throw inStreamError(error, signal);
            }
            if (next.done) break;
            const event = next.value;
            if (event.messageStart) {
              yield chunk({ role: 'assistant', content: '' });
            } else if (event.contentBlockDelta) {
              const text = event.contentBlockDelta.delta?.text;
              if (typeof text === 'string' && text.length > 0) yield chunk({ content: text });
            } else if (event.messageStop) {
              stopped = true;
              yield chunk({}, finishReasonOf(event.messageStop.stopReason));
            } else if (event.metadata) {
              if (!stopped) throw fail('metadata arrived before messageStop', { kind: 'protocol' });
              const usage = usageOf(event.metadata.usage);
              if (usage && options.includeUsage !== false) yield { type: 'usage', usage };
              ended = true;
            }
          }
          if (!ended) {
            if (signal.aborted) throw aborted(signal);
            throw fail(`the stream ended before ${stopped ? 'metadata' : 'messageStop'} (cut short)`, {
              kind: 'protocol',
            });
          }
        } finally {
          signal.removeEventListener('abort', onAbort);
          signal.removeEventListener('abort', stopWaiting);
          if (!ended) {
            upstream.abort();
            // Not awaited: a stalled decoder would never settle.
            iterator.return?.().catch(() => {});
          }
        }
      }
      return parts();
    },
  };
  return model;
}

/**
 * Where the `onResponse` middleware sits: the deserialize step below the SDK's deserializer, so it runs
 * once the HTTP handler has the response headers, before the body is read and parsed.
 */
const HEADERS = { step: 'deserialize', priority: 'low', name: 'raglineResponseHeaders' } as const;

/** Milliseconds from `retry-after-ms`, or `retry-after` in seconds or as an HTTP date. */
function retryAfterOf(headers: Record<string, string | undefined> | undefined): number | undefined {
  if (!headers) return undefined;
  const header = (name: string) =>
    Object.entries(headers)
      .find(([key]) => key.toLowerCase() === name)?.[1]
      ?.trim();
  const ms = Number(header('retry-after-ms'));
  if (header('retry-after-ms') && Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  const value = header('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

const completionId = () => `chatcmpl-${randomUUID().replaceAll('-', '')}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);
