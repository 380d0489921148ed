import { EventStreamCodec } from '@smithy/eventstream-codec';
import { delay, HttpResponse, http } from 'msw';

/**
 * An msw fake of Bedrock Runtime `POST /model/{modelId}/converse` and `/converse-stream`, after the
 * Bedrock section of shared/specs/protocol-samples.md. Requests are checked the way Bedrock checks
 * them (SigV4, JSON, roles alternating from a user turn, non-blank text blocks, inference config
 * ranges) and rejected with a ValidationException. ConverseStream answers binary
 * `application/vnd.amazon.eventstream` frames, padded with a `p` field like the real service.
 *
 * The answer, unless a test scripts one, echoes the last user turn: `You said: <text>`, one word per
 * delta; tokens are counted as words + 1.
 */
export interface BedrockConverseFakeOptions {
  region: string;
  /** Serve an endpoint override (a VPC endpoint) instead of the region's public endpoint. */
  endpoint?: string;
}

export interface RecordedConverse {
  modelId: string;
  stream: boolean;
  body: Record<string, unknown>;
  headers: Headers;
  /**
   * Set when the client abandoned the request (its signal aborted, or it cancelled the body). msw sees
   * this only through fetch: with the SDK's HTTP/1 handler a dropped socket goes unnoticed.
   */
  aborted: boolean;
}

export interface BedrockUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

/** What the model says; any field left out keeps the echo default. */
export interface BedrockConverseAnswer {
  /** The text, as deltas when streamed (a string is split into words). */
  text?: string | string[];
  stopReason?: string;
  usage?: BedrockUsage;
}

export type BedrockStreamExceptionType =
  | 'throttlingException'
  | 'modelStreamErrorException'
  | 'internalServerException'
  | 'validationException'
  | 'serviceUnavailableException';

/**
 * Where a stream fault strikes: after messageStart and `afterDeltas` contentBlockDelta events, or after
 * the first `afterEvents` events of the whole stream (messageStart, deltas, contentBlockStop,
 * messageStop, metadata).
 */
export type BedrockFaultPoint = { afterDeltas: number } | { afterEvents: number };

/** One scripted behaviour, used by the next request (either operation). */
export type BedrockConverseScript =
  /** An error status before any body, with the error name in `x-amzn-errortype`. */
  | {
      kind: 'http';
      status: number;
      errorType: string;
      message?: string;
      headers?: Record<string, string>;
      delayMs?: number;
    }
  /** No response at all: the connection fails. */
  | { kind: 'connection' }
  /** No response headers, ever: the request hangs until the client gives up. */
  | { kind: 'hang' }
  /** Any response, as given (e.g. a 200 that is not what Bedrock sends). */
  | { kind: 'raw'; status: number; body: string; headers?: Record<string, string> }
  /**
   * A normal answer with chosen content, optionally slow: before the headers (`delayMs`), between stream
   * frames (`eventDelayMs`), or, for Converse, between the headers and the JSON body (`bodyDelayMs`).
   */
  | {
      kind: 'answer';
      answer?: BedrockConverseAnswer;
      delayMs?: number;
      eventDelayMs?: number;
      bodyDelayMs?: number;
    }
  /** A 200 stream that stops at the fault point with an exception frame (`:message-type: exception`). */
  | (BedrockFaultPoint & {
      kind: 'stream-exception';
      exceptionType: BedrockStreamExceptionType;
      message?: string;
      answer?: BedrockConverseAnswer;
    })
  /**
   * A 200 stream that stops at the fault point: `close` ends the body cleanly between frames,
   * `partial-frame` ends it halfway through the next frame, `reset` breaks the connection.
   */
  | (BedrockFaultPoint & {
      kind: 'cut';
      how?: 'close' | 'partial-frame' | 'reset';
      answer?: BedrockConverseAnswer;
    })
  /** A 200 stream that stops at the fault point and stays open, silent, until the client leaves. */
  | (BedrockFaultPoint & { kind: 'stall'; answer?: BedrockConverseAnswer });

const TOP_LEVEL_KEYS = new Set([
  'messages',
  'system',
  'inferenceConfig',
  'toolConfig',
  'guardrailConfig',
  'additionalModelRequestFields',
  'additionalModelResponseFieldPaths',
  'promptVariables',
  'requestMetadata',
  'performanceConfig',
  'serviceTier',
]);
const INFERENCE_KEYS = new Set(['maxTokens', 'temperature', 'topP', 'stopSequences']);
const CONTENT_KEYS = new Set([
  'text',
  'image',
  'document',
  'video',
  'toolUse',
  'toolResult',
  'guardContent',
  'cachePoint',
  'reasoningContent',
  'citationsContent',
]);

