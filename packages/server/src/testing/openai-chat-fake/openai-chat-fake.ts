import { HttpResponse, http, type JsonBodyType } from 'msw';
import {
  chatRequestSchemaErrors,
  completionRequestSchemaErrors,
  OPENAI_CHAT_FIELDS,
  OPENAI_COMPLETION_FIELDS,
  pydanticExtraForbidden,
  TRTLLM_CHAT_FIELDS,
  TRTLLM_COMPLETION_FIELDS,
  TRTLLM_STREAM_OPTIONS_FIELDS,
  unknownFields,
} from './chat-request-validator.js';
import {
  answerFor,
  type ChatFlavour,
  completionBody,
  errorBody,
  type LoadState,
  malformedFrame,
  modelsBody,
  streamErrorFrame,
  streamFrames,
  trtllmMetricsBody,
  vllmMetricsText,
} from './openai-chat-replies.js';
import {
  completionAnswerFor,
  completionStreamFrames,
  malformedCompletionFrame,
  textCompletionBody,
} from './openai-completion-replies.js';

/**
 * msw 2 fakes of an OpenAI-compatible chat server: vLLM, trtllm-serve or OpenAI itself.
 *
 * Routes: `POST <baseURL>/chat/completions` and the legacy `POST <baseURL>/completions` (JSON or SSE),
 * `GET <baseURL>/models`, and for vLLM and trtllm `GET <origin>/metrics` (Prometheus text for vLLM, a
 * JSON array for trtllm). Every chat body is validated against OpenAI's CreateChatCompletionRequest and
 * every completion body against CreateCompletionRequest; flavour 'trtllm' also rejects fields its
 * pydantic models forbid and flavour 'openai' rejects arguments OpenAI does not define. vLLM accepts
 * its extras (top_k, structured_outputs, ...). vLLM and trtllm refuse `stream_options` without
 * `stream`, and a completion `suffix`. Answers are deterministic ("You asked: <question>" for chat,
 * "You prompted: <prompt>" for completions).
 *
 * Faults are queued and each applies to the next request to either endpoint.
 */
export interface OpenAIChatFakeOptions {
  /** Including `/v1`, e.g. "http://vllm-1.test/v1". */
  baseURL: string;
  flavour: ChatFlavour;
  /** Served model ids. Default: one model per flavour. */
  models?: string[];
  /** vLLM LoRA adapters (served as models whose `parent` is the first model). */
  loraAdapters?: string[];
  /** vLLM: answer errors in the flat pre-0.10.1 shape. */
  legacyErrors?: boolean;
  /** When set, chat and models requests need `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Delay between stream frames, for every request. Default 0. */
  tokenDelayMs?: number;
  /**
   * Prompt tokens served from the engine's prefix cache on every chat call (capped at the prompt),
   * reported as `prompt_tokens_details.cached_tokens` (vLLM reports the details only when there are some).
   */
  cachedPromptTokens?: number;
}

export type ChatFault =
  /** Answer with this status; the body defaults to the flavour's error shape; a string body is sent as text/html. */
  | { type: 'status'; status: number; body?: JsonBodyType; headers?: Record<string, string> }
  /** A network error: connection refused or reset before any response. */
  | { type: 'refuse' }
  /** Never send headers; the handler waits until the request is aborted (or the fake is reset). */
  | { type: 'hang' }
  /** Send the headers of a stream at once, then wait this long before the first frame. */
  | { type: 'stall-before-first-chunk'; ms: number }
  /** After K frames, wait `ms` (forever when omitted, until aborted) before the rest. */
  | { type: 'stall-after'; chunks: number; ms?: number }
  /** After K frames, close the stream without `[DONE]`. */
  | { type: 'cut-after'; chunks: number }
  /** After K frames, send one frame of broken JSON, then carry on. */
  | { type: 'malformed-after'; chunks: number }
  /** After K frames, send an error frame (`data: {"error": {...}}`), then `[DONE]` (vLLM, trtllm) or close (OpenAI). */
  | { type: 'error-frame-after'; chunks: number; message?: string }
  /** Wait this long between frames of the next stream. */
  | { type: 'slow'; tokenDelayMs: number }
  /** A non-streaming answer: send the headers at once and the JSON body `ms` later (a long generation). */
  | { type: 'slow-body'; ms: number };

export interface RecordedChatRequest {
  /** `chat` for /chat/completions, `completions` for the legacy /completions. */
  endpoint: 'chat' | 'completions';
  body: Record<string, unknown>;
  headers: Headers;
  stream: boolean;
  /** True once the client aborted the request or cancelled the response body. */
  aborted: boolean;
}

const DEFAULT_MODELS: Record<ChatFlavour, string> = {
  vllm: 'meta-llama/Llama-3.1-8B-Instruct',
  trtllm: 'Llama-3.1-8B-Instruct',
  openai: 'gpt-4o-mini',
};

