import { beforeEach, describe, expect, it } from 'vitest';
import type { Embedder } from './embedder.js';

export interface EmbedderContractSubject {
  embedder: Embedder;
  /** Calls made to the upstream service so far, where the adapter has one to count. */
  upstreamCalls?: () => number;
}

const TEXTS = [
  'how do I feed my cat',
  'cats eat food',
  'the stock market price today',
  'change the engine oil of the car',
  'hello world',
  'rain and snow in the mountain city',
  'vector search over documents',
];

const closeTo = (actual: number[], expected: number[]) => {
  expect(actual).toHaveLength(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i] as number, 5);
};

/**
 * The behaviour every Embedder adapter must have. `setup` runs before each test and should give an
 * adapter whose batch size is below 7, so batching is exercised.
 */
export function runEmbedderContract(
  name: string,
  setup: () => EmbedderContractSubject | Promise<EmbedderContractSubject>,
): void {
  describe(`Embedder contract: ${name}`, () => {
    let subject: EmbedderContractSubject;
    beforeEach(async () => {
      subject = await setup();
    });

    it('returns one vector per input, in input order', async () => {
      const result = await subject.embedder.embed(TEXTS);
      expect(result.vectors).toHaveLength(TEXTS.length);
      const reversed = await subject.embedder.embed([...TEXTS].reverse());
      for (let i = 0; i < TEXTS.length; i++) {
        closeTo(reversed.vectors[TEXTS.length - 1 - i] as number[], result.vectors[i] as number[]);
      }
      expect(result.model).toBe(subject.embedder.model);
    });

    it('gives every vector the fixed dimension that dimensions() reports', async () => {
      const dimensions = await subject.embedder.dimensions();
      expect(Number.isInteger(dimensions)).toBe(true);
      expect(dimensions).toBeGreaterThan(0);
      for (const purpose of ['document', 'query'] as const) {
        const result = await subject.embedder.embed(TEXTS.slice(0, 3), { purpose });
        expect(result.dimensions).toBe(dimensions);
        for (const vector of result.vectors) {
          expect(vector).toHaveLength(dimensions);
          for (const value of vector) expect(Number.isFinite(value)).toBe(true);
        }
      }
    });

    it('is deterministic for the same input, alone or in a batch', async () => {
      const first = await subject.embedder.embed(TEXTS);
      const second = await subject.embedder.embed(TEXTS);
      expect(second.vectors).toEqual(first.vectors);
      const alone = await subject.embedder.embed([TEXTS[3] as string]);
      closeTo(alone.vectors[0] as number[], first.vectors[3] as number[]);
    });

    it('distinguishes different texts', async () => {
      const { vectors } = await subject.embedder.embed(['cats eat food', 'the stock market price today']);
      expect(vectors[0]).not.toEqual(vectors[1]);
    });

    it('answers an empty input list with an empty result and no upstream call', async () => {
      const before = subject.upstreamCalls?.() ?? 0;
      const result = await subject.embedder.embed([]);
      expect(result.vectors).toEqual([]);
      expect(result.usage.inputTokens).toBe(0);
      expect(result.model).toBe(subject.embedder.model);
      expect(subject.upstreamCalls?.() ?? 0).toBe(before);
    });

    it('reports a non-negative integer token usage', async () => {
      const result = await subject.embedder.embed(TEXTS);
      expect(Number.isInteger(result.usage.inputTokens)).toBe(true);
      expect(result.usage.inputTokens).toBeGreaterThanOrEqual(0);
    });

    it('stops when the signal is already aborted', async () => {
      const reason = new Error('caller gave up');
      await expect(subject.embedder.embed(TEXTS, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    });
  });
}
