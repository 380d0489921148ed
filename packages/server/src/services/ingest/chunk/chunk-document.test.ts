import { describe, expect, it } from 'vitest';
import { countTokens } from '../../../core/token-count.js';
import { extractDocument } from '../extract/extract-document.js';
import { extractHtml } from '../extract/extract-html.js';
import { extractMarkdown } from '../extract/extract-markdown.js';
import type { ExtractedDocument, Section } from '../extract/extracted-document.js';
import { type Chunk, chunkDocument } from './chunk-document.js';

/** Deterministic PRNG (mulberry32) so a failing case can be replayed from its seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]) => items[int(0, items.length - 1)] as T;
  return { next, int, pick };
}

const WORDS = [
  'retrieval',
  'chunk',
  'the',
  'of',
  'embedding',
  'vector',
  'a',
  'tokenization',
  'Überprüfung',
  'テキスト',
  '東京',
  'naïve',
  'x',
  '42',
  '3.14',
  'https://example.com/a?b=c',
  'snake_case_name',
  'camelCaseIdentifier',
  '🙂',
  'supercalifragilisticexpialidocious',
];

function sentence(r: ReturnType<typeof rng>): string {
  const words = Array.from({ length: r.int(1, 30) }, () => r.pick(WORDS));
  return `${words.join(r.next() < 0.1 ? '  ' : ' ')}${r.pick(['.', '!', '?', '', '."', ';'])}`;
}

function paragraph(r: ReturnType<typeof rng>, long: boolean): string {
  return Array.from({ length: long ? r.int(20, 80) : r.int(1, 5) }, () => sentence(r)).join(
    r.next() < 0.2 ? '\n' : ' ',
  );
}

function markdownDoc(r: ReturnType<typeof rng>): string {
  const blocks: string[] = [];
  for (let i = r.int(0, 25); i > 0; i--) {
    const roll = r.next();
    if (roll < 0.2) blocks.push(`${'#'.repeat(r.int(1, 4))} ${sentence(r)}`);
    else if (roll < 0.25) blocks.push(`${sentence(r)}\n${r.pick(['===', '---'])}`);
    else if (roll < 0.35)
      blocks.push(Array.from({ length: r.int(1, 6) }, () => `- ${sentence(r)}`).join('\n'));
    else if (roll < 0.45)
      blocks.push(`\`\`\`\n${Array.from({ length: r.int(1, 12) }, () => sentence(r)).join('\n')}\n\`\`\``);
    else if (roll < 0.5) blocks.push(`> ${paragraph(r, false)}`);
    else if (roll < 0.52) blocks.push('x'.repeat(r.int(100, 3000)));
    else blocks.push(paragraph(r, r.next() < 0.15));
  }
  const joined = blocks.join(r.pick(['\n\n', '\n\n\n', '\n \n']));
  return r.next() < 0.2 ? joined.replace(/\n/g, '\r\n') : r.pick(['', '  ', '\n']) + joined;
}

function htmlDoc(r: ReturnType<typeof rng>): string {
  const parts: string[] = [];
  for (let i = r.int(0, 20); i > 0; i--) {
    const roll = r.next();
    const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
    if (roll < 0.2) parts.push(`<h${r.int(1, 4)}>${esc(sentence(r))}</h${r.int(1, 4)}>`);
    else if (roll < 0.3) parts.push(`<ul>${`<li>${esc(sentence(r))}</li>`.repeat(r.int(1, 5))}</ul>`);
    else if (roll < 0.35) parts.push(`<pre>${esc(paragraph(r, false))}\n  indented</pre>`);
    else if (roll < 0.4) parts.push('<script>var x = "<p>no</p>";</script>');
    else if (roll < 0.45) parts.push(`<table><tr><td>${esc(sentence(r))}</td><td>b</td></tr></table>`);
    else parts.push(`<p>${esc(paragraph(r, r.next() < 0.15))}</p>`);
  }
  return `<html><body><div>${parts.join('\n')}</div></body></html>`;
}

function checkInvariants(doc: ExtractedDocument, chunks: Chunk[], maxTokens: number) {
  chunks.forEach((chunk, i) => {
    const problem =
      chunk.index !== i
        ? 'index out of sequence'
        : doc.text.slice(chunk.start, chunk.end) !== chunk.text
          ? 'text is not text.slice(start, end)'
          : chunk.text.trim() !== chunk.text || chunk.text.length === 0
            ? 'text is blank or untrimmed'
            : countTokens(chunk.text) > maxTokens
              ? `${countTokens(chunk.text)} tokens`
              : i > 0 && chunk.start <= (chunks[i - 1] as Chunk).start
                ? 'starts before the previous chunk'
                : null;
    if (problem) expect.fail(`chunk ${i} ${JSON.stringify(chunk.text)}: ${problem}`);
  });
  // Nothing is lost: no section has a non-blank character between (or outside) the chunks.
  const gaps: [number, number][] = [];
  let covered = 0;
  for (const chunk of chunks) {
    if (chunk.start > covered) gaps.push([covered, chunk.start]);
    covered = Math.max(covered, chunk.end);
  }
  gaps.push([covered, doc.text.length]);
  for (const section of doc.sections) {
    for (const [from, to] of gaps) {
      if (to <= section.start || from >= section.end) continue;
      const lost = doc.text.slice(Math.max(from, section.start), Math.min(to, section.end));
      if (/\S/.test(lost)) expect.fail(`section text ${JSON.stringify(lost)} is in no chunk`);
    }
  }
}

describe('chunkDocument', () => {
  it('keeps offsets exact and loses nothing over many generated documents', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      const doc = seed % 3 === 0 ? extractHtml(htmlDoc(r)) : extractMarkdown(markdownDoc(r));
      const maxTokens = r.pick([8, 16, 40, 128, 384]);
      const overlapTokens = r.int(0, Math.floor(maxTokens / 3));
      try {
        checkInvariants(doc, chunkDocument(doc, { maxTokens, overlapTokens }), maxTokens);
      } catch (error) {
        throw new Error(`seed ${seed} (maxTokens ${maxTokens}, overlap ${overlapTokens}): ${error}`);
      }
    }
  });

  it('packs small sections and starts a chunk at each heading at or above the current level', () => {
    const source = [
      '# Alpha',
      'Alpha intro.',
      '## Alpha one',
      'Nested text one.',
      '## Alpha two',
      'Nested text two.',
      '# Beta',
      'Beta text.',
    ].join('\n\n');
    const chunks = chunkDocument(extractMarkdown(source), { maxTokens: 200, overlapTokens: 20 });
    expect(chunks.map((c) => [c.headingPath, c.text])).toEqual([
      [['Alpha'], '# Alpha\n\nAlpha intro.\n\n## Alpha one\n\nNested text one.'],
      [['Alpha', 'Alpha two'], '## Alpha two\n\nNested text two.'],
      [['Beta'], '# Beta\n\nBeta text.'],
    ]);
  });

  it('starts a new chunk at the first heading after a preamble', () => {
    const chunks = chunkDocument(extractMarkdown('Preamble.\n\n### Late heading\n\nText.'), {
      maxTokens: 100,
      overlapTokens: 0,
    });
    expect(chunks.map((c) => [c.headingPath, c.text])).toEqual([
      [[], 'Preamble.'],
      [['Late heading'], '### Late heading\n\nText.'],
    ]);
  });

  it('carries a heading left at the end of a full chunk over to its content', () => {
    const para = (n: number) => `Paragraph ${n} has exactly some words in it.`;
    const source = ['# Top', para(1), para(2), '## Sub', para(3)].join('\n\n');
    const doc = extractMarkdown(source);
    const budget = countTokens('# Top') + 3 * countTokens(para(1)) + 2; // room for the heading, not its text
    const chunks = chunkDocument(doc, { maxTokens: budget, overlapTokens: 0 });
    expect(chunks.map((c) => c.text)).toEqual([`# Top\n\n${para(1)}\n\n${para(2)}`, `## Sub\n\n${para(3)}`]);
    expect(chunks[1]?.headingPath).toEqual(['Top', 'Sub']);
  });

  it('keeps a fenced code block whole when it fits, even if it does not fit beside the previous text', () => {
    const code = [
      '```python',
      'def handler(event):',
      '    total = 0',
      '    for item in event:',
      '        total += item',
      '    return total',
      '```',
    ].join('\n');
    const source = `Some introductory sentences before the code. They take room.\n\n${code}\n\nAfter.`;
    const doc = extractMarkdown(source);
    const maxTokens = countTokens(code) + 2;
    const chunks = chunkDocument(doc, { maxTokens, overlapTokens: 5 });
    expect(chunks.map((c) => c.text)).toContain(code);
    expect(chunks.some((c) => c.text.includes('```python') && !c.text.includes('return total'))).toBe(false);
  });

  it('splits a long paragraph at sentence boundaries with overlap between pieces', () => {
    const sentences = Array.from(
      { length: 40 },
      (_, i) => `Sentence number ${i} talks about chunking text well.`,
    );
    const text = sentences.join(' ');
    const doc: ExtractedDocument = {
      text,
      sections: [{ start: 0, end: text.length, kind: 'paragraph', headingPath: ['Doc'] }],
      contentType: 'text/plain',
    };
    const perSentence = countTokens(sentences[0] as string);
    const maxTokens = perSentence * 5;
    const overlapTokens = perSentence * 2;
    const chunks = chunkDocument(doc, { maxTokens, overlapTokens });
    expect(chunks.length).toBeGreaterThan(8);
    for (const [i, chunk] of chunks.entries()) {
      expect(countTokens(chunk.text)).toBeLessThanOrEqual(maxTokens);
      expect(chunk.text).toMatch(/^Sentence number \d+ .*well\.$/);
      expect(chunk.headingPath).toEqual(['Doc']);
      const previous = chunks[i - 1];
      if (previous) {
        expect(chunk.start).toBeLessThan(previous.end);
        const overlap = text.slice(chunk.start, previous.end);
        expect(overlap.match(/Sentence number/g)).toHaveLength(2);
        expect(countTokens(overlap)).toBeLessThanOrEqual(overlapTokens);
      }
    }
    expect(chunks[0]?.start).toBe(0);
    expect(chunks.at(-1)?.end).toBe(text.length);
  });

  it('with no overlap, pieces of a long section tile it exactly', () => {
    const text = Array.from({ length: 50 }, (_, i) => `Line ${i} of a long list.`).join('\n');
    const doc: ExtractedDocument = {
      text,
      sections: [{ start: 0, end: text.length, kind: 'list', headingPath: [] }],
      contentType: 'text/plain',
    };
    const chunks = chunkDocument(doc, { maxTokens: 30, overlapTokens: 0 });
    expect(chunks.map((c) => c.text).join('\n')).toBe(text);
  });

  it('falls back to words, then to fixed-width pieces, when there is no sentence boundary', () => {
    const words = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ');
    const blob = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo'.repeat(60);
    const text = `${words}\n\n${blob}`;
    const doc = extractMarkdown(text);
    const chunks = chunkDocument(doc, { maxTokens: 50, overlapTokens: 10 });
    checkInvariants(doc, chunks, 50);
    const wordChunks = chunks.filter((c) => c.text.startsWith('word'));
    expect(wordChunks.length).toBeGreaterThan(3);
    for (const c of wordChunks) expect(c.text).toMatch(/^word\d+( word\d+)*$/);
    const blobChunks = chunks.filter((c) => !c.text.startsWith('word'));
    expect(blobChunks.map((c) => c.text).join('')).toBe(blob);
  });

  it('uses the token counter it is given', () => {
    const words = (s: string) => s.split(/\s+/).filter(Boolean).length;
    const text = Array.from({ length: 30 }, (_, i) => `w${i}`).join(' ');
    const doc: ExtractedDocument = {
      text,
      sections: [{ start: 0, end: text.length, kind: 'paragraph', headingPath: [] }],
      contentType: 'text/plain',
    };
    const chunks = chunkDocument(doc, { maxTokens: 10, overlapTokens: 2, countTokens: words });
    expect(chunks.map((c) => words(c.text))).toEqual([10, 10, 10, 6]);
    expect(chunks.map((c) => c.tokens)).toEqual([10, 10, 10, 6]);
    expect(chunks[1]?.text.startsWith('w8 w9 w10')).toBe(true);
  });

  it('carries PDF page numbers and skips blank or whitespace-only sections', () => {
    const text = 'Page one text.\n\f\n   \n\f\nPage three text.';
    const sections: Section[] = [
      { start: 0, end: 14, kind: 'paragraph', headingPath: [], page: 1 },
      { start: 17, end: 20, kind: 'paragraph', headingPath: [], page: 2 },
      { start: 23, end: text.length, kind: 'paragraph', headingPath: [], page: 3 },
    ];
    const doc: ExtractedDocument = { text, sections, contentType: 'application/pdf' };
    const small = chunkDocument(doc, { maxTokens: 5, overlapTokens: 0 });
    expect(small.map((c) => [c.page, c.text])).toEqual([
      [1, 'Page one text.'],
      [3, 'Page three text.'],
    ]);
    const big = chunkDocument(doc, { maxTokens: 100, overlapTokens: 0 });
    expect(big.map((c) => [c.page, c.text])).toEqual([[1, text]]);
  });

  it('chunks text without sections as one block, and blank text as nothing', () => {
    const doc: ExtractedDocument = { text: '  Just some text.  ', sections: [], contentType: 'text/plain' };
    expect(chunkDocument(doc, { maxTokens: 10, overlapTokens: 0 })).toEqual([
      { index: 0, text: 'Just some text.', start: 2, end: 17, headingPath: [], tokens: 4 },
    ]);
    expect(chunkDocument({ ...doc, text: ' \n\t ' }, { maxTokens: 10, overlapTokens: 0 })).toEqual([]);
  });

  it('rejects impossible options', () => {
    const doc: ExtractedDocument = { text: 'x', sections: [], contentType: 'text/plain' };
    expect(() => chunkDocument(doc, { maxTokens: 0, overlapTokens: 0 })).toThrow(RangeError);
    expect(() => chunkDocument(doc, { maxTokens: 10, overlapTokens: 10 })).toThrow(RangeError);
    expect(() => chunkDocument(doc, { maxTokens: 10, overlapTokens: -1 })).toThrow(RangeError);
    expect(() => chunkDocument(doc, { maxTokens: 1.5, overlapTokens: 0 })).toThrow(RangeError);
  });

  it('chunks 10 MB of markdown in well under a few seconds', async () => {
    const r = rng(7);
    const blocks: string[] = [];
    let size = 0;
    while (size < 10_000_000) {
      const block = r.next() < 0.05 ? `## Section ${blocks.length}` : paragraph(r, r.next() < 0.1);
      blocks.push(block);
      size += block.length + 2;
    }
    const doc = await extractDocument({ content: blocks.join('\n\n'), contentType: 'text/markdown' });
    const started = performance.now();
    const chunks = chunkDocument(doc, { maxTokens: 384, overlapTokens: 48 });
    const elapsed = performance.now() - started;
    console.log(`chunked ${doc.text.length} chars into ${chunks.length} chunks in ${elapsed.toFixed(0)} ms`);
    expect(chunks.length).toBeGreaterThan(1000);
    expect(elapsed).toBeLessThan(4000);
  });
});
