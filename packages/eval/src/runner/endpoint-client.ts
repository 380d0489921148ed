import type { EndpointTargetDefinition } from '../suite/suite-definition.js';
import { chatContent, postJson } from './post-json.js';

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
  const url = `${target.baseURL.replace(/\/+$/, '')}/chat/completions`;
  const reply = await postJson(fetchImpl, url, body, {
    ...(apiKey !== undefined && { apiKey }),
    timeoutMs: target.timeoutMs ?? 60_000,
  });
  return chatContent(reply);
}
