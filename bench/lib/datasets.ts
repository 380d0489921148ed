import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface EvalDocument {
  id: string;
  title: string;
  text: string;
}

export interface EvalDataset {
  name: string;
  documents: EvalDocument[];
  /** Only the queries that have judgments, in file order. */
  queries: { id: string; text: string }[];
  /** query id -> relevant document ids (binary). */
  qrels: Map<string, Set<string>>;
}

/** BEIR SciFact, test split: corpus.jsonl, queries.jsonl, qrels/test.tsv (header line, CRLF ends). */
export async function loadSciFact(dir: string): Promise<EvalDataset> {
  const documents = jsonLines(await readFile(join(dir, 'corpus.jsonl'), 'utf8')).map((row) => ({
    id: String(row._id),
    title: String(row.title ?? ''),
    text: String(row.text ?? ''),
  }));
  const qrels = new Map<string, Set<string>>();
  const lines = (await readFile(join(dir, 'qrels', 'test.tsv'), 'utf8')).split(/\r?\n/);
  for (const line of lines.slice(1)) {
    if (line.trim() === '') continue;
    const [queryId, docId, score] = line.split('\t');
    if (!queryId || !docId || Number(score) <= 0) continue;
    addJudgment(qrels, queryId, docId);
  }
  const queries = jsonLines(await readFile(join(dir, 'queries.jsonl'), 'utf8'))
    .map((row) => ({ id: String(row._id), text: String(row.text) }))
    .filter((q) => qrels.has(q.id));
  return { name: 'BEIR SciFact (test)', documents, queries, qrels };
}

/** CISI in SMART format: documents .T + .W, queries .W, CISI.REL `qid docid 0 0.0`. */
export async function loadCisi(dir: string): Promise<EvalDataset> {
  const documents = parseSmart(await readFile(join(dir, 'CISI.ALL'), 'utf8')).map((r) => ({
    id: r.id,
    title: (r.fields.get('T') ?? '').trim(),
    text: (r.fields.get('W') ?? '').trim(),
  }));
  const qrels = new Map<string, Set<string>>();
  for (const line of (await readFile(join(dir, 'CISI.REL'), 'utf8')).split(/\r?\n/)) {
    const [queryId, docId] = line.trim().split(/\s+/);
    if (!queryId || !docId) continue;
    addJudgment(qrels, queryId, docId);
  }
  const queries = parseSmart(await readFile(join(dir, 'CISI.QRY'), 'utf8'))
    .map((r) => ({ id: r.id, text: collapse(r.fields.get('W') ?? '') }))
    .filter((q) => qrels.has(q.id));
  return { name: 'CISI (76 judged queries)', documents, queries, qrels };
}

/** SMART records: `.I <id>` starts one; `.X` (letter) lines start a field whose text runs to the next marker. */
function parseSmart(raw: string): { id: string; fields: Map<string, string> }[] {
  const records: { id: string; fields: Map<string, string> }[] = [];
  let current: { id: string; fields: Map<string, string> } | undefined;
  let field: string | undefined;
  for (const line of raw.split(/\r?\n/)) {
    const idLine = /^\.I\s+(\d+)/.exec(line);
    if (idLine) {
      current = { id: idLine[1] as string, fields: new Map() };
      records.push(current);
      field = undefined;
      continue;
    }
    const marker = /^\.([A-Z])\s*$/.exec(line);
    if (marker) {
      field = marker[1];
      continue;
    }
    if (current && field) current.fields.set(field, `${current.fields.get(field) ?? ''}${line}\n`);
  }
  return records;
}

function addJudgment(qrels: Map<string, Set<string>>, queryId: string, docId: string): void {
  const set = qrels.get(queryId) ?? new Set<string>();
  set.add(docId);
  qrels.set(queryId, set);
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function jsonLines(raw: string): Record<string, unknown>[] {
  return raw
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
