import { describe, expect, it } from 'vitest';
import { cachedEmbedder } from './embedding-cache.js';

function countingEmbedder() {
  const batches: string[][] = [];
  const embed = async (texts: string[]) => {
    batches.push(texts);
    return texts.map((text) => [text.length, 1]);
  };
  return { batches, embed };
}

describe('cachedEmbedder', () => {
  it('embeds identical texts once and only the missing texts of a call, in one batch', async () => {
    const { batches, embed } = countingEmbedder();
    const cached = cachedEmbedder(embed);
    expect(await cached(['a', 'bb', 'a'])).toEqual([
      [1, 1],
      [2, 1],
      [1, 1],
    ]);
    expect(await cached(['bb', 'ccc'])).toEqual([
      [2, 1],
      [3, 1],
    ]);
    expect(batches).toEqual([['a', 'bb'], ['ccc']]);
  });

  it('shares a batch in flight with a concurrent call', async () => {
    const { batches, embed } = countingEmbedder();
    const cached = cachedEmbedder(embed);
    await Promise.all([cached(['x', 'y']), cached(['y'])]);
    expect(batches).toEqual([['x', 'y']]);
  });

  it('forgets a failed batch so a later call asks again', async () => {
    let fail = true;
    const cached = cachedEmbedder(async (texts) => {
      if (fail) throw new Error('embedder down');
      return texts.map(() => [1]);
    });
    await expect(cached(['t'])).rejects.toThrow('embedder down');
    fail = false;
    expect(await cached(['t'])).toEqual([[1]]);
  });

  it('keeps at most maxEntries, dropping the least recently used', async () => {
    const { batches, embed } = countingEmbedder();
    const cached = cachedEmbedder(embed, 2);
    await cached(['a']);
    await cached(['b']);
    await cached(['a']); // a is now the most recent
    await cached(['c']); // evicts b
    await cached(['a', 'b']);
    expect(batches).toEqual([['a'], ['b'], ['c'], ['b']]);
  });
});
