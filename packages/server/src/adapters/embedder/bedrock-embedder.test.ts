import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runEmbedderContract } from '../../ports/embedder.contract.js';
import { EmbedderUnavailableError, EmbedderUpstreamError } from '../../ports/embedder.js';
import { createBedrockEmbeddingsFake } from '../../testing/bedrock-fake/bedrock-embeddings-fake.js';
import { fakeVector } from '../../testing/openai-fake/openai-embeddings-fake.js';
import { type BedrockEmbedderConfig, createBedrockEmbedder } from './bedrock-embedder.js';

const REGION = 'us-east-1';
const TITAN = 'amazon.titan-embed-text-v2:0';
const COHERE = 'cohere.embed-english-v3';
const bedrock = createBedrockEmbeddingsFake({ region: REGION });
const server = setupServer(...bedrock.handlers);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  // Bedrock would have rejected these bodies.
  expect(bedrock.rejected).toEqual([]);
  bedrock.reset();
});
afterAll(() => server.close());

// The SDK defaults to HTTP/2 in Node, which msw cannot intercept; tests use HTTP/1 and no SDK retries.
const testClient = (
  credentials: BedrockEmbedderConfig['credentials'] = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
) =>
  new BedrockRuntimeClient({
    region: REGION,
    credentials,
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  });

const embedderFor = (overrides: Partial<BedrockEmbedderConfig> = {}) =>
  createBedrockEmbedder({
    name: 'bedrock',
    model: TITAN,
    region: REGION,
    client: testClient(),
    ...overrides,
  });

const upstreamError = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => expect.fail('expected a failure'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EmbedderUpstreamError);
  return error as EmbedderUpstreamError;
};

runEmbedderContract('bedrock (Titan Text Embeddings V2 fake)', () => ({
  embedder: embedderFor({ dimensions: 256, concurrency: 3 }),
  upstreamCalls: bedrock.calls,
}));
runEmbedderContract('bedrock (Cohere embed v3 fake)', () => ({
  embedder: embedderFor({ model: COHERE }),
  upstreamCalls: bedrock.calls,
}));

describe('createBedrockEmbedder with Titan Text Embeddings V2', () => {
  it('invokes the model once per text with inputText, dimensions and normalize', async () => {
    const texts = ['hello world', 'cats eat food', 'one'];
    const result = await embedderFor({ dimensions: 512 }).embed(texts);
    expect(bedrock.invokes.map((i) => i.modelId)).toEqual([TITAN, TITAN, TITAN]);
    expect(
      bedrock.invokes
        .map((i) => i.body)
        .sort((a, b) => String(a.inputText).localeCompare(String(b.inputText))),
    ).toEqual([...texts].sort().map((inputText) => ({ inputText, dimensions: 512, normalize: true })));
    expect(bedrock.invokes[0]?.headers.get('authorization')).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDTEST\//,
    );
    expect(result.vectors).toEqual(texts.map((text) => fakeVector(text, 512)));
    // inputTextTokenCount: the fake counts words + 1.
    expect(result.usage.inputTokens).toBe(3 + 4 + 2);
    expect(result.dimensions).toBe(512);
  });

  it('defaults to 1024 dimensions and knows them without a call', async () => {
    const embedder = embedderFor();
    expect(await embedder.dimensions()).toBe(1024);
    expect(bedrock.calls()).toBe(0);
    expect((await embedder.embed(['hi'])).vectors[0]).toHaveLength(1024);
    expect(bedrock.invokes[0]?.body.dimensions).toBe(1024);
  });

  it('rejects a dimension Titan does not offer before calling it', async () => {
    const embedder = embedderFor({ dimensions: 300 });
    await expect(embedder.dimensions()).rejects.toThrow(EmbedderUnavailableError);
    await expect(embedder.embed(['hi'])).rejects.toThrow(/256, 512 or 1024, not 300/);
    expect(bedrock.calls()).toBe(0);
  });

  it('rejects a vector of the wrong size', async () => {
    bedrock.replyNext({ status: 200, body: { embedding: [0.1, 0.2], inputTextTokenCount: 2 } });
    const error = await upstreamError(embedderFor({ dimensions: 256 }).embed(['hi']));
    expect(error.message).toMatch(/has 2 dimensions, expected 256/);
    expect(error.retryable).toBe(false);
  });

  it('rejects a response without an embedding', async () => {
    bedrock.replyNext({ status: 200, body: { inputTextTokenCount: 2 } });
    const error = await upstreamError(embedderFor().embed(['hi']));
    expect(error.message).toMatch(/not an array of finite numbers/);
  });

  it('stops calling for the remaining texts after a failure', async () => {
    bedrock.replyNext({ status: 400, errorType: 'ValidationException', message: 'bad' });
    await upstreamError(embedderFor({ concurrency: 1 }).embed(['a', 'b', 'c', 'd']));
    expect(bedrock.calls()).toBe(1);
  });
});

