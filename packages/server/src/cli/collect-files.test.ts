import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from './cli-error.js';
import { collectFiles, commonAncestor, contentTypeForPath, splitPattern } from './collect-files.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'ragline-cli-'));
  const files: Record<string, string> = {
    'docs/intro.md': '# Intro',
    'docs/guide/setup.markdown': '# Setup',
    'docs/guide/page.HTML': '<p>x</p>',
    'docs/guide/deep/notes.txt': 'notes',
    'docs/paper.pdf': '%PDF-1.4',
    'docs/logo.png': 'png',
    'docs/node_modules/dep/readme.md': 'dep',
    'docs/.hidden.md': 'hidden',
    'other/extra.htm': '<p>y</p>',
    'data/corpus.jsonl': '{"id":"a","text":"x"}\n',
  };
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), content);
  }
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('collectFiles', () => {
  it('walks a directory, keeps supported types, skips node_modules and dot files, ids relative to it', async () => {
    const { base, files } = await collectFiles(['docs'], root);
    expect(base).toBe(path.join(root, 'docs'));
    expect(files.map((f) => [f.id, f.contentType])).toEqual([
      ['guide/deep/notes.txt', 'text/plain'],
      ['guide/page.HTML', 'text/html'],
      ['guide/setup.markdown', 'text/markdown'],
      ['intro.md', 'text/markdown'],
      ['paper.pdf', 'application/pdf'],
    ]);
    expect(files.find((f) => f.id === 'intro.md')?.size).toBe(7);
    expect(files.every((f) => path.isAbsolute(f.absolutePath))).toBe(true);
  });

  it('takes the static prefix of a glob as its root', async () => {
    const { base, files } = await collectFiles(['docs/guide/**/*.txt'], root);
    expect(base).toBe(path.join(root, 'docs/guide'));
    expect(files.map((f) => f.id)).toEqual(['deep/notes.txt']);
  });

  it('uses the common ancestor of several inputs and de-duplicates overlaps', async () => {
    const { base, files } = await collectFiles(['docs/intro.md', 'other', 'docs/*.md'], root);
    expect(base).toBe(root);
    expect(files.map((f) => f.id)).toEqual(['docs/intro.md', 'other/extra.htm']);
  });

  it('keeps ids stable when files come and go (base from the inputs, not the matches)', async () => {
    const { files } = await collectFiles(['docs/guide'], root);
    expect(files.map((f) => f.id)).toContain('deep/notes.txt');
    const { files: onlyDeep } = await collectFiles(['docs/guide/**/*.txt'], root);
    expect(onlyDeep.map((f) => f.id)).toEqual(['deep/notes.txt']);
  });

  it('gives a single file its own name as id and recognises .jsonl', async () => {
    const { base, files } = await collectFiles([path.join(root, 'data/corpus.jsonl')], '/');
    expect(base).toBe(path.join(root, 'data'));
    expect(files).toMatchObject([{ id: 'corpus.jsonl', contentType: 'jsonl' }]);
  });

  it('rejects a named file of an unsupported type, a missing path, and an empty match', async () => {
    await expect(collectFiles(['docs/logo.png'], root)).rejects.toThrow(UsageError);
    await expect(collectFiles(['nope/'], root)).rejects.toThrow(/no such file/);
    await expect(collectFiles(['docs/**/*.rst'], root)).rejects.toThrow(/no supported files/);
  });
});

describe('path helpers', () => {
  it('splits a pattern into a root and the rest', () => {
    expect(splitPattern('docs/guides/*.md', '/w')).toEqual({ root: '/w/docs/guides', pattern: '*.md' });
    expect(splitPattern('**/*.md', '/w')).toEqual({ root: '/w', pattern: '**/*.md' });
    expect(splitPattern('/abs/{a,b}/x.md', '/w')).toEqual({ root: '/abs', pattern: '{a,b}/x.md' });
  });

  it('finds the common ancestor', () => {
    expect(commonAncestor(['/a/b/c', '/a/b/d/e'])).toBe('/a/b');
    expect(commonAncestor(['/a/b', '/a/bc'])).toBe('/a');
    expect(commonAncestor(['/a', '/b'])).toBe('/');
    expect(commonAncestor(['/a/b'])).toBe('/a/b');
  });

  it('maps extensions case-insensitively', () => {
    expect(contentTypeForPath('x/README.MD')).toBe('text/markdown');
    expect(contentTypeForPath('x/a.htm')).toBe('text/html');
    expect(contentTypeForPath('x/a.docx')).toBeUndefined();
  });
});
