import type { RetrievedContext } from './target.js';

/** A passage as the server returns it: an answer citation or a query result (both carry these fields). */
interface ServerPassage {
  documentId: string;
  chunkId: string;
  text: string;
  start: number;
  end: number;
  score: number;
}

/** The server's passages as retrieved contexts, in the order given (rank order). */
export function toRetrievedContexts(passages: readonly ServerPassage[]): RetrievedContext[] {
  return passages.map(({ documentId, chunkId, text, start, end, score }) => ({
    documentId,
    chunkId,
    text,
    start,
    end,
    score,
  }));
}
