import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countTokens } from '../../core/token-count.js';
import { loadLocalTokenizer } from '../../runtime/node-tokenizer-loader.js';
import { writeTinyEmbeddingModel } from '../../testing/tiny-embedding-model.js';
import { createTargetTokenizers } from './target-tokenizers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ragline-tokenizer-'));
  await writeTinyEmbeddingModel(dir, { dimensions: 4 });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('target tokenizers', () => {
  it("estimates with a target's own tokenizer once it has loaded, and the heuristic elsewhere", async () => {
    const warnings: unknown[] = [];
    const logger = { debug() {}, info() {}, warn: (...a: unknown[]) => warnings.push(a), error() {} };
    const tokenizers = createTargetTokenizers(
      [{ id: 'llama', tokenizer: dir }, { id: 'cloud' }, { id: 'broken', tokenizer: join(dir, 'missing') }],
      { load: loadLocalTokenizer, logger },
    );
    await tokenizers.ready();
    // "zebra" is not in the tiny WordPiece vocabulary: it splits into letters, which the heuristic cannot know.
    const text = 'the zebra';
    const own = tokenizers.estimatorFor('llama');
    expect(own.method).toBe(`tokenizer:${dir}`);
    expect(own.count(text)).toBe(6); // the + z ##e ##b ##r ##a
    expect(own.count('')).toBe(0);
    expect(tokenizers.estimatorFor('cloud')).toMatchObject({ method: 'heuristic' });
    expect(tokenizers.estimatorFor('cloud').count(text)).toBe(countTokens(text));
    expect(tokenizers.estimatorFor('broken').method).toBe('heuristic');
    expect(tokenizers.estimatorFor(null).method).toBe('heuristic');
    expect(warnings).toHaveLength(1);
  });

  it('estimates with the heuristic where the runtime cannot load tokenizers (Workers)', async () => {
    const tokenizers = createTargetTokenizers([{ id: 'llama', tokenizer: dir }]);
    await tokenizers.ready();
    expect(tokenizers.estimatorFor('llama').method).toBe('heuristic');
  });
});
