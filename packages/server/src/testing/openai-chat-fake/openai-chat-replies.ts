/**
 * Response bodies of the OpenAI-compatible chat fakes, per flavour, following
 * shared/specs/vllm-samples.md (§2 models, §3a/3b chat, §5 errors, §7 metrics) and the OpenAI and
 * trtllm-serve sections of shared/specs/protocol-samples.md.
 */

export type ChatFlavour = 'vllm' | 'trtllm' | 'openai';

export interface ChatAnswer {
  id: string;
  created: number;
  model: string;
  /** The answer's tokens; their concatenation is the content. */
  tokens: string[];
  finishReason: 'stop' | 'length';
  promptTokens: number;
  /** Of promptTokens, those served from a prefix cache. */
  cachedTokens: number;
  choices: number;
}

interface RequestLike {
  model: string;
  messages: Array<{ role: string; content?: unknown }>;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  n?: number | null;
}

/**
 * The fake's deterministic answer: "You asked: <last user text>" (prefixed with the adapter name for a
 * LoRA model), cut to max tokens. A token is a word with its leading whitespace.
 */
export function answerFor(
  request: RequestLike,
  id: string,
  created: number,
  loraAdapter?: string,
  cachedPromptTokens = 0,
): ChatAnswer {
  const lastUser = [...request.messages].reverse().find((m) => m.role === 'user');
  const question = textOf(lastUser?.content);
  const text = `${loraAdapter ? `(${loraAdapter}) ` : ''}You asked: ${question}`;
  const all = text.match(/\s*\S+/g) ?? [];
  const limit = request.max_completion_tokens ?? request.max_tokens ?? Number.POSITIVE_INFINITY;
  const tokens = all.slice(0, Math.max(0, limit));
  const promptTokens = request.messages.reduce((sum, m) => sum + 4 + wordCount(textOf(m.content)), 3);
  return {
    id,
    created,
    model: request.model,
    tokens,
    finishReason: tokens.length < all.length ? 'length' : 'stop',
    promptTokens,
    cachedTokens: Math.min(promptTokens, Math.max(0, cachedPromptTokens)),
    choices: Math.max(1, request.n ?? 1),
  };
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (part && typeof part === 'object' && 'text' in part ? String(part.text) : ''))
      .join('');
  }
  return '';
}

function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

export function usageOf(flavour: ChatFlavour, answer: ChatAnswer): Record<string, unknown> {
  const completion = answer.tokens.length * answer.choices;
  const total = answer.promptTokens + completion;
  switch (flavour) {
    case 'vllm':
      return {
        prompt_tokens: answer.promptTokens,
        total_tokens: total,
        completion_tokens: completion,
        prompt_tokens_details: answer.cachedTokens > 0 ? { cached_tokens: answer.cachedTokens } : null,
      };
    case 'trtllm':
      return {
        prompt_tokens: answer.promptTokens,
        total_tokens: total,
        completion_tokens: completion,
        prompt_tokens_details: { cached_tokens: answer.cachedTokens },
      };
    case 'openai':
      return {
        prompt_tokens: answer.promptTokens,
        completion_tokens: completion,
        total_tokens: total,
        prompt_tokens_details: { cached_tokens: answer.cachedTokens, audio_tokens: 0 },
        completion_tokens_details: {
          reasoning_tokens: 0,
          audio_tokens: 0,
          accepted_prediction_tokens: 0,
          rejected_prediction_tokens: 0,
        },
      };
  }
}

const FINGERPRINT = 'fp_44709d6fcb';

