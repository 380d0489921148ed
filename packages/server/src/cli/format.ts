import type { Collection, QueryResponse } from '@ragline/sdk';
import Table from 'cli-table3';

const PLAIN_STYLE = { head: [] as string[], border: [] as string[] };

/** Collapses whitespace and cuts to `width` characters with an ellipsis. */
export function truncate(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= width) return flat;
  return `${flat.slice(0, Math.max(0, width - 1)).trimEnd()}…`;
}

export function formatQueryResults(response: QueryResponse, columns = 120): string {
  if (response.results.length === 0) return `No results (mode: ${response.mode}).\n`;
  const rows = response.results.map((result, index) => [
    String(index + 1),
    result.score.toFixed(4),
    truncate(result.documentId, 32),
    truncate(result.headingPath.join(' > '), 28),
  ]);
  const head = ['#', 'score', 'document', 'heading', 'snippet'];
  const widths = [0, 1, 2, 3].map((i) =>
    Math.max((head[i] as string).length, ...rows.map((r) => (r[i] as string).length)),
  );
  // The snippet takes what is left of the terminal: 5 columns have 6 borders and 2 spaces of padding each.
  const snippetWidth = Math.max(20, columns - widths.reduce((a, b) => a + b, 0) - 16);
  const table = new Table({ head, style: PLAIN_STYLE });
  rows.forEach((row, index) => {
    table.push([...row, truncate(response.results[index]?.text ?? '', snippetWidth)]);
  });
  return `${table.toString()}\n${response.results.length} results (mode: ${response.mode})\n`;
}

export function formatCollections(collections: Collection[]): string {
  if (collections.length === 0) return 'No collections.\n';
  const table = new Table({
    head: ['name', 'embedder', 'model', 'dims', 'documents', 'chunks', 'updated'],
    style: PLAIN_STYLE,
  });
  for (const c of collections) {
    table.push([
      c.name,
      c.embedder ?? 'none',
      c.embeddingModel ?? '-',
      c.dimensions === null ? '-' : String(c.dimensions),
      String(c.documentCount),
      String(c.chunkCount),
      c.updatedAt,
    ]);
  }
  return `${table.toString()}\n`;
}

export interface IngestSummary {
  collection: string;
  documents: number;
  files: number;
  added: number;
  updated: number;
  unchanged: number;
  deleted: number;
  chunks: number;
  embeddingTokens: number;
  seconds: number;
}

export function formatIngestSummary(s: IngestSummary): string {
  const rate = s.seconds > 0 ? s.documents / s.seconds : s.documents;
  return (
    `Ingested ${plural(s.documents, 'document')} from ${plural(s.files, 'file')} into "${s.collection}": ` +
    `${s.added} added, ${s.updated} updated, ${s.unchanged} unchanged, ${s.deleted} deleted, ` +
    `${s.chunks} chunks in ${s.seconds.toFixed(1)}s (${rate.toFixed(1)} docs/s)\n`
  );
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