const utf8 = {
  encode: (text: string) => new TextEncoder().encode(text),
  decode: (bytes: Uint8Array) => new TextDecoder().decode(bytes),
};
const codec = new EventStreamCodec(utf8.decode, utf8.encode);

/** One binary event-stream frame, as Bedrock writes it. */
export function encodeBedrockFrame(
  type: string,
  body: unknown,
  messageType: 'event' | 'exception' = 'event',
): Uint8Array {
  return codec.encode({
    headers: {
      ':message-type': { type: 'string', value: messageType },
      [messageType === 'event' ? ':event-type' : ':exception-type']: { type: 'string', value: type },
      ':content-type': { type: 'string', value: 'application/json' },
    },
    body: utf8.encode(JSON.stringify(body)),
  });
}

export function createBedrockConverseFake(options: BedrockConverseFakeOptions) {
  const calls: RecordedConverse[] = [];
  const rejected: { modelId: string; body: unknown; reason: string }[] = [];
  const scripts: BedrockConverseScript[] = [];
  let requestCounter = 0;
  const origin = options.endpoint ?? `https://bedrock-runtime.${options.region}.amazonaws.com`;
  const base = `${origin.replace(/\/+$/, '')}/model/:modelId`;

  const handle = (stream: boolean) =>
    http.post(`${base}/${stream ? 'converse-stream' : 'converse'}`, async ({ request, params }) => {
      const modelId = String(params.modelId);
      const requestId = `req-${++requestCounter}`;
      const text = await request.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
      const record: RecordedConverse = {
        modelId,
        stream,
        body: body as Record<string, unknown>,
        headers: request.headers,
        aborted: false,
      };
      calls.push(record);
      // Resolves when the client abandons the request: its signal aborts or it cancels the body.
      let markAborted = () => {};
      const abandoned = new Promise<void>((resolve) => {
        markAborted = () => {
          record.aborted = true;
          resolve();
        };
      });
      if (request.signal.aborted) markAborted();
      request.signal.addEventListener('abort', markAborted);

      const problem = checkRequest(body, request.headers);
      if (problem) {
        rejected.push({ modelId, body, reason: problem });
        return errorResponse(400, 'ValidationException', problem, requestId);
      }
      const script = scripts.shift() ?? { kind: 'answer' };
      switch (script.kind) {
        case 'connection':
          return HttpResponse.error();
        case 'hang':
          await abandoned;
          return HttpResponse.error();
        case 'raw':
          return new HttpResponse(script.body, {
            status: script.status,
            headers: { 'x-amzn-requestid': requestId, ...script.headers },
          });
        case 'http':
          if (script.delayMs) await delay(script.delayMs);
          return errorResponse(
            script.status,
            script.errorType,
            script.message ?? defaultMessage(script.errorType),
            requestId,
            script.headers,
          );
      }
      const answer = resolveAnswer(body as ConverseBody, script.answer);
      if (script.kind === 'answer' && script.delayMs) {
        await Promise.race([delay(script.delayMs), abandoned]);
        if (record.aborted) return HttpResponse.error();
      }
      if (!stream) {
        const json = {
          output: { message: { role: 'assistant', content: [{ text: answer.deltas.join('') }] } },
          stopReason: answer.stopReason,
          usage: answer.usage,
          metrics: { latencyMs: 321 },
        };
        const bodyDelayMs = script.kind === 'answer' ? script.bodyDelayMs : undefined;
        if (!bodyDelayMs) return HttpResponse.json(json, { headers: { 'x-amzn-requestid': requestId } });
        const bytes = new TextEncoder().encode(JSON.stringify(json));
        const slowBody = new ReadableStream<Uint8Array>({
          async start(controller) {
            await Promise.race([delay(bodyDelayMs), abandoned]);
            if (record.aborted) return;
            controller.enqueue(bytes);
            controller.close();
          },
          cancel() {
            markAborted();
          },
        });
        return new HttpResponse(slowBody, {
          headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId },
        });
      }
      return new HttpResponse(eventStream(answer, script, abandoned, markAborted), {
        headers: { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': requestId },
      });
    });

  return {
    handlers: [handle(false), handle(true)],
    /** Every request received, in order (rejected ones included). */
    calls,
    /** Requests Bedrock would have refused, with the reason. */
    rejected,
    callCount: () => calls.length,
    /** How many requests the client abandoned (aborted, or cancelled the response body). */
    abortCount: () => calls.filter((call) => call.aborted).length,
    /** Queue behaviours for the next requests, one each, in order. */
    scriptNext(...next: BedrockConverseScript[]) {
      scripts.push(...next);
    },
    reset() {
      calls.length = 0;
      rejected.length = 0;
      scripts.length = 0;
    },
  };
}

