import { fileURLToPath } from 'node:url';
import { averagePrecision, documentRanking, ndcgAtK, recallAtK } from './metrics.js';

/**
 * Hand-computed examples for the metric functions; the quality benchmark runs this first and stops on a
 * mismatch. Runnable alone: `npx tsx bench/lib/metrics.check.ts`.
 */
export function checkMetrics(): void {
  const failures: string[] = [];
  const expect = (name: string, actual: number, expected: number) => {
    if (Math.abs(actual - expected) > 1e-9) failures.push(`${name}: got ${actual}, expected ${expected}`);
  };
  const rel = (...ids: string[]) => new Set(ids);

  // Relevant at ranks 1 and 3 of 4, two relevant in all:
  // DCG = 1/log2(2) + 1/log2(4) = 1.5; IDCG = 1 + 1/log2(3) = 1.6309297535714575.
  expect('ndcg ranks 1,3', ndcgAtK(['a', 'b', 'c', 'd'], rel('a', 'c'), 10), 1.5 / (1 + 1 / Math.log2(3)));
  expect('ndcg ranks 1,3 numeric', ndcgAtK(['a', 'b', 'c', 'd'], rel('a', 'c'), 10), 0.9197207891481876);
  // The cut: with k=2 only rank 1 counts; the ideal has 2 relevant in the first 2.
  expect('ndcg@2', ndcgAtK(['a', 'b', 'c', 'd'], rel('a', 'c'), 2), 1 / (1 + 1 / Math.log2(3)));
  // More relevant documents than k: the ideal DCG stops at k (perfect top-2 scores 1).
  expect('ndcg ideal capped at k', ndcgAtK(['a', 'b'], rel('a', 'b', 'c'), 2), 1);
  // A relevant document never retrieved lowers the score: 1 / (1 + 1/log2(3)).
  expect('ndcg unretrieved relevant', ndcgAtK(['a'], rel('a', 'z'), 10), 1 / (1 + 1 / Math.log2(3)));
  expect('ndcg nothing found', ndcgAtK(['x', 'y'], rel('a'), 10), 0);
  // Single relevant at rank 2: 1/log2(3) = 0.6309297535714575.
  expect('ndcg rank 2', ndcgAtK(['x', 'a'], rel('a'), 10), 0.6309297535714575);

  expect('recall@2', recallAtK(['a', 'b', 'c', 'd'], rel('a', 'c'), 2), 0.5);
  expect('recall@4', recallAtK(['a', 'b', 'c', 'd'], rel('a', 'c'), 4), 1);
  expect('recall missing', recallAtK(['a'], rel('a', 'b', 'c', 'd'), 100), 0.25);

  // AP: precision 1/1 at rank 1 and 2/3 at rank 3, over 2 relevant: (1 + 2/3) / 2.
  expect('ap', averagePrecision(['a', 'b', 'c', 'd'], rel('a', 'c')), (1 + 2 / 3) / 2);
  // One of three relevant found, at rank 2: (1/2) / 3.
  expect('ap unretrieved', averagePrecision(['x', 'a'], rel('a', 'b', 'c')), 1 / 6);

  const ranking = documentRanking([
    { documentId: 'd1' },
    { documentId: 'd2' },
    { documentId: 'd1' },
    { documentId: 'd3' },
  ]);
  if (ranking.join(',') !== 'd1,d2,d3') failures.push(`documentRanking: got ${ranking.join(',')}`);

  if (failures.length > 0) throw new Error(`metric self-check failed:\n  ${failures.join('\n  ')}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  checkMetrics();
  console.log('metric self-check: ok');
}
