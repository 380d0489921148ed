import { describe, expect, it } from 'vitest';
import { formatCollections, formatIngestSummary, formatQueryResults, truncate } from './format.js';
import { collectionFixture } from './testing/fake-api.js';

const result = (documentId: string, score: number, text: string, headingPath: string[] = []) => ({
  chunkId: `${documentId}#0`,
  documentId,
  text,
  score,
  metadata: {},
  headingPath,
  start: 0,
  end: text.length,
});

describe('formatQueryResults', () => {
  it('prints rank, score, document, heading path and a one-line snippet', () => {
    const long = `Rotate keys\n\nevery   90 days. ${'lorem ipsum '.repeat(30)}`;
    const out = formatQueryResults(
      {
        mode: 'hybrid',
        results: [
          result('guide/keys.md', 0.91234, long, ['Security', 'Keys']),
          result('faq.md', 0.5, 'short'),
        ],
        usage: { embeddingTokens: 4 },
      },
      100,
    );
    const lines = out.split('\n');
    expect(lines[1]).toMatch(/#\s+│\s+score\s+│\s+document\s+│\s+heading\s+│\s+snippet/);
    const row = lines.find((l) => l.includes('guide/keys.md')) ?? '';
    expect(row).toMatch(
      /│ 1 +│ 0\.9123 │ guide\/keys\.md +│ Security > Keys +│ Rotate keys every 90 days\. lorem/,
    );
    expect(row).toContain('…');
    expect(lines.find((l) => l.includes('faq.md'))).toMatch(/│ 2 +│ 0\.5000 │ faq\.md/);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(100);
    expect(out).toContain('2 results (mode: hybrid)');
    expect(out).not.toContain('\u001b[');
  });

  it('says so when nothing matched', () => {
    expect(formatQueryResults({ mode: 'lexical', results: [], usage: { embeddingTokens: 0 } })).toBe(
      'No results (mode: lexical).\n',
    );
  });
});

describe('other formatting', () => {
  it('truncates on collapsed whitespace', () => {
    expect(truncate('a  b\n c', 10)).toBe('a b c');
    expect(truncate('abcdefghij', 5)).toBe('abcd…');
  });

  it('lists collections with "none" for lexical-only ones', () => {
    const out = formatCollections([collectionFixture('docs'), collectionFixture('lex', null)]);
    expect(out).toMatch(/│ docs +│ local +│ test-model +│ 8 +│ 0 +│ 0 +│/);
    expect(out).toMatch(/│ lex +│ none +│ - +│ - +│/);
    expect(formatCollections([])).toBe('No collections.\n');
  });

  it('summarises an ingest run with its rate', () => {
    expect(
      formatIngestSummary({
        collection: 'docs',
        documents: 30,
        files: 3,
        added: 20,
        updated: 5,
        unchanged: 5,
        deleted: 2,
        chunks: 90,
        embeddingTokens: 1000,
        seconds: 2,
      }),
    ).toBe(
      'Ingested 30 documents from 3 files into "docs": 20 added, 5 updated, 5 unchanged, 2 deleted, 90 chunks in 2.0s (15.0 docs/s)\n',
    );
  });
});
