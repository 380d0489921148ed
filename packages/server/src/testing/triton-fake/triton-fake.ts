import { delay, HttpResponse, http } from 'msw';

/**
 * An msw fake of Triton Inference Server's generate extension, `POST /v2/models/{model}[/versions/{v}]/generate`
 * and `/generate_stream`, after the Triton section of shared/specs/protocol-samples.md:
 * - `generate` answers one JSON object (`model_name`, `model_version`, `text_output`, plus the
 *   `sequence_*` keys of a TensorRT-LLM ensemble);
 * - `generate_stream` answers `text/event-stream; charset=utf-8` with one `data: {...}` frame per
 *   response, `text_output` a delta, and no `[DONE]`: the body just ends;
 * - errors before inference are `4xx/5xx {"error": "..."}` JSON; an error during a stream is a
 *   `data: {"error": "..."}` frame under HTTP 200.
 *
 * Requests are checked like Triton checks them: `text_input` must be a string, `parameters` values must be
 * scalars, and a `tensorrt-llm` model (the ensemble of the TensorRT-LLM backend) also requires `max_tokens`,
 * streams only when asked (`parameters.stream` or the `stream` input) and, in a non-streaming answer, echoes
 * the prompt before the output unless `exclude_input_in_output` is true.
 *
 * The answer is deterministic: a few words picked by a hash of `text_input`, one word per delta, cut at
 * `max_tokens` deltas.
 */
export interface TritonFakeOptions {
  /** Server root, e.g. "http://triton.test:8000". */
  baseUrl: string;
  /** The models served, by name. */
  models: Record<string, TritonFakeModel>;
}

export interface TritonFakeModel {
  /** Versions served; a URL without a version gets the last one. Default ['1']. */
  versions?: string[];
  /** Default 'tensorrt-llm'. 'python' is a plain decoupled Python-backend model: only the spec's three keys. */
  flavour?: 'tensorrt-llm' | 'python';
  /** The answer's deltas for a request; replaces the hashed words. */
  reply?: (request: TritonFakeRequest) => string[];
  /**
   * Add a `finish_reason` output ("stop", "length") to the response and to the last stream frame, as the
   * vLLM backend does when asked with `return_finish_reason`. Default: no such key.
   */
  finishReason?: string;
  /** Wait between stream frames, in ms. Default 0. */
  frameDelayMs?: number;
}

export interface TritonFakeRequest {
  model: string;
  /** The version named in the URL, if any. */
  version: string | undefined;
  stream: boolean;
  body: Record<string, unknown>;
  headers: Headers;
  /** Set when the client abandoned the request (its signal aborted) before the fake finished answering. */
  aborted: boolean;
}

/** One scripted behaviour, used by the next request to either endpoint. Frame counts are content frames. */
export type TritonFault =
  /** An error status with Triton's `{"error": message}` body. */
  | { kind: 'http'; status: number; message?: string; headers?: Record<string, string> }
  /** No response at all: the connection fails. */
  | { kind: 'connection' }
  /** Wait `ms` before the headers (forever, until the client aborts, when `ms` is left out), then answer. */
  | { kind: 'stall-headers'; ms?: number }
  /** `generate` only: send the headers at once and the JSON body `ms` later (a long generation). */
  | { kind: 'slow-body'; ms: number }
  /** Send K frames, then `data: {"error": message}` under the 200, then end the body. */
  | { kind: 'error-frame'; afterFrames: number; message?: string }
  /** Send K frames, then break the body with a network error (the client's read rejects). */
  | { kind: 'cut'; afterFrames: number }
  /** Send K frames, then end the body in the middle of the next frame (no blank line after it). */
  | { kind: 'cut-mid-frame'; afterFrames: number }
  /** Send K frames, then a frame whose data is not JSON. */
  | { kind: 'malformed-frame'; afterFrames: number }
  /** Send K frames, then send nothing for `ms` (forever, until the client aborts, when left out). */
  | { kind: 'stall'; afterFrames: number; ms?: number }
  /** Answer 200 with an empty event stream: no frame at all. */
  | { kind: 'empty-stream' };