export type BedrockConverseFake = ReturnType<typeof createBedrockConverseFake>;

interface ConverseBody {
  messages: { role: string; content: Record<string, unknown>[] }[];
  system?: { text?: string }[];
  inferenceConfig?: { maxTokens?: number; stopSequences?: string[] };
}

interface ResolvedAnswer {
  deltas: string[];
  stopReason: string;
  usage: BedrockUsage;
}

const countTokens = (text: string) => text.split(/\s+/).filter(Boolean).length + 1;

function resolveAnswer(body: ConverseBody, scripted: BedrockConverseAnswer | undefined): ResolvedAnswer {
  const lastUser = [...body.messages].reverse().find((m) => m.role === 'user');
  const said = (lastUser?.content ?? [])
    .map((block) => (typeof block.text === 'string' ? block.text : ''))
    .join(' ');
  let deltas = scripted?.text ?? `You said: ${said}`;
  if (typeof deltas === 'string') deltas = deltas.split(/(?<=\s)/);
  let stopReason = scripted?.stopReason ?? 'end_turn';
  const maxTokens = body.inferenceConfig?.maxTokens;
  if (!scripted?.text && maxTokens !== undefined && deltas.length > maxTokens) {
    deltas = deltas.slice(0, maxTokens);
    stopReason = 'max_tokens';
  }
  const prompt = [...(body.system ?? []).map((s) => s.text ?? ''), ...body.messages.map(messageText)];
  const inputTokens = prompt.reduce((sum, text) => sum + countTokens(text), 0);
  const outputTokens = deltas.length;
  return {
    deltas,
    stopReason,
    usage: scripted?.usage ?? { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
  };
}

function messageText(message: ConverseBody['messages'][number]): string {
  return message.content.map((block) => (typeof block.text === 'string' ? block.text : '')).join(' ');
}

const PAD = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function eventStream(
  answer: ResolvedAnswer,
  script: Extract<BedrockConverseScript, { answer?: BedrockConverseAnswer }>,
  abandoned: Promise<void>,
  markAborted: () => void,
): ReadableStream<Uint8Array> {
  const head = [encodeBedrockFrame('messageStart', { role: 'assistant', p: PAD.slice(0, 8) })];
  const deltas = answer.deltas.map((text, i) =>
    encodeBedrockFrame('contentBlockDelta', {
      contentBlockIndex: 0,
      delta: { text },
      p: PAD.slice(0, 4 + (i % 20)),
    }),
  );
  const tail = [
    encodeBedrockFrame('contentBlockStop', { contentBlockIndex: 0, p: PAD.slice(0, 12) }),
    encodeBedrockFrame('messageStop', { stopReason: answer.stopReason, p: PAD.slice(0, 6) }),
    encodeBedrockFrame('metadata', { usage: answer.usage, metrics: { latencyMs: 250 }, p: PAD.slice(0, 3) }),
  ];
  const all = [...head, ...deltas, ...tail];
  const sent =
    script.kind === 'answer'
      ? all.length
      : 'afterEvents' in script
        ? Math.min(script.afterEvents, all.length)
        : 1 + Math.min(script.afterDeltas, deltas.length);
  const eventDelayMs = script.kind === 'answer' ? (script.eventDelayMs ?? 0) : 0;
  let gone = false;
  void abandoned.then(() => {
    gone = true;
  });
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      for (let i = 0; i < sent; i++) {
        if (eventDelayMs && i > 0) await Promise.race([delay(eventDelayMs), abandoned]);
        if (gone) return;
        controller.enqueue(all[i] as Uint8Array);
      }
      switch (script.kind) {
        case 'stream-exception':
          controller.enqueue(
            encodeBedrockFrame(
              script.exceptionType,
              { message: script.message ?? defaultMessage(script.exceptionType) },
              'exception',
            ),
          );
          break;
        case 'cut': {
          const how = script.how ?? 'close';
          if (how === 'reset') {
            // Let the frames already queued reach the client before the connection breaks.
            await delay(20);
            controller.error(new Error('socket hang up'));
            return;
          }
          const next = all[sent];
          if (how === 'partial-frame' && next) controller.enqueue(next.slice(0, Math.ceil(next.length / 2)));
          break;
        }
        case 'stall':
          await abandoned;
          return;
      }
      controller.close();
    },
    cancel() {
      markAborted();
    },
  });
}