describe('createBedrockEmbedder with Cohere embed v3', () => {
  it('sends up to 96 texts per call with input_type by purpose and truncate END', async () => {
    const texts = Array.from({ length: 100 }, (_, i) => `document number ${i}`);
    const embedder = embedderFor({ model: COHERE });
    const result = await embedder.embed(texts);
    expect(bedrock.invokes.map((i) => (i.body.texts as string[]).length)).toEqual([96, 4]);
    expect(bedrock.invokes[0]?.body).toMatchObject({ input_type: 'search_document', truncate: 'END' });
    expect(result.vectors).toEqual(texts.map((text) => fakeVector(`search_document:${text}`, 1024)));
    // Usage comes from the X-Amzn-Bedrock-Input-Token-Count header (the fake counts words + 1).
    expect(result.usage.inputTokens).toBe(100 * 4);

    bedrock.reset();
    const query = await embedder.embed(['where is the cat'], { purpose: 'query' });
    expect(bedrock.invokes[0]?.body.input_type).toBe('search_query');
    expect(query.vectors[0]).toEqual(fakeVector('search_query:where is the cat', 1024));
  });

  it('cuts texts to the 2048 characters Bedrock accepts', async () => {
    const long = 'word '.repeat(1000);
    await embedderFor({ model: 'cohere.embed-multilingual-v3' }).embed([long]);
    expect(bedrock.invokes[0]?.body.texts).toEqual([long.slice(0, 2048)]);
  });

  it('knows its 1024 dimensions without a call', async () => {
    expect(await embedderFor({ model: COHERE }).dimensions()).toBe(1024);
    expect(bedrock.calls()).toBe(0);
  });

  it('reads the embeddings_by_type shape', async () => {
    const vector = fakeVector('x', 1024);
    bedrock.replyNext({
      status: 200,
      body: { id: 'x', embeddings: { float: [vector] }, texts: ['x'], response_type: 'embeddings_by_type' },
    });
    expect((await embedderFor({ model: COHERE }).embed(['x'])).vectors).toEqual([vector]);
  });

  it('rejects a response with the wrong number of embeddings', async () => {
    bedrock.replyNext({
      status: 200,
      body: {
        id: 'x',
        embeddings: [fakeVector('a', 1024)],
        texts: ['a', 'b'],
        response_type: 'embeddings_floats',
      },
    });
    const error = await upstreamError(embedderFor({ model: COHERE }).embed(['a', 'b']));
    expect(error.message).toMatch(/1 embeddings for 2 texts/);
  });
});

describe('createBedrockEmbedder errors', () => {
  it('maps throttling to a retryable typed error with the status', async () => {
    bedrock.replyNext({
      status: 429,
      errorType: 'ThrottlingException',
      message: 'Too many requests, please wait before trying again.',
    });
    const error = await upstreamError(embedderFor().embed(['hi']));
    expect(error.status).toBe(429);
    expect(error.retryable).toBe(true);
    expect(error.message).toContain(
      'ThrottlingException: Too many requests, please wait before trying again.',
    );
  });

  it('maps ModelNotReady and 5xx to retryable errors', async () => {
    bedrock.replyNext({ status: 429, errorType: 'ModelNotReadyException', message: 'Model is not ready' });
    expect((await upstreamError(embedderFor().embed(['hi']))).retryable).toBe(true);
    bedrock.replyNext({ status: 503, errorType: 'ServiceUnavailableException', message: 'unavailable' });
    const error = await upstreamError(embedderFor().embed(['hi']));
    expect(error.retryable).toBe(true);
    expect(error.status).toBe(503);
  });

  it('maps validation errors to a non-retryable typed error', async () => {
    bedrock.replyNext({
      status: 400,
      errorType: 'ValidationException',
      message: 'Input is too long for requested model.',
    });
    const error = await upstreamError(embedderFor().embed(['hi']));
    expect(error.status).toBe(400);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('ValidationException: Input is too long for requested model.');
  });

  it('says to enable the model when access is denied', async () => {
    bedrock.replyNext({
      status: 403,
      errorType: 'AccessDeniedException',
      message: "You don't have access to the model with the specified model ID.",
    });
    const error = await upstreamError(embedderFor().embed(['hi']));
    expect(error.status).toBe(403);
    expect(error.message).toMatch(
      /check that amazon\.titan-embed-text-v2:0 is enabled for this account in us-east-1/,
    );
  });

  it('reports missing credentials as unavailable, with how to fix it', async () => {
    const noCredentials = async () => {
      throw Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      });
    };
    const error = await embedderFor({ client: testClient(noCredentials) })
      .embed(['hi'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbedderUnavailableError);
    expect((error as Error).message).toMatch(/no AWS credentials/);
    expect(bedrock.calls()).toBe(0);
  });

  it('reports an unsupported model as unavailable without calling Bedrock', async () => {
    const embedder = embedderFor({ model: 'amazon.titan-embed-image-v1' });
    await expect(embedder.dimensions()).rejects.toThrow(/not a supported embedding model/);
    await expect(embedder.embed(['hi'])).rejects.toBeInstanceOf(EmbedderUnavailableError);
    expect(bedrock.calls()).toBe(0);
  });

  it('stops with the reason when the caller aborts mid-call', async () => {
    bedrock.replyNext({ status: 200, body: {}, delayMs: 2_000 });
    const controller = new AbortController();
    const reason = new Error('client went away');
    setTimeout(() => controller.abort(reason), 20);
    await expect(embedderFor().embed(['hi'], { signal: controller.signal })).rejects.toBe(reason);
  });
});
