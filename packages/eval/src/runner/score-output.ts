import { contains, equals, isValidJson, jsonFieldEquals, matchesRegex } from '../metrics/deterministic.js';
import { rougeL, tokenF1 } from '../metrics/text.js';
import type { DatasetCase } from '../suite/dataset.js';
import type { MetricDefinition } from '../suite/suite-definition.js';
import type { TargetAnswer } from '../targets/target.js';

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
