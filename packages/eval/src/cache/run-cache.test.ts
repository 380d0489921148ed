import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EvalRepeat } from '../run/eval-run.js';
import type { SuiteDefinition } from '../suite/suite-definition.js';
import { writeFileAtomic } from './atomic-write.js';
import { caseCacheKey, metricConfigCacheKey } from './cache-keys.js';
import { RunCache, type RunCacheKey } from './run-cache.js';

const key: RunCacheKey = { target: 'rel_0123', case: 'c1', metrics: 'm1', repeat: 0 };
const repeat: EvalRepeat = {
  output: 'Paris',
  scores: { exact: 1 },
  passed: { exact: true },
  latencyMs: 41.5,
  costMicros: 1200,
};

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

describe('RunCache', () => {
  it('stores a repeat under its key and finds it again, and only under that key', async () => {
    const cache = await RunCache.open(await mkdtemp(join(tmpdir(), 'rc-')), ['exact']);
    expect(await cache.get(key)).toBeUndefined();
    await cache.put(key, { ...repeat, cached: true });
    expect(await cache.get(key)).toEqual(repeat);
    expect(await cache.get({ ...key, repeat: 1 })).toBeUndefined();
    expect(await cache.get({ ...key, metrics: 'm2' })).toBeUndefined();
    expect(await cache.get({ ...key, target: 'rel_9999' })).toBeUndefined();
    expect(await cache.get({ ...key, case: 'c2' })).toBeUndefined();
  });

  it('never stores a failed repeat', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rc-'));
    const cache = await RunCache.open(dir, ['exact']);
    await cache.put(key, { output: null, scores: {}, passed: {}, latencyMs: 3, error: 'down' });
    expect(await files(dir)).toEqual([]);
    expect(await cache.get(key)).toBeUndefined();
  });

  it('treats a torn, foreign or outdated entry as a miss and overwrites it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rc-'));
    const cache = await RunCache.open(dir, ['exact']);
    await cache.put(key, repeat);
    const [path] = await files(dir);
    await writeFile(path as string, '{"key": {"target"');
    expect(await cache.get(key)).toBeUndefined();
    await writeFile(path as string, JSON.stringify({ key: { ...key, case: 'other' }, repeat }));
    expect(await cache.get(key)).toBeUndefined();
    // A metric this suite no longer has.
    await writeFile(path as string, JSON.stringify({ key, repeat: { ...repeat, scores: { gone: 1 } } }));
    expect(await cache.get(key)).toBeUndefined();
    await cache.put(key, repeat);
    expect(await cache.get(key)).toEqual(repeat);
  });

  it('survives many writers of the same entries at once: every file whole, no temporary file left', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rc-'));
    const writers = await Promise.all([1, 2, 3, 4].map(() => RunCache.open(dir, ['exact'])));
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        (writers[i % 4] as RunCache).put({ ...key, repeat: i % 10 }, { ...repeat, latencyMs: i }),
      ),
    );
    const written = await files(dir);
    expect(written).toHaveLength(10);
    expect(written.every((path) => path.endsWith('.json'))).toBe(true);
    for (let i = 0; i < 10; i += 1) {
      const stored = await writers[0]?.get({ ...key, repeat: i });
      expect(stored?.latencyMs !== undefined && stored.latencyMs % 10 === i).toBe(true);
    }
  });

  it('names the folder when it cannot be created', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'rc-')), 'a-file');
    await writeFile(file, 'x');
    await expect(RunCache.open(join(file, 'cache'), [])).rejects.toThrow(`run cache ${join(file, 'cache')}`);
  });
});

describe('writeFileAtomic', () => {
  it('replaces a file whole, creating its folder', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'aw-')), 'deep', 'entry.json');
    await writeFileAtomic(path, 'one');
    await writeFileAtomic(path, 'two');
    expect(await readFile(path, 'utf8')).toBe('two');
  });
});

describe('cache keys', () => {
  const suite: SuiteDefinition = {
    name: 's',
    cases: [{ id: 'a', input: 'q' }],
    target: { kind: 'release', release: 'production', server: 'http://127.0.0.1:9' },
    metrics: [{ name: 'faith', kind: 'faithfulness' }],
    judge: { model: 'judge-route', apiKeyEnv: 'JUDGE_KEY' },
  };

  it('keys a case by what is scored, not by its tags', () => {
    const item = { id: 'a', input: 'q', expected: 'x' };
    expect(caseCacheKey({ ...item, tags: ['smoke'] })).toBe(caseCacheKey(item));
    expect(caseCacheKey({ ...item, expected: 'y' })).not.toBe(caseCacheKey(item));
    expect(caseCacheKey({ ...item, variables: { n: '1' } })).not.toBe(caseCacheKey(item));
    expect(caseCacheKey({ ...item, id: 'b' })).not.toBe(caseCacheKey(item));
  });

  it('changes the metric config key with the judge prompt versions, the judge and the extra, not the key variable', () => {
    const base = metricConfigCacheKey(suite, {});
    const v1 = metricConfigCacheKey(suite, {
      judgePrompts: {
        'faithfulness-statements': { template: 't', ref: 'ragline-judge-faithfulness-statements@1' },
      },
    });
    const v2 = metricConfigCacheKey(suite, {
      judgePrompts: {
        'faithfulness-statements': { template: 't', ref: 'ragline-judge-faithfulness-statements@2' },
      },
    });
    expect(new Set([base, v1, v2]).size).toBe(3);
    expect(metricConfigCacheKey({ ...suite, judge: { model: 'judge-route', apiKeyEnv: 'OTHER' } }, {})).toBe(
      base,
    );
    expect(metricConfigCacheKey({ ...suite, judge: { model: 'bigger-judge' } }, {})).not.toBe(base);
    expect(metricConfigCacheKey(suite, {}, { prompt: 3 })).not.toBe(base);
  });
});