/** A non-streaming `chat.completion` body. */
export function completionBody(flavour: ChatFlavour, answer: ChatAnswer): Record<string, unknown> {
  const content = answer.tokens.join('');
  const indexes = Array.from({ length: answer.choices }, (_, index) => index);
  const head = { id: answer.id, object: 'chat.completion', created: answer.created, model: answer.model };
  switch (flavour) {
    case 'vllm':
      // vllm-samples.md §3a (copied): key order, `reasoning_content`, `tool_calls: []`, `stop_reason`.
      return {
        ...head,
        choices: indexes.map((index) => ({
          index,
          message: { role: 'assistant', reasoning_content: null, content, tool_calls: [] },
          logprobs: null,
          finish_reason: answer.finishReason,
          stop_reason: null,
        })),
        usage: usageOf('vllm', answer),
        prompt_logprobs: null,
      };
    case 'trtllm':
      // ChatCompletionResponse in trtllm's openai_protocol.py (reconstructed; full model_dump).
      return {
        ...head,
        choices: indexes.map((index) => ({
          index,
          message: { role: 'assistant', content, reasoning_content: null, reasoning: null, tool_calls: [] },
          logprobs: null,
          finish_reason: answer.finishReason,
          stop_reason: null,
          mm_embedding_handle: null,
          disaggregated_params: null,
          avg_decoded_tokens_per_iter: null,
        })),
        usage: usageOf('trtllm', answer),
        prompt_token_ids: null,
        prompt_token_ids_b64: null,
      };
    case 'openai':
      return {
        ...head,
        choices: indexes.map((index) => ({
          index,
          message: { role: 'assistant', content, refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: answer.finishReason,
        })),
        usage: usageOf('openai', answer),
        service_tier: 'default',
        system_fingerprint: FINGERPRINT,
      };
  }
}

export interface StreamShape {
  /** Add `usage: null` to every chunk (OpenAI with include_usage). */
  usageNull: boolean;
  /** Usage on every chunk (vLLM `continuous_usage_stats`). */
  continuousUsage: boolean;
  /** The final `choices: []` usage chunk. */
  usageChunk: boolean;
}

/**
 * The JSON texts of the `data:` frames of a stream, before `[DONE]`: the role chunk per choice, one
 * chunk per token per choice, the finish chunk per choice, then the usage chunk when asked.
 */
export function streamFrames(flavour: ChatFlavour, answer: ChatAnswer, shape: StreamShape): string[] {
  const head = {
    id: answer.id,
    object: 'chat.completion.chunk',
    created: answer.created,
    model: answer.model,
    ...(flavour === 'openai' && { system_fingerprint: FINGERPRINT }),
  };
  const frames: string[] = [];
  let completionSoFar = 0;
  const push = (choice: Record<string, unknown>, countsToken: boolean) => {
    if (countsToken) completionSoFar++;
    const chunk: Record<string, unknown> = { ...head, choices: [choice] };
    if (shape.continuousUsage) {
      chunk.usage = {
        prompt_tokens: answer.promptTokens,
        total_tokens: answer.promptTokens + completionSoFar,
        completion_tokens: completionSoFar,
      };
    } else if (shape.usageNull) {
      chunk.usage = null;
    }
    frames.push(JSON.stringify(chunk));
  };
  const indexes = Array.from({ length: answer.choices }, (_, index) => index);
  for (const index of indexes) {
    push({ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }, false);
  }
  for (const token of answer.tokens) {
    for (const index of indexes) {
      push({ index, delta: { content: token }, logprobs: null, finish_reason: null }, true);
    }
  }
  for (const index of indexes) {
    push(
      flavour === 'openai'
        ? { index, delta: {}, logprobs: null, finish_reason: answer.finishReason }
        : {
            index,
            delta: { content: '' },
            logprobs: null,
            finish_reason: answer.finishReason,
            stop_reason: null,
          },
      false,
    );
  }
  if (shape.usageChunk) {
    const usage = usageOf(flavour, answer);
    // vllm-samples.md §3b: the usage chunk keeps the streamed usage keys only.
    if (flavour === 'vllm') delete usage.prompt_tokens_details;
    frames.push(JSON.stringify({ ...head, choices: [], usage }));
  }
  return frames;
}

/** A streamed chunk cut off inside its JSON (a malformed frame). */
export function malformedFrame(answer: ChatAnswer): string {
  return `{"id":"${answer.id}","object":"chat.completion.chunk","created":${answer.created},"choices":[{"index":0,"delta":{"content":"tru`;
}

/** The error frame an upstream sends inside a 200 stream. */
export function streamErrorFrame(flavour: ChatFlavour, message: string): string {
  return JSON.stringify(
    flavour === 'openai'
      ? { error: { message, type: 'server_error', param: null, code: null } }
      : { error: { message, type: 'InternalServerError', param: null, code: 500 } },
  );
}

const VLLM_ERROR_TYPES: Record<number, string> = {
  400: 'BadRequestError',
  401: 'Unauthorized',
  404: 'NotFoundError',
  429: 'TooManyRequestsError',
  500: 'InternalServerError',
  501: 'NotImplementedError',
  503: 'ServiceUnavailableError',
};

const OPENAI_ERRORS: Record<number, { type: string; code: string | null; message: string }> = {
  400: { type: 'invalid_request_error', code: null, message: 'Invalid request.' },
  401: {
    type: 'invalid_request_error',
    code: 'invalid_api_key',
    message: 'Incorrect API key provided: sk-xxxx.',
  },
  404: { type: 'invalid_request_error', code: 'model_not_found', message: 'The model does not exist.' },
  429: {
    type: 'requests',
    code: 'rate_limit_exceeded',
    message: 'Rate limit reached for requests. Please try again in 7s.',
  },
  500: {
    type: 'server_error',
    code: null,
    message: 'The server had an error while processing your request.',
  },
  503: {
    type: 'server_error',
    code: null,
    message: 'The engine is currently overloaded, please try again later.',
  },
};

/**
 * An error body in the flavour's shape: vLLM >= 0.10.1 nests `{"error": {..., code: <int>}}`, vLLM
 * <= 0.10.0 and trtllm-serve send the flat `{"object": "error", ...}`, OpenAI nests with a string code.
 */
export function errorBody(
  flavour: ChatFlavour | 'vllm-legacy',
  status: number,
  message?: string,
): Record<string, unknown> {
  if (flavour === 'openai') {
    const known = OPENAI_ERRORS[status] ?? OPENAI_ERRORS[500];
    return {
      error: {
        message: message ?? known?.message,
        type: known?.type,
        param: null,
        code: known?.code ?? null,
      },
    };
  }
  const type = VLLM_ERROR_TYPES[status] ?? (status >= 500 ? 'InternalServerError' : 'BadRequestError');
  const text = message ?? `${type}: the fake upstream answered ${status}`;
  return flavour === 'vllm'
    ? { error: { message: text, type, param: null, code: status } }
    : { object: 'error', message: text, type, param: null, code: status };
}

/** `GET /v1/models`: vLLM cards with `root`, `parent` and permissions (§2); trtllm and OpenAI plain cards. */
export function modelsBody(flavour: ChatFlavour, models: string[], loraAdapters: string[], created: number) {
  if (flavour !== 'vllm') {
    const owner = flavour === 'trtllm' ? 'tensorrt_llm' : 'system';
    return { object: 'list', data: models.map((id) => ({ id, object: 'model', created, owned_by: owner })) };
  }
  const permission = (n: number) => [
    {
      id: `modelperm-${n.toString(16).padStart(32, '0')}`,
      object: 'model_permission',
      created,
      allow_create_engine: false,
      allow_sampling: true,
      allow_logprobs: true,
      allow_search_indices: false,
      allow_view: true,
      allow_fine_tuning: false,
      organization: '*',
      group: null,
      is_blocking: false,
    },
  ];
  const base = models[0] ?? null;
  return {
    object: 'list',
    data: [
      ...models.map((id, n) => ({
        id,
        object: 'model',
        created,
        owned_by: 'vllm',
        root: id,
        parent: null,
        max_model_len: 8192,
        permission: permission(n),
      })),
      ...loraAdapters.map((id, n) => ({
        id,
        object: 'model',
        created,
        owned_by: 'vllm',
        root: `/adapters/${id}`,
        parent: base,
        max_model_len: null,
        permission: permission(models.length + n),
      })),
    ],
  };
}

export interface LoadState {
  running: number;
  waiting: number;
  /** 0..1 */
  kvCacheUsage: number;
}

/** vLLM's Prometheus `/metrics` text (vllm-samples.md §7) with the load gauges taken from `state`. */
export function vllmMetricsText(model: string, state: LoadState): string {
  const labels = `engine="0",model_name="${model}"`;
  const f = (value: number) => (Number.isInteger(value) ? value.toFixed(1) : String(value));
  return `# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{${labels}} ${f(state.running)}
# HELP vllm:num_requests_waiting Number of requests waiting to be processed.
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{${labels}} ${f(state.waiting)}
# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.
# TYPE vllm:kv_cache_usage_perc gauge
vllm:kv_cache_usage_perc{${labels}} ${f(state.kvCacheUsage)}
# HELP vllm:prefix_cache_queries Prefix cache queries, in terms of number of queried tokens.
# TYPE vllm:prefix_cache_queries counter
vllm:prefix_cache_queries_total{${labels}} 4096.0
# HELP vllm:prefix_cache_hits Prefix cache hits, in terms of number of cached tokens.
# TYPE vllm:prefix_cache_hits counter
vllm:prefix_cache_hits_total{${labels}} 1024.0
# HELP vllm:num_preemptions Cumulative number of preemption from the engine.
# TYPE vllm:num_preemptions counter
vllm:num_preemptions_total{${labels}} 0.0
# HELP vllm:prompt_tokens Number of prefill tokens processed.
# TYPE vllm:prompt_tokens counter
vllm:prompt_tokens_total{${labels}} 4600.0
# HELP vllm:generation_tokens Number of generation tokens processed.
# TYPE vllm:generation_tokens counter
vllm:generation_tokens_total{${labels}} 27453.0
# HELP vllm:request_success Count of successfully processed requests.
# TYPE vllm:request_success counter
vllm:request_success_total{engine="0",finished_reason="stop",model_name="${model}"} 1.0
vllm:request_success_total{engine="0",finished_reason="length",model_name="${model}"} 131.0
vllm:request_success_total{engine="0",finished_reason="abort",model_name="${model}"} 0.0
# HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.
# TYPE vllm:time_to_first_token_seconds histogram
vllm:time_to_first_token_seconds_bucket{engine="0",le="0.001",model_name="${model}"} 0.0
vllm:time_to_first_token_seconds_bucket{engine="0",le="0.02",model_name="${model}"} 13.0
vllm:time_to_first_token_seconds_bucket{engine="0",le="0.1",model_name="${model}"} 140.0
vllm:time_to_first_token_seconds_bucket{engine="0",le="+Inf",model_name="${model}"} 140.0
vllm:time_to_first_token_seconds_count{${labels}} 140.0
vllm:time_to_first_token_seconds_sum{${labels}} 5.31
# HELP vllm:e2e_request_latency_seconds Histogram of e2e request latency in seconds.
# TYPE vllm:e2e_request_latency_seconds histogram
vllm:e2e_request_latency_seconds_bucket{engine="0",le="1.0",model_name="${model}"} 120.0
vllm:e2e_request_latency_seconds_bucket{engine="0",le="+Inf",model_name="${model}"} 140.0
vllm:e2e_request_latency_seconds_count{${labels}} 140.0
vllm:e2e_request_latency_seconds_sum{${labels}} 98.2
`;
}

/**
 * trtllm-serve's `/metrics`: a JSON array of iteration stats (protocol-samples.md, trtllm-serve), with
 * the load taken from `state`. KV-cache use is `usedNumBlocks / maxNumBlocks`.
 */
export function trtllmMetricsBody(state: LoadState, iteration: number) {
  const maxNumBlocks = 4096;
  const usedNumBlocks = Math.round(state.kvCacheUsage * maxNumBlocks);
  return [
    {
      cpuMemUsage: 0,
      gpuMemUsage: 56401920000,
      inflightBatchingStats: {
        avgNumDecodedTokensPerIter: 0,
        microBatchId: 0,
        numContextRequests: 0,
        numCtxTokens: 0,
        numGenRequests: state.running,
        numPausedRequests: 0,
        numScheduledRequests: state.running,
      },
      iter: iteration,
      iterLatencyMS: 16.505143404006958,
      kvCacheStats: {
        allocNewBlocks: 0,
        allocTotalBlocks: usedNumBlocks,
        cacheHitRate: 0,
        freeNumBlocks: maxNumBlocks - usedNumBlocks,
        maxNumBlocks,
        missedBlocks: 0,
        reusedBlocks: 0,
        tokensPerBlock: 32,
        usedNumBlocks,
      },
      maxNumActiveRequests: 256,
      newActiveRequestsQueueLatencyMS: 0.0007503032684326172,
      numActiveRequests: state.running,
      numCompletedRequests: 0,
      numQueuedRequests: state.waiting,
      pinnedMemUsage: 0,
      staticBatchingStats: null,
      timestamp: '11-25-2025 21:44:06',
    },
  ];
}
