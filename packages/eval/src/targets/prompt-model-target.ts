import type { RenderedPrompt } from '@ragline/sdk';
import { contentHash } from '../runner/content-hash.js';
import { EndpointError } from '../runner/endpoint-client.js';
import { chatContent, postJson } from '../runner/post-json.js';
import type { DatasetCase } from '../suite/dataset.js';
import type { PromptModelTargetDefinition } from '../suite/suite-definition.js';
import { readCollectionState } from './collection-target.js';
import { toRetrievedContexts } from './retrieved-contexts.js';
import { callServer, meteredFields, type ServerConnection, serverConnection } from './server-client.js';
import type { ResolvedTarget, TargetAnswer, TargetContext } from './target.js';

/** The server's `retrieval.topK` default for answers (answerRetrievalSchema). */
const ANSWER_DEFAULT_TOP_K = 8;

export interface PromptModelPins {
  prompt: string;
  version: number;
  /** The gateway route. */
  model: string;
  collection?: string;
  topK?: number;
  /** What the collection holds (see collection-target.ts): a re-ingest gives another hash. */
  collectionState?: Record<string, unknown>;
}

/**
 * The content hash of a prompt-model target: {prompt name, version, model route, collection and its state,
 * topK}, with
 * the server's default topK filled in where a collection is given (equal meaning, equal hash). Exported so
 * the server checks promotions against the same hash.
 */
export function promptModelContentHash(pins: PromptModelPins): string {
  const topK = pins.collection === undefined ? undefined : (pins.topK ?? ANSWER_DEFAULT_TOP_K);
  return contentHash({
    prompt: pins.prompt,
    version: pins.version,
    model: pins.model,
    collection: pins.collection,
    topK,
    collectionState: pins.collectionState,
  });
}

/**
 * A prompt version answered by a gateway route. The prompt label (or the latest version) is resolved to
 * a version once, here. With a collection each case is a generative `POST /v1/answer` pinned to that
 * version; without one (`/v1/answer` needs a collection) the prompt is rendered on the server with an
 * empty `{{context}}` and sent to `POST /v1/chat/completions` on the route.
 */
export async function promptModelTarget(
  target: PromptModelTargetDefinition,
  context: TargetContext,
): Promise<ResolvedTarget> {
  const connection = serverConnection(target, context);
  const { name, version: pinned, label } = target.prompt;
  const { value: prompt } = await callServer(connection, (client) =>
    client.prompts.get(name, {
      cache: false,
      ...(pinned !== undefined ? { version: pinned } : label !== undefined && { label }),
    }),
  );
  const version = prompt.version;
  const collectionState =
    target.collection === undefined ? undefined : await readCollectionState(connection, target.collection);
  const where = target.collection === undefined ? '' : ` on collection ${target.collection}`;
  return {
    ref: {
      kind: 'prompt-model',
      id: `${name}@${version}`,
      description: `prompt ${name}@${version} with model route ${target.model}${where}`,
      contentHash: promptModelContentHash({
        prompt: name,
        version,
        model: target.model,
        collection: target.collection,
        topK: target.topK,
        ...(collectionState !== undefined && { collectionState }),
      }),
    },
    call: (item, input) =>
      target.collection === undefined
        ? renderAndComplete(connection, target, version, item, input)
        : answerFromCollection(connection, target, target.collection, version, item, input),
  };
}

async function answerFromCollection(
  connection: ServerConnection,
  target: PromptModelTargetDefinition,
  collection: string,
  version: number,
  item: DatasetCase,
  input: string,
): Promise<TargetAnswer> {
  const { value: answer, headers } = await callServer(connection, (client) =>
    client.answer.create({
      prompt: { name: target.prompt.name, version },
      model: target.model,
      collection,
      ...(target.topK !== undefined && { retrieval: { topK: target.topK } }),
      question: input,
      ...(item.variables !== undefined && { variables: item.variables }),
      // Never a silent extractive answer when no model is configured: the server refuses instead.
      mode: 'generative',
    }),
  );
  if (answer.prompt?.version !== version) {
    throw new EndpointError(
      `${connection.baseURL}/v1/answer answered with prompt version ${answer.prompt?.version ?? 'none'}, not ${version}`,
    );
  }
  return {
    output: answer.answer,
    contexts: toRetrievedContexts(answer.citations),
    ...meteredFields(headers, answer.cost),
  };
}

/** Prompt-model-config keys the chat request does not take as they are. */
const NOT_SENT = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'n',
  'contextWindow',
  'context_window',
]);

async function renderAndComplete(
  connection: ServerConnection,
  target: PromptModelTargetDefinition,
  version: number,
  item: DatasetCase,
  input: string,
): Promise<TargetAnswer> {
  const { value: rendered } = await callServer(connection, (client) =>
    client.prompts.render(target.prompt.name, {
      version,
      variables: { ...item.variables, context: '', question: input },
    }),
  );
  const parameters = Object.fromEntries(
    Object.entries(rendered.model?.parameters ?? {}).filter(([key]) => !NOT_SENT.has(key)),
  );
  return completeChat(connection, {
    ...parameters,
    model: target.model,
    messages: messagesOf(rendered),
    stream: false,
  });
}

function messagesOf(rendered: RenderedPrompt): { role: string; content: unknown }[] {
  if (rendered.kind === 'chat') return rendered.messages ?? [];
  return [{ role: 'user', content: rendered.text ?? '' }];
}

/** `POST /v1/chat/completions` on the server (the SDK has no chat resource: the gateway is OpenAI's API). */
async function completeChat(
  connection: ServerConnection,
  body: Record<string, unknown>,
): Promise<TargetAnswer> {
  const reply = await postJson(connection.context.fetch, `${connection.baseURL}/v1/chat/completions`, body, {
    ...(connection.apiKey !== undefined && { apiKey: connection.apiKey }),
    timeoutMs: connection.timeoutMs,
  });
  return { output: chatContent(reply), ...meteredFields(reply.headers) };
}
