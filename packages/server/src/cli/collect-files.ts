import { stat } from 'node:fs/promises';
import path from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { UsageError } from './cli-error.js';

/** Extensions the CLI picks up, and the content type each is sent as (`jsonl`: documents, one per line). */
export const CONTENT_TYPE_BY_EXTENSION: Readonly<Record<string, string>> = {
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.markdown': 'text/markdown',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.pdf': 'application/pdf',
  '.jsonl': 'jsonl',
};

const IGNORE = ['**/node_modules/**', '**/.git/**'];

export interface CollectedFile {
  absolutePath: string;
  /** Path relative to the common base, with "/" separators: the document id. */
  id: string;
  /** A MIME type, or `jsonl` for a file of DocumentInput lines. */
  contentType: string;
  size: number;
}

export interface CollectedFiles {
  /** Absolute directory every input lies under; ids are relative to it. */
  base: string;
  files: CollectedFile[];
}

export function contentTypeForPath(file: string): string | undefined {
  return CONTENT_TYPE_BY_EXTENSION[path.extname(file).toLowerCase()];
}

/**
 * Expands files, directories and globs. The base is the common ancestor of the inputs' roots
 * (a directory itself, a file's directory, a glob's static prefix), not of the files found, so an
 * id stays the same when sibling files come and go: `sync` depends on stable ids.
 */
export async function collectFiles(inputs: string[], cwd: string): Promise<CollectedFiles> {
  const roots: string[] = [];
  const found = new Set<string>();

  for (const input of inputs) {
    const absolute = path.resolve(cwd, input);
    const info = await stat(absolute).catch(() => null);
    if (info?.isDirectory()) {
      roots.push(absolute);
      for (const file of await globFiles('**/*', absolute)) found.add(file);
    } else if (info?.isFile()) {
      if (!contentTypeForPath(absolute)) {
        throw new UsageError(`${input}: unsupported file type (supported: ${supportedExtensions()})`);
      }
      roots.push(path.dirname(absolute));
      found.add(absolute);
    } else if (isDynamicPattern(input)) {
      const { root, pattern } = splitPattern(input, cwd);
      roots.push(root);
      for (const file of await globFiles(pattern, root)) found.add(file);
    } else {
      throw new UsageError(`${input}: no such file or directory`);
    }
  }

  const base = commonAncestor(roots);
  const files: CollectedFile[] = [];
  for (const absolutePath of found) {
    const contentType = contentTypeForPath(absolutePath);
    if (!contentType) continue;
    const { size } = await stat(absolutePath);
    files.push({ absolutePath, id: toId(path.relative(base, absolutePath)), contentType, size });
  }
  if (files.length === 0) {
    throw new UsageError(
      `no supported files found in ${inputs.join(', ')} (supported: ${supportedExtensions()})`,
    );
  }
  files.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { base, files };
}

async function globFiles(pattern: string, root: string): Promise<string[]> {
  const matches = await glob(pattern, {
    cwd: root,
    absolute: true,
    onlyFiles: true,
    ignore: IGNORE,
    expandDirectories: false,
  });
  return matches.map((match) => path.resolve(match));
}

/** `docs/guides/*.md` -> root `<cwd>/docs/guides` and pattern `*.md`: the leading static directories become the root. */
export function splitPattern(input: string, cwd: string): { root: string; pattern: string } {
  const segments = input.split('/');
  const firstDynamic = segments.findIndex((segment) => isDynamicPattern(segment));
  const staticPart = segments.slice(0, firstDynamic).join('/');
  const root = path.resolve(cwd, staticPart === '' && input.startsWith('/') ? '/' : staticPart || '.');
  return { root, pattern: segments.slice(firstDynamic).join('/') };
}

export function commonAncestor(directories: string[]): string {
  const [first, ...rest] = directories.map((dir) => path.resolve(dir).split(path.sep));
  if (!first) throw new Error('commonAncestor needs at least one directory');
  let length = first.length;
  for (const parts of rest) {
    let i = 0;
    while (i < length && i < parts.length && parts[i] === first[i]) i++;
    length = i;
  }
  const joined = first.slice(0, length).join(path.sep);
  return joined === '' ? path.sep : joined;
}

function toId(relative: string): string {
  return relative.split(path.sep).join('/');
}

function supportedExtensions(): string {
  return Object.keys(CONTENT_TYPE_BY_EXTENSION).join(' ');
}