function checkRequest(body: unknown, headers: Headers): string | undefined {
  if (!headers.get('authorization')?.startsWith('AWS4-HMAC-SHA256 ')) return 'request is not SigV4-signed';
  if (headers.get('content-type') !== 'application/json') return 'content-type must be application/json';
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return 'The request body is not valid JSON.';
  const request = body as Record<string, unknown>;
  const extra = Object.keys(request).find((key) => !TOP_LEVEL_KEYS.has(key));
  if (extra) return `Unknown field: ${extra}`;

  const messages = request.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    return 'The model returned the following errors: messages: at least one message is required';
  }
  for (const [i, message] of messages.entries()) {
    const m = message as Record<string, unknown>;
    if (m.role !== 'user' && m.role !== 'assistant') {
      return `1 validation error detected: Value '${m.role}' at 'messages.${i + 1}.member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]`;
    }
    const problem = checkContent(m.content, `messages.${i}.content`);
    if (problem) return problem;
  }
  if ((messages[0] as { role: string }).role !== 'user') {
    return 'A conversation must start with a user message. Try again with a conversation that starts with a user message.';
  }
  for (let i = 1; i < messages.length; i++) {
    if ((messages[i] as { role: string }).role === (messages[i - 1] as { role: string }).role) {
      return 'A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.';
    }
  }

  if (request.system !== undefined) {
    if (!Array.isArray(request.system)) return 'system must be a list of SystemContentBlock';
    for (const [i, block] of request.system.entries()) {
      const b = block as Record<string, unknown>;
      const keys = Object.keys(b ?? {});
      if (keys.length !== 1 || !['text', 'guardContent', 'cachePoint'].includes(keys[0] as string)) {
        return `system.${i} must have exactly one of text, guardContent, cachePoint`;
      }
      if ('text' in b && (typeof b.text !== 'string' || b.text.trim() === '')) {
        return `The text field in the SystemContentBlock object at system.${i} is blank. Add text to the text field, and try again.`;
      }
    }
  }

  const config = request.inferenceConfig;
  if (config !== undefined) {
    if (typeof config !== 'object' || config === null) return 'inferenceConfig must be an object';
    const c = config as Record<string, unknown>;
    const unknown = Object.keys(c).find((key) => !INFERENCE_KEYS.has(key));
    if (unknown) return `Unknown field in inferenceConfig: ${unknown}`;
    if (c.maxTokens !== undefined && !(Number.isInteger(c.maxTokens) && (c.maxTokens as number) >= 1)) {
      return `1 validation error detected: Value '${c.maxTokens}' at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1`;
    }
    for (const key of ['temperature', 'topP'] as const) {
      const value = c[key];
      if (value !== undefined && !(typeof value === 'number' && value >= 0 && value <= 1)) {
        return `1 validation error detected: Value '${value}' at 'inferenceConfig.${key}' failed to satisfy constraint: Member must have value less than or equal to 1`;
      }
    }
    const stops = c.stopSequences;
    if (stops !== undefined) {
      if (!Array.isArray(stops) || stops.some((s) => typeof s !== 'string' || s.length === 0)) {
        return 'inferenceConfig.stopSequences must be a list of non-empty strings';
      }
      if (stops.length > 2500) return 'inferenceConfig.stopSequences has too many entries';
    }
  }
  return undefined;
}

function checkContent(content: unknown, where: string): string | undefined {
  if (!Array.isArray(content) || content.length === 0)
    return `${where} must be a non-empty list of ContentBlock`;
  for (const [j, block] of content.entries()) {
    const keys = Object.keys((block as object) ?? {});
    if (keys.length !== 1 || !CONTENT_KEYS.has(keys[0] as string)) {
      return `The ContentBlock object at ${where}.${j} must set exactly one of its members.`;
    }
    const b = block as Record<string, unknown>;
    if ('text' in b && (typeof b.text !== 'string' || b.text.trim() === '')) {
      return `The text field in the ContentBlock object at ${where}.${j} is blank. Add text to the text field, and try again.`;
    }
  }
  return undefined;
}

function defaultMessage(errorType: string): string {
  const name = errorType.charAt(0).toUpperCase() + errorType.slice(1);
  switch (name) {
    case 'ThrottlingException':
      return 'Too many tokens, please wait before trying again.';
    case 'ServiceUnavailableException':
      return 'Bedrock is unable to process your request.';
    case 'ModelNotReadyException':
      return 'Model is not ready for inference. Wait and try your request again.';
    case 'ValidationException':
      return 'The request is invalid.';
    case 'ModelStreamErrorException':
      return 'The model stream encountered an error.';
    case 'InternalServerException':
      return 'The server encountered an internal error.';
    default:
      return `${name}`;
  }
}

function errorResponse(
  status: number,
  errorType: string,
  message: string,
  requestId: string,
  headers: Record<string, string> = {},
) {
  return HttpResponse.json(
    { message },
    {
      status,
      headers: {
        'x-amzn-errortype': `${errorType}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
        'x-amzn-requestid': requestId,
        ...headers,
      },
    },
  );
}
