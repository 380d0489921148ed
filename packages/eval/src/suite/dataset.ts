import { readFile } from 'node:fs/promises';
import type { AnswerSpan } from '../metrics/retrieval.js';
import type { JsonValue } from '../run/eval-run.js';
import { CsvParseError, parseCsv } from './csv.js';

/** One evaluation case as a dataset file holds it. */
export interface DatasetCase {
  id: string;
  input: string;
  /** Values for `{{name}}` placeholders in `input`. */
  variables?: Record<string, string>;
  expected?: JsonValue;
  expectedDocuments?: string[];
  /** Character ranges of documents that hold the answer, for retrieval metrics with `by: spans`. */
  expectedSpans?: AnswerSpan[];
  tags?: string[];
}

/** A dataset that cannot be read; the message names the file and the record. */
export class DatasetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetError';
  }
}

/** Reads a `.jsonl` (one JSON object per line) or `.csv` (header row, RFC 4180) dataset. */
export async function readDataset(path: string): Promise<DatasetCase[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new DatasetError(`${path}: cannot read dataset (${(error as Error).message})`);
  }
  if (path.endsWith('.jsonl')) return parseJsonlDataset(text, path);
  if (path.endsWith('.csv')) return parseCsvDataset(text, path);
  throw new DatasetError(`${path}: dataset must be a .jsonl or .csv file`);
}

export function parseJsonlDataset(text: string, file = 'dataset'): DatasetCase[] {
  const cases: DatasetCase[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${file}:${index + 1}`;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (error) {
      throw new DatasetError(`${where}: invalid JSON (${(error as Error).message})`);
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw new DatasetError(`${where}: expected a JSON object`);
    }
    cases.push(toCase(record as Record<string, unknown>, where));
  });
  return checkUnique(cases, file);
}

/**
 * CSV columns: `id`, `input`, and optionally `expected` (text), `variables` (a JSON object),
 * `expectedDocuments` and `tags` (a JSON array, or values separated by `;`). Empty cells are absent.
 */
export function parseCsvDataset(text: string, file = 'dataset'): DatasetCase[] {
  let rows: string[][];
  try {
    rows = parseCsv(text);
  } catch (error) {
    if (error instanceof CsvParseError) throw new DatasetError(`${file}:${error.message}`);
    throw error;
  }
  const [header, ...records] = rows;
  if (header === undefined) return [];
  const cases = records
    .filter((record) => !(record.length === 1 && record[0] === ''))
    .map((record, index) => {
      const where = `${file}: record ${index + 1}`;
      if (record.length !== header.length) {
        throw new DatasetError(`${where}: has ${record.length} fields, the header has ${header.length}`);
      }
      const raw: Record<string, unknown> = {};
      header.forEach((column, i) => {
        const cell = record[i] as string;
        if (cell === '') return;
        if (column === 'variables' || column === 'expectedSpans')
          raw[column] = parseJsonCell(cell, `${where}.${column}`);
        else if (column === 'expectedDocuments' || column === 'tags')
          raw[column] = parseListCell(cell, `${where}.${column}`);
        else raw[column] = cell;
      });
      return toCase(raw, where);
    });
  return checkUnique(cases, file);
}

function parseJsonCell(cell: string, where: string): unknown {
  try {
    return JSON.parse(cell);
  } catch {
    throw new DatasetError(`${where}: expected JSON, got ${JSON.stringify(cell)}`);
  }
}

function parseListCell(cell: string, where: string): unknown {
  if (cell.trimStart().startsWith('[')) return parseJsonCell(cell, where);
  return cell
    .split(';')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function toCase(record: Record<string, unknown>, where: string): DatasetCase {
  const { id, input, variables, expected, expectedDocuments, expectedSpans, tags } = record;
  if (typeof id !== 'string' || id === '') throw new DatasetError(`${where}.id: expected a non-empty string`);
  if (typeof input !== 'string') throw new DatasetError(`${where}.input: expected a string`);
  const result: DatasetCase = { id, input };
  if (variables !== undefined) {
    const ok =
      typeof variables === 'object' &&
      variables !== null &&
      !Array.isArray(variables) &&
      Object.values(variables).every((value) => typeof value === 'string');
    if (!ok) throw new DatasetError(`${where}.variables: expected an object of strings`);
    result.variables = variables as Record<string, string>;
  }
  if (expected !== undefined) result.expected = expected as JsonValue;
  if (expectedDocuments !== undefined)
    result.expectedDocuments = stringList(expectedDocuments, `${where}.expectedDocuments`);
  if (expectedSpans !== undefined) result.expectedSpans = spanList(expectedSpans, `${where}.expectedSpans`);
  if (tags !== undefined) result.tags = stringList(tags, `${where}.tags`);
  return result;
}

function stringList(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new DatasetError(`${where}: expected an array of strings`);
  }
  return value;
}

function spanList(value: unknown, where: string): AnswerSpan[] {
  if (!Array.isArray(value))
    throw new DatasetError(`${where}: expected an array of {documentId, start, end}`);
  return value.map((span, i) => {
    const { documentId, start, end } = (span ?? {}) as Record<string, unknown>;
    const offset = (n: unknown) => Number.isInteger(n) && (n as number) >= 0;
    if (typeof documentId !== 'string' || documentId === '' || !offset(start) || !offset(end))
      throw new DatasetError(
        `${where}[${i}]: expected {documentId: string, start: integer >= 0, end: integer >= 0}`,
      );
    if ((end as number) <= (start as number))
      throw new DatasetError(`${where}[${i}]: end (${end}) must be greater than start (${start})`);
    return { documentId, start: start as number, end: end as number };
  });
}

/** Checks inline cases (a suite's `cases`) the way a dataset file's records are checked. */
export function inlineDataset(records: readonly unknown[], file = 'cases'): DatasetCase[] {
  return checkUnique(
    records.map((record, i) => toCase(record as Record<string, unknown>, `${file}[${i}]`)),
    file,
  );
}

function checkUnique(cases: DatasetCase[], file: string): DatasetCase[] {
  const seen = new Set<string>();
  for (const item of cases) {
    if (seen.has(item.id)) throw new DatasetError(`${file}: case id "${item.id}" appears more than once`);
    seen.add(item.id);
  }
  return cases;
}
