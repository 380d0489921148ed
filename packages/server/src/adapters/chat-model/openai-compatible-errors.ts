import { parseRetryAfter } from '../../core/retry.js';
import { UpstreamError } from '../../ports/chat-model.js';

/** What an OpenAI-compatible upstream said in an error body. */
export interface OpenAIErrorInfo {
  message?: string;
  /** The upstream's string code ("rate_limit_exceeded") or, failing that, its type ("BadRequestError"). */
  code?: string;
  /** vLLM sends the HTTP status as an integer `code`. */
  status?: number;
}

/**
 * Reads every error shape the OpenAI-compatible family sends: OpenAI `{"error": {message, type, param,
 * code: string|null}}`; vLLM >= 0.10.1 `{"error": {message, type, param, code: <int>}}`; vLLM <= 0.10.0
 * and trtllm-serve `{"object": "error", message, type, code}`; trtllm validation and vLLM auth
 * `{"error": "<text>"}`; FastAPI `{"detail": ...}`; anything else (a proxy's HTML page) as trimmed text.
 */
export function parseOpenAIErrorBody(text: string): OpenAIErrorInfo {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ...(text.trim() && { message: snippet(text) }) };
  }
  if (typeof parsed !== 'object' || parsed === null)
    return { ...(text.trim() && { message: snippet(text) }) };
  const record = parsed as Record<string, unknown>;
  if (typeof record.error === 'string') return { message: record.error };
  if (typeof record.error === 'object' && record.error !== null)
    return pick(record.error as Record<string, unknown>);
  if (typeof record.message === 'string') return pick(record);
  if (record.detail !== undefined) {
    return { message: typeof record.detail === 'string' ? record.detail : JSON.stringify(record.detail) };
  }
  return { message: snippet(text) };
}

function pick(record: Record<string, unknown>): OpenAIErrorInfo {
  const info: OpenAIErrorInfo = {};
  if (typeof record.message === 'string') info.message = record.message;
  if (typeof record.code === 'string' && record.code) info.code = record.code;
  else if (typeof record.type === 'string' && record.type) info.code = record.type;
  if (typeof record.code === 'number' && Number.isInteger(record.code)) info.status = record.code;
  return info;
}

/** A non-JSON body (an HTML error page) shortened to one readable line. */
function snippet(text: string): string {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1];
  const plain = (title ?? text.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim();
  return plain.length > 200 ? `${plain.slice(0, 200)}…` : plain;
}

/** `retry-after-ms` (OpenAI, milliseconds) first, then `Retry-After` (seconds or an HTTP date). */
export function retryAfterMsOf(headers: Headers, now = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Math.round(Number(ms));
  return parseRetryAfter(headers.get('retry-after'), now);
}

/** The UpstreamError for a non-2xx answer, from its status, headers and body text. */
export function httpError(target: string, response: Response, bodyText: string): UpstreamError {
  const info = parseOpenAIErrorBody(bodyText);
  const retryAfterMs = retryAfterMsOf(response.headers);
  const reason = info.message ? `: ${info.message}` : '';
  return new UpstreamError(`${target} answered HTTP ${response.status}${reason}`, {
    kind: 'http',
    target,
    status: response.status,
    ...(retryAfterMs !== undefined && { retryAfterMs }),
    ...(info.code !== undefined && { code: info.code }),
  });
}
