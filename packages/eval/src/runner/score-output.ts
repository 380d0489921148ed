import { Ajv, type ValidateFunction } from 'ajv';
import { contains, equals, isValidJson, jsonFieldEquals, matchesRegex } from '../metrics/deterministic.js';
import {
  type AnswerSpan,
  hitAtK,
  ndcgAtK,
  type RetrievedSpan,
  recallAtK,
  reciprocalRank,
  relevantBySpanOverlap,
  spanRecallAtK,
} from '../metrics/retrieval.js';
import { rougeL, tokenF1 } from '../metrics/text.js';
import type { DatasetCase } from '../suite/dataset.js';
import { type MetricDefinition, SuiteError } from '../suite/suite-definition.js';
import type { RetrievedContext, TargetAnswer } from '../targets/target.js';

/** Kinds that score 1 or 0 (pass at 1 by default); every other kind is a graded score (pass at 0.5). */
const CHECK_KINDS = new Set<MetricDefinition['kind']>([
  'equals',
  'contains',
  'regex',
  'json-valid',
  'json-schema',
  'json-field',
  'hit@k',
]);

export interface MetricScore {
  score: number;
  passed: boolean;
}

/** The per-case passing score of a metric: its threshold, else 1 for checks and 0.5 for overlap scores. */
export function passThreshold(metric: MetricDefinition): number {
  if (metric.threshold !== undefined) return metric.threshold;
  return CHECK_KINDS.has(metric.kind) ? 1 : 0.5;
}

/**
 * Scores one answer with one synchronous metric. Checks score 1 or 0. Metrics that compare with an expected
 * value use the case's `expected` (as text where a string is needed) unless the options give one; a case
 * without either is not scored (`undefined`), nor is a metric that is not synchronous (judged, embedding:
 * see `scoreRepeat`).
 */
export function scoreOutput(
  metric: MetricDefinition,
  answer: TargetAnswer,
  item: DatasetCase,
): MetricScore | undefined {
  const output = answer.output ?? '';
  const options = metric.options ?? {};
  const expectedText =
    typeof item.expected === 'string'
      ? item.expected
      : item.expected === undefined
        ? undefined
        : JSON.stringify(item.expected);
  let score: number;
  switch (metric.kind) {
    case 'equals': {
      const expected = typeof options.value === 'string' ? options.value : expectedText;
      if (expected === undefined) return undefined;
      score = check(equals(output, expected, { trim: options.trim === true }));
      break;
    }
    case 'contains': {
      const needles = Array.isArray(options.needles)
        ? (options.needles as string[])
        : expectedText === undefined
          ? undefined
          : [expectedText];
      if (needles === undefined) return undefined;
      score = check(
        contains(output, needles, {
          mode: options.mode === 'any' ? 'any' : 'all',
          caseInsensitive: options.caseInsensitive === true,
        }),
      );
      break;
    }
    case 'regex':
      score = check(
        matchesRegex(
          output,
          options.pattern as string,
          typeof options.flags === 'string' ? options.flags : '',
        ),
      );
      break;
    case 'json-valid':
      score = check(isValidJson(output));
      break;
    case 'json-field': {
      const expected = 'value' in options ? options.value : item.expected;
      if (expected === undefined) return undefined;
      score = check(jsonFieldEquals(output, options.path as string, expected));
      break;
    }
    case 'token-f1':
      if (expectedText === undefined) return undefined;
      score = tokenF1(output, expectedText).f1;
      break;
    case 'rouge-l':
      if (expectedText === undefined) return undefined;
      score = rougeL(output, expectedText).f1;
      break;
    case 'json-schema':
      score = check(matchesJsonSchema(metric, output));
      break;
    case 'hit@k':
    case 'recall@k':
    case 'mrr':
    case 'ndcg@k': {
      const retrieval = scoreRetrieval(metric.name, metric.kind, options, answer.contexts ?? [], item);
      if (retrieval === undefined) return undefined;
      score = retrieval;
      break;
    }
    default:
      return undefined;
  }
  return withVerdict(metric, score);
}

/** The score with its per-case verdict against the metric's threshold. */
export function withVerdict(metric: MetricDefinition, score: number): MetricScore {
  const threshold = passThreshold(metric);
  const passed = metric.higherIsBetter === false ? score <= threshold : score >= threshold;
  return { score, passed };
}

