import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CollectedFile } from './collect-files.js';
import { findDuplicateId, type JsonlDocument, planBatches, readJsonlFile } from './plan-batches.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ragline-plan-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const file = (id: string, size: number): CollectedFile => ({
  absolutePath: `/x/${id}`,
  id,
  contentType: 'text/plain',
  size,
});
const line = (id: string, bytes = 10): JsonlDocument => ({ id, line: `{"id":"${id}"}`, bytes });

async function jsonlFile(name: string, text: string): Promise<CollectedFile> {
  const absolutePath = path.join(dir, name);
  await writeFile(absolutePath, text);
  return { absolutePath, id: name, contentType: 'jsonl', size: text.length };
}

describe('planBatches', () => {
  it('splits by count, keeping files and JSON Lines apart', () => {
    const batches = planBatches([file('a', 1), file('b', 1), file('c', 1)], [line('x'), line('y')], {
      size: 2,
      maxBytes: 1e9,
    });
    expect(batches.map((b) => [b.kind, b.ids])).toEqual([
      ['files', ['a', 'b']],
      ['files', ['c']],
      ['jsonl', ['x', 'y']],
    ]);
  });

  it('splits by bytes, sending an oversized document alone', () => {
    const batches = planBatches([file('a', 40), file('b', 70), file('big', 500), file('c', 10)], [], {
      size: 100,
      maxBytes: 100,
    });
    expect(batches.map((b) => b.ids)).toEqual([['a'], ['b'], ['big'], ['c']]);
  });

  it('finds duplicate ids across batches', () => {
    expect(
      findDuplicateId(planBatches([file('a', 1)], [line('b'), line('a')], { size: 10, maxBytes: 1e9 })),
    ).toBe('a');
    expect(
      findDuplicateId(planBatches([file('a', 1)], [line('b')], { size: 10, maxBytes: 1e9 })),
    ).toBeUndefined();
  });
});

describe('readJsonlFile', () => {
  it('reads documents, skipping blank lines', async () => {
    const f = await jsonlFile(
      'ok.jsonl',
      '{"id":"a","text":"x"}\n\n  {"id":"b","content":"PGI+","contentType":"text/html"}\n',
    );
    const docs = await readJsonlFile(f);
    expect(docs.map((d) => d.id)).toEqual(['a', 'b']);
    expect(docs[1]?.line).toBe('{"id":"b","content":"PGI+","contentType":"text/html"}');
    expect(docs[0]?.bytes).toBe(22);
  });

  it('names the file and line of bad JSON or an invalid document', async () => {
    await expect(
      readJsonlFile(await jsonlFile('bad.jsonl', '{"id":"a","text":"x"}\n{oops\n')),
    ).rejects.toThrow('bad.jsonl:2: not valid JSON');
    await expect(readJsonlFile(await jsonlFile('invalid.jsonl', '{"id":"a"}\n'))).rejects.toThrow(
      /invalid\.jsonl:1: text/,
    );
  });
});
