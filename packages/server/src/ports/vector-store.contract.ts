/**
 * The behaviour every VectorStore adapter must show, run by each adapter's test file:
 *
 *   runVectorStoreContract('lancedb', async () => ({ store, cleanup }));
 *
 * Semantics pinned here beyond the port's doc comments:
 * - dense `score` is cosine similarity in [-1, 1], higher is better; lexical `score` is BM25-like (> 0);
 *   hybrid `score` is weighted RRF: sum over the dense and lexical lists of weight / (k + rank), rank
 *   1-based, each list fetched max(topK * 2, 50) deep, default fusion { k: 60, weights 1 }.
 * - Lexical analysis is English: lowercase, ASCII folding, stop words dropped, stemmed ("running" ~ "run").
 * - Filters: `eq`/`in` match only a stored value of the same type and value; `ne` is the complement of
 *   `eq` (so it matches chunks that lack the field); `range` matches numeric fields only; `not` is the
 *   complement (missing fields included). A field never written matches nothing for eq/in/range.
 * - A metadata field keeps the type of its first write (string, number or boolean); a later write with
 *   another type rejects with MetadataTypeError and leaves the collection unchanged.
 * - `vector` is returned only with `includeVectors: true` (values may come back as float32).
 * - A query with `version` answers from that version's contents (metadata types and filters as they
 *   were) once `retainVersions` kept it, also after later writes. A version the collection never had
 *   rejects with CollectionVersionError `not-found` (or the fixture's `missingVersionReason`).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Filter } from '../core/filter.js';
import {
  type ChunkMetadata,
  type ChunkRecord,
  type CollectionRef,
  CollectionVersionError,
  MetadataTypeError,
  type ScoredChunk,
  type VectorQuery,
  type VectorStore,
} from './vector-store.js';

export interface VectorStoreFixture {
  store: VectorStore;
  cleanup(): Promise<void>;
  /**
   * The reason a store gives for a version it has no contents of. Default `not-found`; Qdrant says
   * `unsupported` (it cannot tell a version it never had from one that was overwritten unretained).
   */
  missingVersionReason?: CollectionVersionError['reason'];
}

let refCounter = 0;

function newRef(dimensions: number | null, tenantId = 'tenant_a', key?: string): CollectionRef {
  refCounter++;
  return { tenantId, key: key ?? `c${Date.now().toString(36)}_${refCounter}`, dimensions };
}

function chunk(
  documentId: string,
  chunkIndex: number,
  text: string,
  vector: number[] | undefined,
  metadata: ChunkMetadata = {},
): ChunkRecord {
  const start = chunkIndex * 1000;
  return {
    id: `${documentId}#${chunkIndex}`,
    documentId,
    chunkIndex,
    text,
    ...(vector ? { vector } : {}),
    metadata,
    headingPath: [],
    start,
    end: start + text.length,
  };
}

const ids = (hits: ScoredChunk[]) => hits.map((h) => h.id);
const sortedIds = (hits: ScoredChunk[]) => ids(hits).sort();