type StreamStep = { send: string } | { raw: string } | { cut: true } | { stallMs: number | undefined };

const STATUS_MESSAGES: Record<number, string> = {
  400: 'invalid request',
  429: 'Exceeds maximum queue size',
  500: 'Internal server error',
  503: 'Server is not ready',
};

const WORDS = [
  'red',
  'green',
  'blue',
  'amber',
  'violet',
  'cyan',
  'magenta',
  'ochre',
  'teal',
  'indigo',
  'scarlet',
  'olive',
];

export function createTritonFake(options: TritonFakeOptions) {
  const root = options.baseUrl.replace(/\/+$/, '');
  const requests: TritonFakeRequest[] = [];
  const scripted: TritonFault[] = [];
  /** Answers whose body is still to come when the handler returns. */
  const slowBodies = new WeakSet<Response>();
  let aborts = 0;

  const handle = (stream: boolean) =>
    (async ({ request, params }) => {
      const model = String(params.model);
      const version = params.version === undefined ? undefined : String(params.version);
      const recorded: TritonFakeRequest = {
        model,
        version,
        stream,
        body: {},
        headers: request.headers,
        aborted: false,
      };
      requests.push(recorded);
      let finished = false;
      const abandoned = new Promise<void>((resolve) => {
        const onAbort = () => {
          if (!finished) {
            recorded.aborted = true;
            aborts++;
          }
          resolve();
        };
        if (request.signal.aborted) onAbort();
        else request.signal.addEventListener('abort', onAbort, { once: true });
      });
      const finish = () => {
        finished = true;
      };
      const response = await answer(request, recorded, abandoned, finish);
      // Only an event stream or a slow body is still being answered once the handler returns.
      const streaming = response.headers.get('content-type')?.startsWith('text/event-stream');
      if (!streaming && !slowBodies.has(response)) finish();
      return response;
    }) satisfies Parameters<typeof http.post>[1];

  async function answer(
    request: Request,
    recorded: TritonFakeRequest,
    abandoned: Promise<void>,
    finish: () => void,
  ): Promise<Response> {
    const { model, version, stream } = recorded;
    const raw = await request.text();
    const fault = scripted.shift();
    if (fault?.kind === 'connection') return HttpResponse.error();
    if (fault?.kind === 'http') {
      return HttpResponse.json(
        { error: fault.message ?? STATUS_MESSAGES[fault.status] ?? `HTTP ${fault.status}` },
        { status: fault.status, ...(fault.headers && { headers: fault.headers }) },
      );
    }
    if (fault?.kind === 'stall-headers') {
      await (fault.ms === undefined ? abandoned : Promise.race([abandoned, delay(fault.ms)]));
      if (request.signal.aborted) return HttpResponse.error();
    }

    const served = options.models[model];
    const versions = served?.versions ?? ['1'];
    if (!served || (version !== undefined && !versions.includes(version))) {
      return tritonError(
        404,
        `Request for unknown model: '${model}'${version === undefined ? '' : ` version ${version}`} is not found`,
      );
    }
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (!isObject(parsed)) throw new Error('not an object');
      body = parsed;
    } catch {
      return tritonError(400, 'failed to parse the request JSON buffer: The document is empty.');
    }
    recorded.body = body;

    const flavour = served.flavour ?? 'tensorrt-llm';
    const invalid = validate(body, model, flavour);
    if (invalid) return tritonError(400, invalid);

    const parameters = (body.parameters ?? {}) as Record<string, unknown>;
    const modelVersion = version ?? (versions.at(-1) as string);
    const maxTokens = pick(body, parameters, 'max_tokens');
    let deltas = served.reply ? served.reply(recorded) : defaultReply(body.text_input as string);
    if (typeof maxTokens === 'number') deltas = deltas.slice(0, Math.max(0, maxTokens));
    const streaming = pick(body, parameters, 'stream') === true;
    const exclude = pick(body, parameters, 'exclude_input_in_output') === true;
    const echo = flavour === 'tensorrt-llm' && !streaming && !exclude ? (body.text_input as string) : '';
    const sequenceKeys = { sequence_end: false, sequence_id: 0, sequence_start: false };

    if (!stream) {
      const json = {
        model_name: model,
        model_version: modelVersion,
        ...(flavour === 'tensorrt-llm' && sequenceKeys),
        text_output: echo + deltas.join(''),
        ...(served.finishReason !== undefined && { finish_reason: served.finishReason }),
      };
      if (fault?.kind !== 'slow-body') return HttpResponse.json(json);
      const bytes = new TextEncoder().encode(JSON.stringify(json));
      const slowBody = new ReadableStream<Uint8Array>({
        async pull(controller) {
          await Promise.race([abandoned, delay(fault.ms)]);
          finish();
          if (request.signal.aborted) return controller.error(new TypeError('aborted'));
          controller.enqueue(bytes);
          controller.close();
        },
      });
      const response = new HttpResponse(slowBody, { headers: { 'content-type': 'application/json' } });
      slowBodies.add(response);
      return response;
    }

    // A TensorRT-LLM ensemble that was not asked to stream answers one frame with the whole text.
    if (!streaming && flavour === 'tensorrt-llm') deltas = [echo + deltas.join('')];
    const frame = (text: string, finishReason?: string) =>
      JSON.stringify({
        ...(flavour === 'tensorrt-llm'
          ? {
              context_logits: 0.0,
              cum_log_probs: 0.0,
              generation_logits: 0.0,
              model_name: model,
              model_version: modelVersion,
              output_log_probs: [0.0, 0.0],
              ...sequenceKeys,
              text_output: text,
            }
          : { model_name: model, model_version: modelVersion, text_output: text }),
        ...(finishReason !== undefined && { finish_reason: finishReason }),
      });
    const encoder = new TextEncoder();
    const frameDelayMs = served.frameDelayMs ?? 0;
    const steps: StreamStep[] =
      fault?.kind === 'empty-stream'
        ? []
        : deltas.map((text, i) => ({
            send: frame(text, i === deltas.length - 1 ? served.finishReason : undefined),
          }));
    if (fault && 'afterFrames' in fault) {
      const at = Math.min(fault.afterFrames, steps.length);
      const tail = steps.splice(at);
      switch (fault.kind) {
        case 'error-frame':
          steps.push({
            send: JSON.stringify({ error: fault.message ?? 'Executor failed to process request' }),
          });
          break;
        case 'cut':
          steps.push({ cut: true });
          break;
        case 'cut-mid-frame':
          steps.push({ raw: `data: ${frame(deltas[at] ?? '').slice(0, 25)}` });
          break;
        case 'malformed-frame':
          steps.push({ send: '{"text_output": "trunc' }, ...tail);
          break;
        case 'stall':
          steps.push({ stallMs: fault.ms }, ...tail);
          break;
      }
    }

    // Pull-based with no buffer, so that each frame goes out only when the client reads: a fault after K
    // frames then really comes after the client got those K frames (erroring a stream drops its queue).
    let index = 0;
    const bodyStream = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          for (;;) {
            const step = request.signal.aborted ? undefined : steps[index++];
            if (!step) {
              finish();
              controller.close();
              return;
            }
            if ('cut' in step) {
              finish();
              controller.error(new TypeError('terminated: other side closed'));
              return;
            }
            if ('stallMs' in step) {
              await (step.stallMs === undefined ? abandoned : Promise.race([abandoned, delay(step.stallMs)]));
              continue;
            }
            if (index > 1 && frameDelayMs > 0) await delay(frameDelayMs);
            controller.enqueue(encoder.encode('raw' in step ? step.raw : `data: ${step.send}\n\n`));
            return;
          }
        },
      },
      { highWaterMark: 0 },
    );
    return new HttpResponse(bodyStream, {
      status: 200,
      headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' },
    });
  }

  const routes = (suffix: string, stream: boolean) => [
    http.post(`${root}/v2/models/:model/${suffix}`, handle(stream)),
    http.post(`${root}/v2/models/:model/versions/:version/${suffix}`, handle(stream)),
  ];

  return {
    handlers: [...routes('generate', false), ...routes('generate_stream', true)],
    requests,
    /** Requests the client abandoned (aborted its signal) before the fake finished answering. */
    aborts: () => aborts,
    /** Apply `fault` to the next request; queued faults are used in order. */
    injectNext(...faults: TritonFault[]) {
      scripted.push(...faults);
    },
    /** The fault switches of the ChatModel contract suite. */
    faults: {
      failNext(status: number, init: { retryAfterSeconds?: number } = {}) {
        scripted.push({
          kind: 'http',
          status,
          ...(init.retryAfterSeconds !== undefined && {
            headers: { 'retry-after': String(init.retryAfterSeconds) },
          }),
        });
      },
      refuseNext() {
        scripted.push({ kind: 'connection' });
      },
      hangNext() {
        scripted.push({ kind: 'stall-headers' });
      },
      stallNextStreamAfter(frames: number) {
        scripted.push({ kind: 'stall', afterFrames: frames });
      },
      cutNextStreamAfter(frames: number) {
        scripted.push({ kind: 'cut', afterFrames: frames });
      },
      errorFrameNextStreamAfter(frames: number) {
        scripted.push({ kind: 'error-frame', afterFrames: frames });
      },
    },
    reset() {
      requests.length = 0;
      scripted.length = 0;
      aborts = 0;
    },
  };
}

