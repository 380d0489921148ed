import { readFile } from 'node:fs/promises';
import { documentInputSchema } from '@ragline/sdk/contracts';
import { UsageError } from './cli-error.js';
import type { CollectedFile } from './collect-files.js';

/** One line of a .jsonl input: a DocumentInput, kept as text to be sent as is. */
export interface JsonlDocument {
  id: string;
  line: string;
  bytes: number;
}

export type Batch =
  | { kind: 'files'; files: CollectedFile[]; ids: string[] }
  | { kind: 'jsonl'; lines: string[]; ids: string[] };

export interface BatchLimits {
  /** Documents per request. */
  size: number;
  /** Soft cap on a request's body; a single larger document still goes, alone. */
  maxBytes: number;
}

const encoder = new TextEncoder();

/** Reads and validates every line up front, so a bad line stops the run before anything is sent. */
export async function readJsonlFile(file: CollectedFile): Promise<JsonlDocument[]> {
  const text = await readFile(file.absolutePath, 'utf8');
  const documents: JsonlDocument[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const at = `${file.id}:${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new UsageError(`${at}: not valid JSON`);
    }
    const parsed = documentInputSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new UsageError(
        `${at}: ${issue?.path.join('.') || 'document'}: ${issue?.message ?? 'invalid document'}`,
      );
    }
    documents.push({ id: parsed.data.id, line, bytes: encoder.encode(line).byteLength + 1 });
  });
  return documents;
}

/** Files and JSON Lines documents go in separate requests (multipart vs application/x-ndjson). */
export function planBatches(files: CollectedFile[], jsonl: JsonlDocument[], limits: BatchLimits): Batch[] {
  const batches: Batch[] = [];
  for (const group of chunkBy(files, (f) => f.size, limits)) {
    batches.push({ kind: 'files', files: group, ids: group.map((f) => f.id) });
  }
  for (const group of chunkBy(jsonl, (d) => d.bytes, limits)) {
    batches.push({ kind: 'jsonl', lines: group.map((d) => d.line), ids: group.map((d) => d.id) });
  }
  return batches;
}

function chunkBy<T>(items: T[], sizeOf: (item: T) => number, limits: BatchLimits): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && (current.length >= limits.size || bytes + size > limits.maxBytes)) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** The first id that appears twice, if any (a JSON Lines id clashing with a file path, say). */
export function findDuplicateId(batches: Batch[]): string | undefined {
  const seen = new Set<string>();
  for (const batch of batches) {
    for (const id of batch.ids) {
      if (seen.has(id)) return id;
      seen.add(id);
    }
  }
  return undefined;
}
