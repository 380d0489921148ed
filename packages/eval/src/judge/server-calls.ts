import { EndpointError } from '../runner/endpoint-client.js';
import { chatContent, type JsonReply, postJson } from '../runner/post-json.js';
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
    const reply = await postToServer(
      connection,
      '/v1/chat/completions',
      { model: judge.model, messages, temperature: judge.temperature ?? 0 },
      { [USAGE_KIND_HEADER]: 'judge' },
    );
    return chatContent(reply);
  };
}

/** An embedder (or embeddings route) through the server's `POST /v1/embeddings`: one call per batch of texts. */
export function serverEmbedder(
  connection: ServerConnection,
  model: string,
): (texts: string[]) => Promise<number[][]> {
  return async (texts) => {
    if (texts.length === 0) return [];
    const reply = await postToServer(connection, '/v1/embeddings', { model, input: texts });
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

function postToServer(
  connection: ServerConnection,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<JsonReply> {
  return postJson(connection.context.fetch, `${connection.baseURL}${path}`, body, {
    ...(connection.apiKey !== undefined && { apiKey: connection.apiKey }),
    timeoutMs: connection.timeoutMs,
    headers,
  });
}