function check(ok: boolean): number {
  return ok ? 1 : 0;
}

// User schemas may carry keywords or formats this Ajv does not know (strict off), or an `$id` shared by
// two metrics' schemas (nothing added to the instance, each compiled on its own).
const ajv = new Ajv({ strict: false, addUsedSchema: false, validateFormats: false, logger: false });
const compiledSchemas = new WeakMap<object, ValidateFunction>();

/** 1 when the output parses as JSON and the value satisfies `options.schema`; compiled once per schema. */
function matchesJsonSchema(metric: MetricDefinition, output: string): boolean {
  const schema = metric.options?.schema as object;
  let validate = compiledSchemas.get(schema);
  if (validate === undefined) {
    try {
      validate = ajv.compile(schema);
    } catch (error) {
      throw new SuiteError(
        `metric "${metric.name}"`,
        'options.schema',
        `not a valid JSON Schema: ${(error as Error).message}`,
      );
    }
    compiledSchemas.set(schema, validate);
  }
  let value: unknown;
  try {
    value = JSON.parse(output);
  } catch {
    return false;
  }
  return validate(value);
}

type RetrievalKind = 'hit@k' | 'recall@k' | 'mrr' | 'ndcg@k';

/**
 * A retrieval metric over the contexts in rank order. `by: 'documents'` (default) compares the distinct
 * document ids with `expectedDocuments`; `by: 'spans'` counts a context relevant when its [start, end)
 * overlaps an `expectedSpans` entry, and recall@k is then span coverage (share of expected spans hit in the
 * top k). A case without expectations is not scored; a target that retrieved nothing scores 0.
 */
function scoreRetrieval(
  name: string,
  kind: RetrievalKind,
  options: Record<string, unknown>,
  contexts: readonly RetrievedContext[],
  item: DatasetCase,
): number | undefined {
  const k = typeof options.k === 'number' ? options.k : undefined;
  if (k === undefined && kind !== 'mrr') {
    throw new SuiteError(`metric "${name}"`, 'options.k', `required positive integer for ${kind}`);
  }
  if (options.by === 'spans') {
    const spans = item.expectedSpans;
    if (spans === undefined || spans.length === 0) return undefined;
    return scoreBySpans(kind, k, contexts, spans, options);
  }
  const expected = item.expectedDocuments;
  if (expected === undefined || expected.length === 0) return undefined;
  const retrieved = [...new Set(contexts.map((context) => context.documentId))];
  return rankMetric(kind, retrieved, expected, k);
}

function scoreBySpans(
  kind: RetrievalKind,
  k: number | undefined,
  contexts: readonly RetrievedContext[],
  spans: readonly AnswerSpan[],
  options: Record<string, unknown>,
): number {
  const overlap =
    typeof options.minOverlapChars === 'number' ? { minOverlapChars: options.minOverlapChars } : {};
  // A context without offsets is an empty range: it overlaps no span, but its rank still counts.
  const retrieved: RetrievedSpan[] = contexts.map((context, rank) => ({
    id: context.chunkId ?? `#${rank}`,
    documentId: context.documentId,
    start: context.start ?? Number.POSITIVE_INFINITY,
    end: context.end ?? Number.NEGATIVE_INFINITY,
  }));
  if (kind === 'recall@k') return spanRecallAtK(retrieved, spans, k as number, overlap);
  const relevant = relevantBySpanOverlap(retrieved, spans, overlap);
  if (relevant.length === 0) return 0;
  return rankMetric(
    kind,
    retrieved.map((span) => span.id),
    relevant,
    k,
  );
}

function rankMetric(
  kind: RetrievalKind,
  retrieved: readonly string[],
  relevant: readonly string[],
  k: number | undefined,
): number {
  switch (kind) {
    case 'hit@k':
      return hitAtK(retrieved, relevant, k as number);
    case 'recall@k':
      return recallAtK(retrieved, relevant, k as number);
    case 'mrr':
      return reciprocalRank(retrieved, relevant, k);
    case 'ndcg@k':
      return ndcgAtK(retrieved, relevant, k as number);
  }
}