export function createOpenAIChatFake(options: OpenAIChatFakeOptions) {
  const { flavour } = options;
  const base = options.baseURL.replace(/\/+$/, '');
  const origin = base.replace(/\/v1$/, '');
  const models = options.models ?? [DEFAULT_MODELS[flavour]];
  const state: LoadState & { loraAdapters: string[] } = {
    running: 0,
    waiting: 0,
    kvCacheUsage: 0,
    loraAdapters: [...(options.loraAdapters ?? [])],
  };
  const requests: RecordedChatRequest[] = [];
  const invalidRequests: { body: unknown; reason: string }[] = [];
  const faults: ChatFault[] = [];
  /** Released on reset, so hanging handlers and stalled streams do not outlive a test. */
  const live = new Set<AbortController>();
  let sequence = 0;
  let created = 1_731_295_402;
  let iteration = 0;
  const errorFlavour = flavour === 'vllm' && options.legacyErrors ? 'vllm-legacy' : flavour;

  const unauthorized = (request: Request) => {
    if (!options.apiKey || request.headers.get('authorization') === `Bearer ${options.apiKey}`) return null;
    return flavour === 'openai'
      ? HttpResponse.json(errorBody('openai', 401), { status: 401 })
      : HttpResponse.json({ error: 'Unauthorized' }, { status: 401 });
  };

  const reject = (body: unknown, reason: string, response: Response) => {
    invalidRequests.push({ body, reason });
    return response;
  };

  const handle = (endpoint: 'chat' | 'completions') =>
    http.post(`${base}/${endpoint === 'chat' ? 'chat/completions' : 'completions'}`, async ({ request }) => {
      let body: Record<string, unknown>;
      try {
        body = (await request.json()) as Record<string, unknown>;
      } catch {
        return HttpResponse.json(errorBody(errorFlavour, 400, 'The request body is not valid JSON.'), {
          status: 400,
        });
      }
      const recorded: RecordedChatRequest = {
        endpoint,
        body,
        headers: request.headers,
        stream: body.stream === true,
        aborted: false,
      };
      requests.push(recorded);
      const stop = new AbortController();
      live.add(stop);
      const markAborted = () => {
        recorded.aborted = true;
        stop.abort();
      };
      request.signal.addEventListener('abort', markAborted, { once: true });

      const denied = unauthorized(request);
      if (denied) return denied;
      const invalid = endpoint === 'chat' ? validate(body) : validateCompletion(body);
      if (invalid) return reject(body, invalid.reason, invalid.response);
      const model = String(body.model);
      const lora = state.loraAdapters.includes(model) ? model : undefined;
      if (flavour !== 'trtllm' && !models.includes(model) && !lora) {
        const message =
          flavour === 'openai'
            ? `The model \`${model}\` does not exist or you do not have access to it.`
            : `The model \`${model}\` does not exist.`;
        return HttpResponse.json(errorBody(errorFlavour, 404, message), { status: 404 });
      }

      const fault = faults.shift();
      if (fault?.type === 'refuse') return HttpResponse.error();
      if (fault?.type === 'hang') {
        await sleep(Number.POSITIVE_INFINITY, stop.signal).catch(() => {});
        return HttpResponse.error();
      }
      if (fault?.type === 'status') {
        const init = { status: fault.status, ...(fault.headers && { headers: fault.headers }) };
        if (typeof fault.body === 'string') {
          return new HttpResponse(fault.body, {
            ...init,
            headers: { 'content-type': 'text/html', ...fault.headers },
          });
        }
        return HttpResponse.json(fault.body ?? errorBody(errorFlavour, fault.status), init);
      }

      const prefix = endpoint === 'chat' ? 'chatcmpl' : 'cmpl';
      const id =
        flavour === 'openai' ? `${prefix}-${openAIId(++sequence)}` : `${prefix}-${hexId(++sequence)}`;
      const streamOptions = (body.stream_options ?? null) as {
        include_usage?: boolean | null;
        continuous_usage_stats?: boolean | null;
      } | null;
      // vLLM and trtllm default include_usage to true once stream_options is sent; OpenAI to false.
      const includeUsage =
        streamOptions !== null && (streamOptions.include_usage ?? flavour !== 'openai') === true;
      const shape = {
        usageNull: flavour === 'openai' && includeUsage,
        continuousUsage: flavour !== 'openai' && streamOptions?.continuous_usage_stats === true,
        usageChunk: includeUsage,
      };
      let json: Record<string, unknown>;
      let frames: string[];
      let malformed: string;
      if (endpoint === 'chat') {
        const answer = answerFor(body as never, id, created++, lora, options.cachedPromptTokens);
        json = completionBody(flavour, answer);
        frames = streamFrames(flavour, answer, shape);
        malformed = malformedFrame(answer);
      } else {
        const answer = completionAnswerFor(flavour, body as never, id, created++, lora);
        json = textCompletionBody(flavour, answer);
        frames = completionStreamFrames(flavour, answer, shape);
        malformed = malformedCompletionFrame(answer);
      }
      if (!recorded.stream) {
        if (fault?.type === 'slow-body') return slowJson(json, fault.ms, recorded, stop);
        live.delete(stop);
        return HttpResponse.json(json);
      }
      return new HttpResponse(sseBody(frames, malformed, fault, recorded, stop), {
        headers: { 'content-type': 'text/event-stream; charset=utf-8' },
      });
    });

  /** A 400 in the flavour's shape for a body that fails OpenAI's schema. */
  function schemaRejection(schema: string, schemaErrors: string): { reason: string; response: Response } {
    const reason = `request does not match ${schema}: ${schemaErrors}`;
    const response =
      flavour === 'trtllm'
        ? HttpResponse.json({ error: reason }, { status: 400 })
        : flavour === 'vllm' && !options.legacyErrors
          ? HttpResponse.json(
              { error: { message: reason, type: 'Bad Request', param: 'body', code: 400 } },
              { status: 400 },
            )
          : HttpResponse.json(errorBody(errorFlavour, 400, reason), { status: 400 });
    return { reason, response };
  }

  function validateCompletion(body: Record<string, unknown>): { reason: string; response: Response } | null {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      const reason = 'body is not a JSON object';
      return { reason, response: HttpResponse.json(errorBody(errorFlavour, 400, reason), { status: 400 }) };
    }
    if (flavour === 'trtllm') {
      const extra = unknownFields(body, TRTLLM_COMPLETION_FIELDS).map((loc) => ({ loc, value: body[loc] }));
      if (extra.length > 0) {
        const reason = pydanticExtraForbidden('CompletionRequest', extra);
        return { reason, response: HttpResponse.json({ error: reason }, { status: 400 }) };
      }
    }
    if (flavour === 'openai') {
      const [extra] = unknownFields(body, OPENAI_COMPLETION_FIELDS);
      if (extra !== undefined) {
        const reason = `Unrecognized request argument supplied: ${extra}`;
        return { reason, response: HttpResponse.json(errorBody('openai', 400, reason), { status: 400 }) };
      }
    }
    const schemaErrors = completionRequestSchemaErrors(body);
    if (schemaErrors !== null) return schemaRejection('CreateCompletionRequest', schemaErrors);
    if (flavour === 'openai') return null;
    // The engines' own model validators (vLLM's and trtllm-serve's CompletionRequest).
    let reason: string | undefined;
    if (body.stream_options && !body.stream) {
      reason = 'Stream options can only be defined when `stream=True`.';
    } else if (flavour === 'vllm' && (body.prompt === '' || body.prompt == null)) {
      reason = 'Either prompt or prompt_embeds must be provided and non-empty.';
    } else if (flavour === 'vllm' && body.suffix != null) {
      reason = 'suffix is not currently supported';
    } else if (flavour === 'trtllm' && body.suffix) {
      reason = 'suffix is not supported';
    }
    if (reason === undefined) return null;
    return {
      reason,
      response: HttpResponse.json(
        flavour === 'trtllm' ? { error: reason } : errorBody(errorFlavour, 400, reason),
        { status: 400 },
      ),
    };
  }

  /** JSON whose headers go out at once and whose body follows `ms` later, unless the client leaves. */
  function slowJson(
    json: Record<string, unknown>,
    ms: number,
    recorded: RecordedChatRequest,
    stop: AbortController,
  ): Response {
    const bytes = new TextEncoder().encode(JSON.stringify(json));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        sleep(ms, stop.signal)
          .then(() => {
            controller.enqueue(bytes);
            controller.close();
          })
          .catch(() => {
            // Aborted or reset: the client is gone, nothing to send.
          })
          .finally(() => live.delete(stop));
      },
      cancel() {
        recorded.aborted = true;
        stop.abort();
      },
    });
    return new HttpResponse(body, { headers: { 'content-type': 'application/json' } });
  }

  function validate(body: Record<string, unknown>): { reason: string; response: Response } | null {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      const reason = 'body is not a JSON object';
      return { reason, response: HttpResponse.json(errorBody(errorFlavour, 400, reason), { status: 400 }) };
    }
    if (flavour === 'trtllm') {
      const extra = unknownFields(body, TRTLLM_CHAT_FIELDS).map((loc) => ({ loc, value: body[loc] }));
      const streamOptions = body.stream_options;
      if (streamOptions && typeof streamOptions === 'object') {
        for (const key of unknownFields(
          streamOptions as Record<string, unknown>,
          TRTLLM_STREAM_OPTIONS_FIELDS,
        )) {
          extra.push({
            loc: `stream_options.${key}`,
            value: (streamOptions as Record<string, unknown>)[key],
          });
        }
      }
      if (extra.length > 0) {
        const reason = pydanticExtraForbidden('ChatCompletionRequest', extra);
        return { reason, response: HttpResponse.json({ error: reason }, { status: 400 }) };
      }
    }
    if (flavour === 'openai') {
      const [extra] = unknownFields(body, OPENAI_CHAT_FIELDS);
      if (extra !== undefined) {
        const reason = `Unrecognized request argument supplied: ${extra}`;
        return { reason, response: HttpResponse.json(errorBody('openai', 400, reason), { status: 400 }) };
      }
    }
    const schemaErrors = chatRequestSchemaErrors(body);
    if (schemaErrors === null) return null;
    return schemaRejection('CreateChatCompletionRequest', schemaErrors);
  }

  function sseBody(
    frames: string[],
    malformed: string,
    fault: ChatFault | undefined,
    recorded: RecordedChatRequest,
    stop: AbortController,
  ): ReadableStream<Uint8Array> {
    const encoder = new TextEncoder();
    const cadence = fault?.type === 'slow' ? fault.tokenDelayMs : (options.tokenDelayMs ?? 0);
    const at = fault && 'chunks' in fault ? fault.chunks : -1;
    return new ReadableStream<Uint8Array>({
      start(controller) {
        const send = (data: string) => controller.enqueue(encoder.encode(`data: ${data}\n\n`));
        const run = async () => {
          if (fault?.type === 'stall-before-first-chunk') await sleep(fault.ms, stop.signal);
          for (let i = 0; i <= frames.length; i++) {
            if (i === at) {
              if (fault?.type === 'cut-after') return controller.close();
              if (fault?.type === 'stall-after')
                await sleep(fault.ms ?? Number.POSITIVE_INFINITY, stop.signal);
              if (fault?.type === 'malformed-after') send(malformed);
              if (fault?.type === 'error-frame-after') {
                send(streamErrorFrame(flavour, fault.message ?? 'The engine failed while generating.'));
                if (flavour !== 'openai') send('[DONE]');
                return controller.close();
              }
            }
            const frame = frames[i];
            if (frame === undefined) break;
            send(frame);
            if (cadence > 0 && i < frames.length - 1) await sleep(cadence, stop.signal);
          }
          send('[DONE]');
          controller.close();
        };
        run()
          .catch(() => {
            // Aborted or reset: the client is gone, nothing to send.
          })
          .finally(() => live.delete(stop));
      },
      cancel() {
        recorded.aborted = true;
        stop.abort();
      },
    });
  }

  const listModels = http.get(`${base}/models`, ({ request }) => {
    const denied = unauthorized(request);
    if (denied) return denied;
    return HttpResponse.json(
      modelsBody(flavour, models, flavour === 'vllm' ? state.loraAdapters : [], 1_731_295_402),
    );
  });

  const handlers = [handle('chat'), handle('completions'), listModels];
  if (flavour === 'vllm') {
    handlers.push(
      http.get(`${origin}/metrics`, () =>
        HttpResponse.text(vllmMetricsText(models[0] as string, state), {
          headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' },
        }),
      ),
    );
  } else if (flavour === 'trtllm') {
    handlers.push(
      http.get(`${origin}/metrics`, () => HttpResponse.json(trtllmMetricsBody(state, ++iteration))),
    );
  }

  return {
    handlers,
    flavour,
    models,
    /** Every chat and legacy completion request, valid or not, in arrival order (see `endpoint`). */
    requests,
    /** Requests the fake rejected with a 400, and why. */
    invalidRequests,
    /** Load signals served at /metrics, and vLLM's LoRA adapters; change them at will. */
    state,
    /** Queue faults; each applies to the next request to either endpoint. */
    fault(...next: ChatFault[]) {
      faults.push(...next);
    },
    /** How many requests the client abandoned (aborted, or cancelled the stream or body). */
    abortedRequests: () => requests.filter((r) => r.aborted).length,
    /** Forget requests and queued faults, and end any hanging handler or stalled stream. */
    reset() {
      for (const controller of live) controller.abort();
      live.clear();
      requests.length = 0;
      invalidRequests.length = 0;
      faults.length = 0;
    },
  };
}

export type OpenAIChatFake = ReturnType<typeof createOpenAIChatFake>;

/** Resolves after `ms` (never, for Infinity), rejects when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
    signal.addEventListener('abort', onAbort, { once: true });
    function done() {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(signal.reason);
    }
  });
}

function hexId(n: number): string {
  return n.toString(16).padStart(32, '0');
}

function openAIId(n: number): string {
  return `B9${n.toString(36).padStart(27, 'x')}`;
}
