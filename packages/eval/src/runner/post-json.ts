import { EndpointError, type FetchLike } from './endpoint-client.js';

/** A 2xx JSON answer, with where it came from and its headers (request id, metered cost). */
export interface JsonReply {
  url: string;
  body: unknown;
  headers: Headers;
}

export interface PostJsonOptions {
  /** Sent as a bearer token when given. */
  apiKey?: string;
  timeoutMs: number;
  headers?: Record<string, string>;
}

/**
 * POSTs a JSON body and reads a JSON answer. Every failure (unreachable, the timeout, a non-2xx status, a
 * body that is not JSON) is an `EndpointError` naming the URL: an infrastructure failure, never a score.
 */
export async function postJson(
  fetchImpl: FetchLike,
  url: string,
  body: unknown,
  options: PostJsonOptions,
): Promise<JsonReply> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.apiKey !== undefined) headers.authorization = `Bearer ${options.apiKey}`;
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new EndpointError(`${url} unreachable: ${(error as Error).message}${cause ? ` (${cause})` : ''}`);
  }
  const text = await response.text().catch(() => '');
  if (!response.ok) {
    const detail = text.slice(0, 200);
    throw new EndpointError(`${url} answered ${response.status}${detail ? `: ${detail}` : ''}`);
  }
  try {
    return { url, body: JSON.parse(text), headers: response.headers };
  } catch {
    throw new EndpointError(`${url} answered with a body that is not JSON`);
  }
}

/** `choices[0].message.content` of an OpenAI chat completion, or an `EndpointError`. */
export function chatContent(reply: JsonReply): string {
  const content = (reply.body as { choices?: { message?: { content?: unknown } }[] }).choices?.[0]?.message
    ?.content;
  if (typeof content !== 'string')
    throw new EndpointError(`${reply.url} answered without choices[0].message.content`);
  return content;
}
