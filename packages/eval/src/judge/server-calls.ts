import { EndpointError } from '../runner/endpoint-client.js';
import type { ServerConnection } from '../targets/server-client.js';
import type { JudgeCall } from './ask-judge.js';

/** The header that makes the server meter a chat call as kind `judge` instead of `chat`. */
export const USAGE_KIND_HEADER = 'x-ragline-usage-kind';

/** The judge model (a gateway route) through the server's `POST /v1/chat/completions`, metered as `judge`. */
export function serverJudge(
  connection: ServerConnection,
  judge: { model: string; temperature?: number },
): JudgeCall {
  return async (messages) => {
    const reply = await postJson(
      connection,
      '/v1/chat/completions',
      { model: judge.model, messages, temperature: judge.temperature ?? 0 },
      { [USAGE_KIND_HEADER]: 'judge' },
    );
    const content = (reply.body as { choices?: { message?: { content?: unknown } }[] }).choices?.[0]?.message
      ?.content;
    if (typeof content !== 'string')
      throw new EndpointError(`${reply.url} answered without choices[0].message.content`);
    return content;
  };
}

/** An embedder (or embeddings route) through the server's `POST /v1/embeddings`: one call per batch of texts. */
export function serverEmbedder(
  connection: ServerConnection,
  model: string,
): (texts: string[]) => Promise<number[][]> {
  return async (texts) => {
    if (texts.length === 0) return [];
    const reply = await postJson(connection, '/v1/embeddings', { model, input: texts });
    const data = (reply.body as { data?: { index?: unknown; embedding?: unknown }[] }).data;
    if (!Array.isArray(data) || data.length !== texts.length)
      throw new EndpointError(
        `${reply.url} answered ${data?.length ?? 'no'} embeddings for ${texts.length} texts`,
      );
    const vectors: number[][] = new Array(texts.length);
    data.forEach((entry, i) => {
      const index = typeof entry.index === 'number' ? entry.index : i;
      const vector = entry.embedding;
      if (!Array.isArray(vector) || !vector.every((x) => typeof x === 'number'))
        throw new EndpointError(`${reply.url} answered embedding ${index} that is not a list of numbers`);
      vectors[index] = vector;
    });
    return vectors;
  };
}

async function postJson(
  connection: ServerConnection,
  path: string,
  body: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<{ url: string; body: unknown }> {
  const url = `${connection.baseURL}${path}`;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...extraHeaders };
  if (connection.apiKey !== undefined) headers.authorization = `Bearer ${connection.apiKey}`;
  let response: Response;
  try {
    response = await connection.context.fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(connection.timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new EndpointError(`${url} unreachable: ${(error as Error).message}${cause ? ` (${cause})` : ''}`);
  }
  if (!response.ok) {
    const detail = (await response.text().catch(() => '')).slice(0, 200);
    throw new EndpointError(`${url} answered ${response.status}${detail ? `: ${detail}` : ''}`);
  }
  try {
    return { url, body: await response.json() };
  } catch {
    throw new EndpointError(`${url} answered with a body that is not JSON`);
  }
}