export type TritonFake = ReturnType<typeof createTritonFake>;

function validate(
  body: Record<string, unknown>,
  model: string,
  flavour: 'tensorrt-llm' | 'python',
): string | undefined {
  const required = flavour === 'tensorrt-llm' ? ['text_input', 'max_tokens'] : ['text_input'];
  const parameters = body.parameters;
  if (parameters !== undefined && !isObject(parameters)) return "Expected 'parameters' to be a JSON object";
  const params = (parameters ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(params)) {
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      return `parameter '${name}' has invalid type. It should be either 'int', 'bool', or 'string'.`;
    }
  }
  const missing = required.filter((name) => pick(body, params, name) === undefined);
  if (missing.length > 0) {
    const given = Object.keys(body).filter((key) => key !== 'parameters');
    return `[request id: <id_unknown>] expected ${required.length} inputs but got ${given.length} inputs for model '${model}'. Got input(s) [${given.map((k) => `'${k}'`).join(', ')}], but missing required input(s) [${missing.map((k) => `'${k}'`).join(', ')}]. Please provide all required input(s).`;
  }
  if (typeof pick(body, params, 'text_input') !== 'string') {
    return "unable to parse 'text_input': expected a string";
  }
  const stopWords = body.stop_words;
  if (
    stopWords !== undefined &&
    !(Array.isArray(stopWords) && stopWords.every((w) => typeof w === 'string'))
  ) {
    return "unable to parse 'stop_words': expected an array of strings";
  }
  return undefined;
}

/** Triton takes an input either as a top-level key or from `parameters`. */
function pick(body: Record<string, unknown>, parameters: Record<string, unknown>, name: string): unknown {
  return body[name] ?? parameters[name];
}

function defaultReply(prompt: string): string[] {
  let seed = 0x811c9dc5;
  for (let i = 0; i < prompt.length; i++) seed = Math.imul(seed ^ prompt.charCodeAt(i), 0x01000193) >>> 0;
  const words: string[] = [];
  for (let i = 0; i < 6; i++) {
    words.push(`${i === 0 ? '' : ' '}${WORDS[(seed >>> (i * 4)) % WORDS.length]}`);
  }
  return [...words, '.'];
}

function tritonError(status: number, message: string) {
  return HttpResponse.json({ error: message }, { status });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
