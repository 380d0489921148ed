import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEmbedderContract } from '../../ports/embedder.contract.js';
import { EmbedderUnavailableError } from '../../ports/embedder.js';
import { writeTinyEmbeddingModel } from '../../testing/tiny-embedding-model.js';
import { createTransformersEmbedder, type TransformersEmbedderConfig } from './transformers-embedder.js';

const MODEL = 'test-org/tiny-static';
const DIMENSIONS = 64;
let root: string;
let cacheDir: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ragline-transformers-'));
  cacheDir = join(root, 'models');
  await writeTinyEmbeddingModel(join(cacheDir, MODEL), { dimensions: DIMENSIONS });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const embedderFor = (overrides: Partial<TransformersEmbedderConfig> = {}) =>
  createTransformersEmbedder({
    name: 'local',
    model: MODEL,
    cacheDir,
    allowRemoteModels: false,
    batchSize: 3,
    ...overrides,
  });

const dot = (a: number[], b: number[]) => a.reduce((sum, value, i) => sum + value * (b[i] as number), 0);
const norm = (a: number[]) => Math.sqrt(dot(a, a));

runEmbedderContract('transformers (tiny static-embedding model, offline)', () => ({
  embedder: embedderFor(),
}));

describe('createTransformersEmbedder', () => {
  it('loads the model from <cacheDir>/<model id> with remote models disabled and embeds', async () => {
    const embedder = embedderFor();
    expect(embedder.kind).toBe('transformers');
    expect(embedder.model).toBe(MODEL);
    expect(await embedder.dimensions()).toBe(DIMENSIONS);
    const result = await embedder.embed(['hello world', 'cats eat food']);
    expect(result.dimensions).toBe(DIMENSIONS);
    expect(result.vectors).toHaveLength(2);
  });

  it('returns unit-length vectors, or raw means when normalize is off', async () => {
    const { vectors } = await embedderFor().embed(['hello world', 'the stock market']);
    for (const vector of vectors) expect(norm(vector)).toBeCloseTo(1, 5);
    const raw = await embedderFor({ normalize: false }).embed(['hello world']);
    expect(Math.abs(norm(raw.vectors[0] as number[]) - 1)).toBeGreaterThan(0.01);
  });

  it('puts texts that share words closer than unrelated ones', async () => {
    const [query, related, unrelated] = (
      await embedderFor().embed(['how do i feed my cat', 'feed my cat food', 'stock market rates today'])
    ).vectors as [number[], number[], number[]];
    expect(dot(query, related)).toBeGreaterThan(dot(query, unrelated) + 0.2);
  });

  it('counts tokens from the tokenizer, special tokens included', async () => {
    // [CLS] hello world [SEP] + [CLS] cat [SEP]; "zebra" is not a word in the vocab, so WordPiece
    // splits it into letters: z ##e ##b ##r ##a.
    const result = await embedderFor().embed(['hello world', 'cat', 'zebra']);
    expect(result.usage.inputTokens).toBe(4 + 3 + 7);
  });

  it('gives the same vector to a text whether it is padded in a batch or alone', async () => {
    const texts = [
      'a',
      'the cat eats food and the dog eats food too',
      'hello world',
      'rain',
      'snow today',
      'x',
    ];
    const batched = await embedderFor({ batchSize: 4 }).embed(texts);
    const embedder = embedderFor({ batchSize: 1 });
    for (let i = 0; i < texts.length; i++) {
      const alone = (await embedder.embed([texts[i] as string])).vectors[0] as number[];
      const inBatch = batched.vectors[i] as number[];
      for (let d = 0; d < DIMENSIONS; d++) expect(inBatch[d]).toBeCloseTo(alone[d] as number, 5);
    }
  });

  it("truncates inputs to the model's max length", async () => {
    const dir = join(root, 'short', 'test-org', 'short-window');
    await writeTinyEmbeddingModel(dir, { dimensions: 8, maxLength: 8 });
    const embedder = embedderFor({ model: 'test-org/short-window', cacheDir: join(root, 'short') });
    const words = 'the cat eats food and the dog eats food too in the city today'.split(' ');
    const long = await embedder.embed([words.join(' ')]);
    expect(long.usage.inputTokens).toBe(8);
    // [CLS] + 6 words + [SEP] is all the model sees.
    const head = await embedder.embed([words.slice(0, 6).join(' ')]);
    expect(long.vectors[0]).toEqual(head.vectors[0]);
  });

  it('applies the query and document prefixes by purpose', async () => {
    const embedder = embedderFor({ queryPrefix: 'search ', documentPrefix: 'passage ' });
    const query = await embedder.embed(['cats eat food'], { purpose: 'query' });
    const document = await embedder.embed(['cats eat food'], { purpose: 'document' });
    const plain = embedderFor();
    expect(query.vectors[0]).toEqual((await plain.embed(['search cats eat food'])).vectors[0]);
    expect(document.vectors[0]).toEqual((await plain.embed(['passage cats eat food'])).vectors[0]);
    expect(query.usage.inputTokens).toBe(document.usage.inputTokens);
    expect(query.usage.inputTokens).toBe((await plain.embed(['cats eat food'])).usage.inputTokens + 1);
  });

  it('uses the preset pooling and prefix of a known model id', async () => {
    // Written under the default model's id: BGE presets are CLS pooling plus a query instruction.
    const presetCache = join(root, 'preset');
    await writeTinyEmbeddingModel(join(presetCache, 'Xenova/bge-small-en-v1.5'), { dimensions: 8 });
    const embedder = embedderFor({ model: 'Xenova/bge-small-en-v1.5', cacheDir: presetCache });
    const { vectors } = await embedder.embed(['cats eat food', 'the stock market']);
    // With a static model, the first ([CLS]) position is the same for every text.
    expect(vectors[0]).toEqual(vectors[1]);
    const document = await embedder.embed(['cats'], { purpose: 'document' });
    const query = await embedder.embed(['cats'], { purpose: 'query' });
    const instruction = 'represent this sentence for searching relevant passages :'.split(' ').length;
    expect(query.usage.inputTokens - document.usage.inputTokens).toBe(instruction);
  });

  it('finds a model under localModelPath before the cache', async () => {
    const localModelPath = join(root, 'local-models');
    await writeTinyEmbeddingModel(join(localModelPath, 'acme/local-only'), { dimensions: 12 });
    const embedder = embedderFor({ model: 'acme/local-only', localModelPath });
    expect(await embedder.dimensions()).toBe(12);
  });

  it('accepts an absolute path to a model folder as the model', async () => {
    const dir = join(root, 'by-path');
    await writeTinyEmbeddingModel(dir, { dimensions: 10 });
    expect(await embedderFor({ model: dir }).dimensions()).toBe(10);
  });

  it('is created without the model and says how to provide it when it is missing', async () => {
    const embedder = embedderFor({ model: 'acme/not-downloaded' });
    const error = await embedder.dimensions().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbedderUnavailableError);
    const message = (error as Error).message;
    expect(message).toContain(join(cacheDir, 'acme/not-downloaded'));
    for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']) {
      expect(message).toContain(file);
    }
    expect(message).toMatch(/remote models are disabled/);
    expect(message).toMatch(/run once with internet access/);
    await expect(embedder.embed(['hello'])).rejects.toBeInstanceOf(EmbedderUnavailableError);

    // Once the files are there, the same embedder loads them: a failure is not remembered.
    await writeTinyEmbeddingModel(join(cacheDir, 'acme/not-downloaded'), { dimensions: 6 });
    expect(await embedder.dimensions()).toBe(6);
  });

  it('names the weights file of the chosen dtype when it is missing', async () => {
    const error = await embedderFor({ dtype: 'q8' })
      .dimensions()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbedderUnavailableError);
    expect((error as Error).message).toContain('onnx/model_quantized.onnx');
  });

  it('reports a corrupt model file as unavailable, with the cause', async () => {
    const brokenCache = join(root, 'broken');
    const dir = join(brokenCache, 'acme/broken');
    await writeTinyEmbeddingModel(dir, { dimensions: 4 });
    await writeFile(join(dir, 'onnx', 'model.onnx'), 'not a protobuf');
    const error = await embedderFor({ model: 'acme/broken', cacheDir: brokenCache })
      .embed(['hello'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbedderUnavailableError);
    expect((error as Error).message).toMatch(/Could not load embedding model "acme\/broken"/);
    expect((error as Error).cause).toBeDefined();
  });

  it('returns an empty result for no texts without loading the model', async () => {
    const result = await embedderFor({ model: 'acme/never-loaded' }).embed([]);
    expect(result).toEqual({
      vectors: [],
      usage: { inputTokens: 0 },
      model: 'acme/never-loaded',
      dimensions: 0,
    });
  });
});