export function runVectorStoreContract(name: string, setup: () => Promise<VectorStoreFixture>): void {
  describe(`VectorStore contract: ${name}`, () => {
    let fixture: VectorStoreFixture;
    let store: VectorStore;

    beforeEach(async () => {
      fixture = await setup();
      store = fixture.store;
    });

    afterEach(async () => {
      await fixture.cleanup();
    });

    async function collection(dimensions: number | null = 4): Promise<CollectionRef> {
      const ref = newRef(dimensions);
      await store.ensureCollection(ref);
      return ref;
    }

    const denseAll = (ref: CollectionRef, filter?: Filter) =>
      store.query(ref, { mode: 'dense', vector: [1, 0, 0, 0], topK: 100, ...(filter ? { filter } : {}) });

    describe('collections and writes', () => {
      it('ensureCollection is idempotent and keeps existing chunks', async () => {
        const ref = await collection();
        await store.ensureCollection(ref);
        await store.replaceDocuments(ref, ['a'], [chunk('a', 0, 'alpha', [1, 0, 0, 0])]);
        await store.ensureCollection(ref);
        expect(await store.countChunks(ref)).toBe(1);
      });

      it('replaceDocuments inserts, then atomically swaps a document to its new chunks', async () => {
        const ref = await collection();
        await store.replaceDocuments(
          ref,
          ['a', 'b'],
          [
            chunk('a', 0, 'old apple text', [1, 0, 0, 0]),
            chunk('a', 1, 'old banana text', [0, 1, 0, 0]),
            chunk('a', 2, 'old cherry text', [0, 0, 1, 0]),
            chunk('b', 0, 'unrelated document', [0, 0, 0, 1]),
          ],
        );
        expect(await store.countChunks(ref)).toBe(4);

        await store.replaceDocuments(
          ref,
          ['a'],
          [
            chunk('a', 0, 'new apricot text', [1, 0, 0, 0]),
            chunk('a', 1, 'new blueberry text', [0, 1, 0, 0]),
          ],
        );
        expect(await store.countChunks(ref)).toBe(3);
        const all = await denseAll(ref);
        expect(sortedIds(all)).toEqual(['a#0', 'a#1', 'b#0']);
        expect(all.find((h) => h.id === 'a#0')?.text).toBe('new apricot text');
        expect(await store.query(ref, { mode: 'lexical', text: 'cherry', topK: 10 })).toEqual([]);
        expect(ids(await store.query(ref, { mode: 'lexical', text: 'blueberry', topK: 10 }))).toEqual([
          'a#1',
        ]);
      });

      it('replaces several documents in one call and leaves others alone', async () => {
        const ref = await collection();
        await store.replaceDocuments(ref, ['a'], [chunk('a', 0, 'a zero', [1, 0, 0, 0])]);
        await store.replaceDocuments(ref, ['b'], [chunk('b', 0, 'b zero', [0, 1, 0, 0])]);
        await store.replaceDocuments(
          ref,
          ['a', 'c'],
          [
            chunk('a', 0, 'a again', [1, 0, 0, 0]),
            chunk('c', 0, 'c zero', [0, 0, 1, 0]),
            chunk('c', 1, 'c one', [0, 0, 1, 1]),
          ],
        );
        const all = await denseAll(ref);
        expect(sortedIds(all)).toEqual(['a#0', 'b#0', 'c#0', 'c#1']);
        expect(all.find((h) => h.id === 'a#0')?.text).toBe('a again');
      });

      it('replacing with more chunks updates the kept ids and adds the rest', async () => {
        const ref = await collection();
        await store.replaceDocuments(ref, ['a'], [chunk('a', 0, 'first version', [1, 0, 0, 0], { v: 1 })]);
        await store.replaceDocuments(
          ref,
          ['a'],
          [
            chunk('a', 0, 'second version', [0, 1, 0, 0], { v: 2 }),
            chunk('a', 1, 'second tail', [0, 0, 1, 0], { v: 2 }),
          ],
        );
        const hits = await store.query(ref, { mode: 'dense', vector: [0, 1, 0, 0], topK: 10 });
        expect(ids(hits)).toEqual(['a#0', 'a#1']);
        expect(hits[0]).toMatchObject({ text: 'second version', metadata: { v: 2 } });
        expect(hits[0]?.score).toBeCloseTo(1, 5);
        expect(await store.query(ref, { mode: 'lexical', text: 'first', topK: 10 })).toEqual([]);
      });

      it('replacing a document with zero chunks removes it', async () => {
        const ref = await collection();
        await store.replaceDocuments(
          ref,
          ['a', 'b'],
          [
            chunk('a', 0, 'a zero', [1, 0, 0, 0]),
            chunk('a', 1, 'a one', [1, 1, 0, 0]),
            chunk('b', 0, 'b', [0, 1, 0, 0]),
          ],
        );
        await store.replaceDocuments(ref, ['a'], []);
        expect(await store.countChunks(ref)).toBe(1);
        expect(ids(await denseAll(ref))).toEqual(['b#0']);
      });

      it('deleteDocuments removes only the named documents; unknown ids are a no-op', async () => {
        const ref = await collection();
        await store.replaceDocuments(
          ref,
          ['a', 'b', 'c'],
          [
            chunk('a', 0, 'a', [1, 0, 0, 0]),
            chunk('b', 0, 'b', [0, 1, 0, 0]),
            chunk('c', 0, 'c', [0, 0, 1, 0]),
          ],
        );
        await store.deleteDocuments(ref, ['a', 'c', 'missing']);
        expect(ids(await denseAll(ref))).toEqual(['b#0']);
        await store.deleteDocuments(ref, ['missing']);
        expect(await store.countChunks(ref)).toBe(1);
      });

      it('serialises concurrent writes to one collection without losing any', async () => {
        const ref = await collection();
        const docs = ['d0', 'd1', 'd2', 'd3', 'd4', 'd5'];
        await Promise.all(
          docs.map((d, i) =>
            store.replaceDocuments(ref, [d], [chunk(d, 0, `doc ${d}`, [1, i, 0, 0], { n: i })]),
          ),
        );
        expect(await store.countChunks(ref)).toBe(docs.length);
        expect(sortedIds(await denseAll(ref))).toEqual(docs.map((d) => `${d}#0`));
      });

      it('dropCollection removes the chunks; ensureCollection recreates it empty', async () => {
        const ref = await collection();
        await store.replaceDocuments(ref, ['a'], [chunk('a', 0, 'a', [1, 0, 0, 0])]);
        await store.dropCollection(ref);
        await store.ensureCollection(ref);
        expect(await store.countChunks(ref)).toBe(0);
      });

      it('currentVersion changes after each write and is stable without writes', async () => {
        const ref = await collection();
        const v0 = await store.currentVersion(ref);
        expect(await store.currentVersion(ref)).toBe(v0);
        await store.replaceDocuments(ref, ['a'], [chunk('a', 0, 'a', [1, 0, 0, 0])]);
        const v1 = await store.currentVersion(ref);
        expect(v1).not.toBe(v0);
        await store.query(ref, { mode: 'dense', vector: [1, 0, 0, 0], topK: 1 });
        expect(await store.currentVersion(ref)).toBe(v1);
        await store.deleteDocuments(ref, ['a']);
        const v2 = await store.currentVersion(ref);
        expect(v2).not.toBe(v1);
        expect(v2).not.toBe(v0);
      });

      it('countChunks counts chunks across documents', async () => {
        const ref = await collection();
        expect(await store.countChunks(ref)).toBe(0);
        await store.replaceDocuments(
          ref,
          ['a', 'b'],
          [
            chunk('a', 0, 'a', [1, 0, 0, 0]),
            chunk('a', 1, 'a', [1, 0, 0, 0]),
            chunk('b', 0, 'b', [0, 1, 0, 0]),
          ],
        );
        expect(await store.countChunks(ref)).toBe(3);
      });

      it('round-trips every chunk field', async () => {
        const ref = await collection();
        const original: ChunkRecord = {
          id: 'doc-1#7',
          documentId: 'doc-1',
          chunkIndex: 7,
          text: "Crème brûlée — “quoted” text with 'apostrophes' and emoji 🎉",
          vector: [0.5, -0.25, 0.125, 1],
          metadata: { lang: 'fr', year: 2021.5, draft: false, "author's": 'O\'Brien "Jr"' },
          headingPath: ['Guide', 'Desserts & "Sweets"', ''],
          start: 1234,
          end: 1291,
        };
        await store.replaceDocuments(ref, ['doc-1'], [original]);
        const [hit] = await store.query(ref, {
          mode: 'dense',
          vector: [0.5, -0.25, 0.125, 1],
          topK: 1,
          includeVectors: true,
        });
        expect(hit).toBeDefined();
        const { vector, score, ...rest } = hit as ScoredChunk;
        const { vector: originalVector, ...originalRest } = original;
        expect(rest).toEqual(originalRest);
        expect(vector).toEqual(originalVector); // exactly representable in float32
        expect(score).toBeCloseTo(1, 5);
      });
    });

    describe('dense queries', () => {
      it('orders by cosine similarity, score in [-1, 1], higher is better', async () => {
        const ref = await collection();
        await store.replaceDocuments(
          ref,
          ['same', 'diag', 'ortho', 'opposite', 'scaled'],
          [
            chunk('opposite', 0, 'x', [-1, 0, 0, 0]),
            chunk('ortho', 0, 'x', [0, 1, 0, 0]),
            chunk('diag', 0, 'x', [1, 1, 0, 0]),
            chunk('same', 0, 'x', [1, 0, 0, 0]),
            chunk('scaled', 0, 'x', [3, 0, 4, 0]),
          ],
        );
        const hits = await store.query(ref, { mode: 'dense', vector: [2, 0, 0, 0], topK: 10 });
        expect(ids(hits)).toEqual(['same#0', 'diag#0', 'scaled#0', 'ortho#0', 'opposite#0']);
        const expected = [1, Math.SQRT1_2, 0.6, 0, -1];
        hits.forEach((h, i) => {
          expect(h.score).toBeCloseTo(expected[i] as number, 4);
        });
      });

      it('respects topK', async () => {
        const ref = await collection();
        const chunks = Array.from({ length: 12 }, (_, i) =>
          chunk(`d${i}`, 0, `text ${i}`, [1, i / 10, 0, 0]),
        );
        await store.replaceDocuments(
          ref,
          chunks.map((c) => c.documentId),
          chunks,
        );
        const hits = await store.query(ref, { mode: 'dense', vector: [1, 0, 0, 0], topK: 3 });
        expect(ids(hits)).toEqual(['d0#0', 'd1#0', 'd2#0']);
        expect(await store.query(ref, { mode: 'lexical', text: 'text', topK: 5 })).toHaveLength(5);
        expect(
          await store.query(ref, { mode: 'hybrid', vector: [1, 0, 0, 0], text: 'text', topK: 4 }),
        ).toHaveLength(4);
      });

      it('returns vectors only when includeVectors is set', async () => {
        const ref = await collection();
        await store.replaceDocuments(ref, ['a'], [chunk('a', 0, 'alpha', [0.25, 0.5, 0.75, 1])]);
        const withVectors = await store.query(ref, {
          mode: 'dense',
          vector: [1, 1, 1, 1],
          topK: 1,
          includeVectors: true,
        });
        expect(withVectors[0]?.vector).toEqual([0.25, 0.5, 0.75, 1]);
        const hybrid = await store.query(ref, {
          mode: 'hybrid',
          vector: [1, 1, 1, 1],
          text: 'alpha',
          topK: 1,
          includeVectors: true,
        });
        expect(hybrid[0]?.vector).toEqual([0.25, 0.5, 0.75, 1]);
        const without = await store.query(ref, { mode: 'dense', vector: [1, 1, 1, 1], topK: 1 });
        expect(without[0]?.vector).toBeUndefined();
        const lexical = await store.query(ref, {
          mode: 'lexical',
          text: 'alpha',
          topK: 1,
          includeVectors: true,
        });
        expect(lexical[0]?.vector).toEqual([0.25, 0.5, 0.75, 1]);
      });
    });

    describe('lexical queries', () => {
      it('ranks the chunk with the rare query term first (BM25-like)', async () => {
        const ref = await collection();
        const texts = [
          'the report covers common findings about common systems',
          'common questions and common answers about the weather',
          'a zebra appeared in the common garden',
          'common sense is not so common',
          'nothing relevant here at all',
        ];
        const chunks = texts.map((t, i) => chunk(`d${i}`, 0, t, [1, 0, 0, i]));
        await store.replaceDocuments(
          ref,
          chunks.map((c) => c.documentId),
          chunks,
        );
        const hits = await store.query(ref, { mode: 'lexical', text: 'common zebra', topK: 10 });
        expect(hits[0]?.id).toBe('d2#0');
        expect(hits.map((h) => h.id)).not.toContain('d4#0');
        expect(hits).toHaveLength(4);
        for (let i = 1; i < hits.length; i++) {
          expect((hits[i - 1] as ScoredChunk).score).toBeGreaterThanOrEqual((hits[i] as ScoredChunk).score);
        }
        expect(hits.every((h) => h.score > 0)).toBe(true);
      });

      it('stems, lowercases and ignores stop words and punctuation', async () => {
        const ref = await collection();
        await store.replaceDocuments(
          ref,
          ['run', 'swim', 'stop'],
          [
            chunk('run', 0, 'She was RUNNING to the station.', [1, 0, 0, 0]),
            chunk('swim', 0, 'He swims every morning', [0, 1, 0, 0]),
            chunk('stop', 0, 'the and of to is', [0, 0, 1, 0]),
          ],
        );
        expect(ids(await store.query(ref, { mode: 'lexical', text: 'run', topK: 10 }))).toEqual(['run#0']);
        expect(ids(await store.query(ref, { mode: 'lexical', text: 'Swimming?', topK: 10 }))).toEqual([
          'swim#0',
        ]);
        expect(await store.query(ref, { mode: 'lexical', text: 'the of', topK: 10 })).toEqual([]);
      });

      it('accepts query text with quotes and query-syntax characters', async () => {
        const ref = await collection();
        await store.replaceDocuments(ref, ['a'], [chunk('a', 0, "O'Brien wrote the parser", [1, 0, 0, 0])]);
        const hits = await store.query(ref, {
          mode: 'lexical',
          text: 'parser" AND (brien OR -x) title:* \\ \'',
          topK: 10,
        });
        expect(ids(hits)).toEqual(['a#0']);
      });

      it('works on a lexical-only collection (dimensions null)', async () => {
        const ref = await collection(null);
        await store.replaceDocuments(
          ref,
          ['a', 'b'],
          [
            chunk('a', 0, 'vector databases store embeddings', undefined),
            chunk('b', 0, 'lexical search with bm25', undefined),
          ],
        );
        expect(await store.countChunks(ref)).toBe(2);
        const hits = await store.query(ref, { mode: 'lexical', text: 'embedding', topK: 5 });
        expect(ids(hits)).toEqual(['a#0']);
        expect(hits[0]?.vector).toBeUndefined();
        await store.replaceDocuments(ref, ['a'], []);
        expect(await store.countChunks(ref)).toBe(1);
      });
    });

    describe('hybrid queries', () => {
      it('fuses the dense and lexical rankings with weighted RRF', async () => {
        const ref = await collection();
        const chunks = [
          chunk('both', 0, 'graph neural networks for molecules', [1, 0.1, 0, 0]),
          chunk('dense', 0, 'unrelated words entirely', [1, 0, 0, 0]),
          chunk(
            'lex',
            0,
            'neural networks explained simply for beginners with many worked examples',
            [0, 0, 1, 0],
          ),
          chunk('none', 0, 'cooking pasta at home', [-1, 0, 0, 1]),
        ];
        await store.replaceDocuments(
          ref,
          chunks.map((c) => c.documentId),
          chunks,
        );
        const vector = [1, 0.05, 0, 0];
        const text = 'neural networks';
        const fusion = { k: 10, denseWeight: 1, lexicalWeight: 2 };
        const hits = await store.query(ref, { mode: 'hybrid', vector, text, topK: 10, fusion });
        const dense = await store.query(ref, { mode: 'dense', vector, topK: 50 });
        const lexical = await store.query(ref, { mode: 'lexical', text, topK: 50 });
        const expected = new Map<string, number>();
        dense.forEach((h, i) => {
          expected.set(h.id, (expected.get(h.id) ?? 0) + 1 / (10 + i + 1));
        });
        lexical.forEach((h, i) => {
          expected.set(h.id, (expected.get(h.id) ?? 0) + 2 / (10 + i + 1));
        });
        expect(sortedIds(hits)).toEqual([...expected.keys()].sort());
        for (const h of hits) expect(h.score).toBeCloseTo(expected.get(h.id) as number, 10);
        for (let i = 1; i < hits.length; i++) {
          expect((hits[i - 1] as ScoredChunk).score).toBeGreaterThanOrEqual((hits[i] as ScoredChunk).score);
        }
        expect(hits[0]?.id).toBe('both#0');
        expect(ids(hits)).toContain('lex#0');
      });

      it('uses k = 60 and equal weights by default', async () => {
        const ref = await collection();
        await store.replaceDocuments(
          ref,
          ['a', 'b'],
          [chunk('a', 0, 'alpha beta', [1, 0, 0, 0]), chunk('b', 0, 'gamma', [0, 1, 0, 0])],
        );
        const hits = await store.query(ref, { mode: 'hybrid', vector: [1, 0, 0, 0], text: 'alpha', topK: 5 });
        expect(ids(hits)).toEqual(['a#0', 'b#0']);
        expect(hits[0]?.score).toBeCloseTo(2 / 61, 10);
        expect(hits[1]?.score).toBeCloseTo(1 / 62, 10);
      });
    });

    describe('metadata filters', () => {
      let ref: CollectionRef;

      beforeEach(async () => {
        ref = await collection();
        const rows: [string, ChunkMetadata][] = [
          ['en2019', { lang: 'en', year: 2019, draft: false, title: "O'Brien's notes" }],
          ['en2021', { lang: 'en', year: 2021, draft: true, title: 'plain' }],
          ['fr2020', { lang: 'fr', year: 2020, draft: false, title: 'back\\slash' }],
          ['de2022', { lang: 'de', year: 2022.5, draft: true, title: 'quote "double"' }],
          ['noyear', { lang: 'en', draft: false }],
        ];
        const chunks = rows.map(([id, metadata], i) =>
          chunk(id, 0, `shared words ${id}`, [1, i / 10, 0, 0], metadata),
        );
        await store.replaceDocuments(
          ref,
          rows.map(([id]) => id),
          chunks,
        );
      });

      const cases: [string, Filter, string[]][] = [
        ['eq string', { op: 'eq', field: 'lang', value: 'en' }, ['en2019', 'en2021', 'noyear']],
        ['eq number', { op: 'eq', field: 'year', value: 2020 }, ['fr2020']],
        ['eq fractional number', { op: 'eq', field: 'year', value: 2022.5 }, ['de2022']],
        ['eq boolean', { op: 'eq', field: 'draft', value: true }, ['de2022', 'en2021']],
        ['eq value with a single quote', { op: 'eq', field: 'title', value: "O'Brien's notes" }, ['en2019']],
        ['eq value with a backslash', { op: 'eq', field: 'title', value: 'back\\slash' }, ['fr2020']],
        ['eq value with double quotes', { op: 'eq', field: 'title', value: 'quote "double"' }, ['de2022']],
        ['eq injection attempt', { op: 'eq', field: 'lang', value: "en' OR '1'='1" }, []],
        ['eq with the wrong type matches nothing', { op: 'eq', field: 'year', value: '2020' }, []],
        ['eq on an unknown field', { op: 'eq', field: 'nosuch', value: 'x' }, []],
        [
          'ne string (missing field included)',
          { op: 'ne', field: 'title', value: 'plain' },
          ['de2022', 'en2019', 'fr2020', 'noyear'],
        ],
        ['ne number', { op: 'ne', field: 'year', value: 2019 }, ['de2022', 'en2021', 'fr2020', 'noyear']],
        ['ne boolean', { op: 'ne', field: 'draft', value: false }, ['de2022', 'en2021']],
        [
          'ne on an unknown field',
          { op: 'ne', field: 'nosuch', value: 1 },
          ['de2022', 'en2019', 'en2021', 'fr2020', 'noyear'],
        ],
        ['in strings', { op: 'in', field: 'lang', values: ['fr', 'de'] }, ['de2022', 'fr2020']],
        ['in numbers', { op: 'in', field: 'year', values: [2019, 2021, 1999] }, ['en2019', 'en2021']],
        ['in booleans', { op: 'in', field: 'draft', values: [true] }, ['de2022', 'en2021']],
        ['range gt', { op: 'range', field: 'year', gt: 2020 }, ['de2022', 'en2021']],
        ['range gte', { op: 'range', field: 'year', gte: 2020 }, ['de2022', 'en2021', 'fr2020']],
        ['range lt', { op: 'range', field: 'year', lt: 2020 }, ['en2019']],
        ['range lte', { op: 'range', field: 'year', lte: 2020 }, ['en2019', 'fr2020']],
        ['range gte and lt', { op: 'range', field: 'year', gte: 2020, lt: 2022.5 }, ['en2021', 'fr2020']],
        ['range on a string field', { op: 'range', field: 'lang', gt: 0 }, []],
        [
          'and',
          {
            op: 'and',
            filters: [
              { op: 'eq', field: 'lang', value: 'en' },
              { op: 'eq', field: 'draft', value: false },
            ],
          },
          ['en2019', 'noyear'],
        ],
        [
          'or',
          {
            op: 'or',
            filters: [
              { op: 'eq', field: 'lang', value: 'fr' },
              { op: 'range', field: 'year', gt: 2021 },
            ],
          },
          ['de2022', 'fr2020'],
        ],
        [
          'not (missing field included)',
          { op: 'not', filter: { op: 'range', field: 'year', gte: 2020 } },
          ['en2019', 'noyear'],
        ],
        [
          'nested not/or/and',
          {
            op: 'and',
            filters: [
              {
                op: 'not',
                filter: {
                  op: 'or',
                  filters: [
                    { op: 'eq', field: 'lang', value: 'de' },
                    { op: 'eq', field: 'draft', value: true },
                  ],
                },
              },
              { op: 'in', field: 'lang', values: ['en', 'fr'] },
            ],
          },
          ['en2019', 'fr2020', 'noyear'],
        ],
      ];

      for (const [label, filter, expected] of cases) {
        it(`dense: ${label}`, async () => {
          const hits = await denseAll(ref, filter);
          expect(sortedIds(hits)).toEqual(expected.map((d) => `${d}#0`).sort());
        });
      }

      it('applies filters to lexical and hybrid queries before topK', async () => {
        const filter: Filter = { op: 'eq', field: 'lang', value: 'en' };
        const lexical = await store.query(ref, { mode: 'lexical', text: 'shared words', topK: 2, filter });
        expect(lexical).toHaveLength(2);
        expect(lexical.every((h) => h.metadata.lang === 'en')).toBe(true);
        const hybrid = await store.query(ref, {
          mode: 'hybrid',
          vector: [0, 1, 0, 0],
          text: 'shared',
          topK: 10,
          filter,
        });
        expect(sortedIds(hybrid)).toEqual(['en2019#0', 'en2021#0', 'noyear#0']);
        const dense = await store.query(ref, { mode: 'dense', vector: [0, 1, 0, 0], topK: 1, filter });
        expect(ids(dense)).toEqual(['noyear#0']);
      });
    });

    describe('metadata types', () => {
      it('rejects a value whose type clashes with an earlier write and keeps the old chunks', async () => {
        const ref = await collection();
        await store.replaceDocuments(
          ref,
          ['a'],
          [chunk('a', 0, 'a', [1, 0, 0, 0], { year: 2020, lang: 'en' })],
        );
        const version = await store.currentVersion(ref);
        const attempt = store.replaceDocuments(
          ref,
          ['a', 'b'],
          [chunk('b', 0, 'b', [0, 1, 0, 0], { year: '2021' })],
        );
        await expect(attempt).rejects.toBeInstanceOf(MetadataTypeError);
        await expect(attempt).rejects.toMatchObject({ field: 'year' });
        expect(await store.countChunks(ref)).toBe(1);
        expect(ids(await denseAll(ref))).toEqual(['a#0']);
        expect(await store.currentVersion(ref)).toBe(version);
        await expect(
          store.replaceDocuments(ref, ['c'], [chunk('c', 0, 'c', [0, 1, 0, 0], { lang: true })]),
        ).rejects.toBeInstanceOf(MetadataTypeError);
      });

      it('rejects clashing types within one write', async () => {
        const ref = await collection();
        await expect(
          store.replaceDocuments(
            ref,
            ['a', 'b'],
            [
              chunk('a', 0, 'a', [1, 0, 0, 0], { flag: true }),
              chunk('b', 0, 'b', [0, 1, 0, 0], { flag: 'yes' }),
            ],
          ),
        ).rejects.toBeInstanceOf(MetadataTypeError);
        expect(await store.countChunks(ref)).toBe(0);
      });

      it('accepts new fields on later writes and filters on them', async () => {
        const ref = await collection();
        await store.replaceDocuments(ref, ['a'], [chunk('a', 0, 'a', [1, 0, 0, 0], { lang: 'en' })]);
        await store.replaceDocuments(
          ref,
          ['b'],
          [chunk('b', 0, 'b', [0, 1, 0, 0], { lang: 'en', pages: 12 })],
        );
        expect(ids(await denseAll(ref, { op: 'range', field: 'pages', gte: 10 }))).toEqual(['b#0']);
        const a = (await denseAll(ref)).find((h) => h.id === 'a#0');
        expect(a?.metadata).toEqual({ lang: 'en' });
      });
    });

    describe('pinned versions', () => {
      const versionError = async (promise: Promise<unknown>) => {
        const error = await promise.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(CollectionVersionError);
        return error as CollectionVersionError;
      };

      it('a query at the current version answers like one without a version', async () => {
        const ref = await collection();
        await store.replaceDocuments(
          ref,
          ['a', 'b'],
          [
            chunk('a', 0, 'apple pie recipe', [1, 0, 0, 0], { lang: 'en' }),
            chunk('b', 0, 'banana bread recipe', [0, 1, 0, 0], { lang: 'fr' }),
          ],
        );
        const version = await store.currentVersion(ref);
        const q: VectorQuery = { mode: 'hybrid', vector: [1, 0, 0, 0], text: 'recipe', topK: 5 };
        expect(await store.query(ref, { ...q, version })).toEqual(await store.query(ref, q));
        await store.retainVersions(ref, [version]);
        await store.retainVersions(ref, [version]);
        expect(ids(await store.query(ref, { ...q, version }))).toEqual(['a#0', 'b#0']);
      });

      it('a query at an older version answers with the contents of that version', async () => {
        const ref = await collection();
        await store.replaceDocuments(
          ref,
          ['a', 'b'],
          [
            chunk('a', 0, 'old apple text', [1, 0, 0, 0], { lang: 'en' }),
            chunk('b', 0, 'banana text', [0, 1, 0, 0], { lang: 'en' }),
          ],
        );
        const pinned = await store.currentVersion(ref);
        await store.retainVersions(ref, [pinned]);
        await store.replaceDocuments(
          ref,
          ['a', 'c'],
          [
            chunk('a', 0, 'new apricot text', [1, 0, 0, 0], { lang: 'de', pages: 3 }),
            chunk('c', 0, 'cherry apple text', [0, 0, 1, 0], { lang: 'en' }),
          ],
        );
        await store.deleteDocuments(ref, ['b']);

        const lexical = (version?: string) =>
          store.query(ref, {
            mode: 'lexical',
            text: 'apple banana',
            topK: 10,
            ...(version ? { version } : {}),
          });
        expect(sortedIds(await lexical(pinned))).toEqual(['a#0', 'b#0']);
        expect((await lexical(pinned)).find((h) => h.id === 'a#0')?.text).toBe('old apple text');
        expect(sortedIds(await lexical())).toEqual(['c#0']);
        const dense = await store.query(ref, {
          mode: 'dense',
          vector: [0, 1, 0, 0],
          topK: 1,
          version: pinned,
        });
        expect(ids(dense)).toEqual(['b#0']);
        // Metadata as it was: `a` was "en" then, and `pages` did not exist yet.
        const en = await store.query(ref, {
          mode: 'dense',
          vector: [1, 0, 0, 0],
          topK: 10,
          filter: { op: 'eq', field: 'lang', value: 'en' },
          version: pinned,
        });
        expect(sortedIds(en)).toEqual(['a#0', 'b#0']);
        const paged = await store.query(ref, {
          mode: 'dense',
          vector: [1, 0, 0, 0],
          topK: 10,
          filter: { op: 'range', field: 'pages', gte: 1 },
          version: pinned,
        });
        expect(paged).toEqual([]);
      });

      it('rejects a version the collection never had, naming it', async () => {
        const ref = await collection();
        await store.replaceDocuments(ref, ['a'], [chunk('a', 0, 'alpha', [1, 0, 0, 0])]);
        for (const version of ['999999', 'not-a-version']) {
          const error = await versionError(
            store.query(ref, { mode: 'dense', vector: [1, 0, 0, 0], topK: 1, version }),
          );
          expect(error.version).toBe(version);
          expect(error.reason).toBe(fixture.missingVersionReason ?? 'not-found');
        }
      });
    });

    describe('isolation', () => {
      it('never mixes chunks of collections with a different tenant or key', async () => {
        const key = `iso${Date.now().toString(36)}_${++refCounter}`;
        const t1 = newRef(4, 'tenant_one', key);
        const t2 = newRef(4, 'tenant_two', key);
        const other = newRef(4, 'tenant_one', `${key}_b`);
        for (const r of [t1, t2, other]) await store.ensureCollection(r);
        await store.replaceDocuments(t1, ['shared'], [chunk('shared', 0, 'tenant one secret', [1, 0, 0, 0])]);
        await store.replaceDocuments(t2, ['shared'], [chunk('shared', 0, 'tenant two secret', [1, 0, 0, 0])]);
        await store.replaceDocuments(other, ['x'], [chunk('x', 0, 'other collection secret', [1, 0, 0, 0])]);

        const q: VectorQuery = { mode: 'hybrid', vector: [1, 0, 0, 0], text: 'secret', topK: 10 };
        expect((await store.query(t1, q)).map((h) => h.text)).toEqual(['tenant one secret']);
        expect((await store.query(t2, q)).map((h) => h.text)).toEqual(['tenant two secret']);
        expect((await store.query(other, q)).map((h) => h.text)).toEqual(['other collection secret']);

        await store.deleteDocuments(t1, ['shared']);
        expect(await store.countChunks(t1)).toBe(0);
        expect(await store.countChunks(t2)).toBe(1);
        await store.dropCollection(other);
        expect(await store.countChunks(t2)).toBe(1);
      });
    });
  });
}
