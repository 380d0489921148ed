import type { EndpointTargetDefinition } from '../suite/suite-definition.js';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** The endpoint could not produce an answer (unreachable, non-2xx, malformed reply): an infrastructure error. */
export class EndpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EndpointError';
  }
}

/** Sends one user message to an OpenAI-compatible chat completions endpoint and returns the answer text. */
export async function completeChat(
  target: EndpointTargetDefinition,
  input: string,
  apiKey: string | undefined,
  fetchImpl: FetchLike,
): Promise<string> {
  const messages = [
    ...(target.system === undefined ? [] : [{ role: 'system', content: target.system }]),
    { role: 'user', content: input },
  ];
  const body: Record<string, unknown> = { model: target.model, messages };
  if (target.temperature !== undefined) body.temperature = target.temperature;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (apiKey !== undefined) headers.authorization = `Bearer ${apiKey}`;
  const url = `${target.baseURL.replace(/\/+$/, '')}/chat/completions`;
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(target.timeoutMs ?? 60_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new EndpointError(`${url} unreachable: ${(error as Error).message}${cause ? ` (${cause})` : ''}`);
  }
  if (!response.ok) {
    const detail = (await response.text().catch(() => '')).slice(0, 200);
    throw new EndpointError(`${url} answered ${response.status}${detail ? `: ${detail}` : ''}`);
  }
  let reply: unknown;
  try {
    reply = await response.json();
  } catch {
    throw new EndpointError(`${url} answered with a body that is not JSON`);
  }
  const content = (reply as { choices?: { message?: { content?: unknown } }[] }).choices?.[0]?.message
    ?.content;
  if (typeof content !== 'string')
    throw new EndpointError(`${url} answered without choices[0].message.content`);
  return content;
}
