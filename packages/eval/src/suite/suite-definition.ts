import { z } from 'zod';

export const METRIC_KINDS = [
  'equals',
  'contains',
  'regex',
  'json-valid',
  'json-field',
  'token-f1',
  'rouge-l',
] as const;
export type MetricKind = (typeof METRIC_KINDS)[number];

/** An OpenAI-compatible chat completions endpoint (`POST {baseURL}/chat/completions`). */
export interface EndpointTargetDefinition {
  kind: 'endpoint';
  baseURL: string;
  model: string;
  /** Name of the environment variable holding the API key (sent as a bearer token); none when absent. */
  apiKeyEnv?: string;
  /** Optional system message sent before each case's input. */
  system?: string;
  temperature?: number;
  /** Per-call timeout; default 60,000 ms. */
  timeoutMs?: number;
}

export interface MetricDefinition {
  name: string;
  kind: MetricKind;
  options?: Record<string, unknown>;
  /** Per-case passing score (default 1 for checks, 0.5 for token-f1 and rouge-l). */
  threshold?: number;
  /** Default true. */
  higherIsBetter?: boolean;
}

export interface AbsoluteGateDefinition {
  metric: string;
  /** `'mean'` (default) of the per-case scores or `'passRate'` (share of cases at or above the metric's threshold). */
  statistic?: 'mean' | 'passRate';
  threshold: number;
}

export interface BaselineGateDefinition {
  /** Largest regression allowed, in metric units: one number for every metric or one per metric name. */
  margin?: number | Record<string, number>;
  /** Bootstrap interval level, default 0.95. */
  level?: number;
  seed?: number;
  resamples?: number;
}

export interface SuiteDefinition {
  name: string;
  /** Path of a `.jsonl` or `.csv` dataset; relative paths resolve against the suite file (or the cwd). */
  dataset: string;
  target: EndpointTargetDefinition;
  metrics: MetricDefinition[];
  /** Calls per case, default 1. */
  repeats?: number;
  /** Calls in flight at once, default 4. */
  concurrency?: number;
  gate?: {
    absolute?: AbsoluteGateDefinition[];
    baseline?: BaselineGateDefinition;
    /** Leave cases whose outcome flips between repeats out of both gates. Default false. */
    quarantineFlaky?: boolean;
  };
}

/** A suite that is not valid; `path` is the offending field, e.g. `metrics[1].kind`. */
export class SuiteError extends Error {
  constructor(
    readonly file: string,
    readonly path: string,
    detail: string,
  ) {
    super(`${file}: ${path === '' ? 'suite' : path}: ${detail}`);
    this.name = 'SuiteError';
  }
}

const finite = z.number().refine(Number.isFinite, 'expected a finite number');
const positiveInt = z.number().int().min(1);

const suiteSchema = z
  .object({
    name: z.string().min(1),
    dataset: z.string().min(1),
    target: z
      .object({
        kind: z.literal('endpoint'),
        baseURL: z.url(),
        model: z.string().min(1),
        apiKeyEnv: z.string().min(1).optional(),
        system: z.string().optional(),
        temperature: finite.optional(),
        timeoutMs: positiveInt.optional(),
      })
      .strict(),
    metrics: z
      .array(
        z
          .object({
            name: z.string().min(1),
            kind: z.enum(METRIC_KINDS),
            options: z.record(z.string(), z.unknown()).optional(),
            threshold: finite.optional(),
            higherIsBetter: z.boolean().optional(),
          })
          .strict(),
      )
      .min(1),
    repeats: positiveInt.optional(),
    concurrency: positiveInt.optional(),
    gate: z
      .object({
        absolute: z
          .array(
            z
              .object({
                metric: z.string().min(1),
                statistic: z.enum(['mean', 'passRate']).optional(),
                threshold: finite,
              })
              .strict(),
          )
          .optional(),
        baseline: z
          .object({
            margin: z.union([finite.min(0), z.record(z.string(), finite.min(0))]).optional(),
            level: z.number().gt(0).lt(1).optional(),
            seed: z.number().int().optional(),
            resamples: positiveInt.optional(),
          })
          .strict()
          .optional(),
        quarantineFlaky: z.boolean().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** Validates a parsed suite; the first problem throws a {@link SuiteError} naming `file` and the field. */
export function validateSuite(input: unknown, file = 'suite'): SuiteDefinition {
  const parsed = suiteSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SuiteError(file, formatPath(issue?.path ?? []), issue?.message ?? 'invalid suite');
  }
  const suite = parsed.data as SuiteDefinition;
  const names = new Set<string>();
  suite.metrics.forEach((metric, i) => {
    if (names.has(metric.name))
      throw new SuiteError(file, `metrics[${i}].name`, `duplicate metric "${metric.name}"`);
    names.add(metric.name);
    checkMetricOptions(metric, `metrics[${i}].options`, file);
  });
  suite.gate?.absolute?.forEach((gate, i) => {
    if (!names.has(gate.metric)) {
      throw new SuiteError(
        file,
        `gate.absolute[${i}].metric`,
        `"${gate.metric}" is not a metric of the suite`,
      );
    }
  });
  const margin = suite.gate?.baseline?.margin;
  if (typeof margin === 'object') {
    for (const name of Object.keys(margin)) {
      if (!names.has(name))
        throw new SuiteError(file, `gate.baseline.margin.${name}`, 'not a metric of the suite');
    }
  }
  return suite;
}

function checkMetricOptions(metric: MetricDefinition, path: string, file: string): void {
  const options = metric.options ?? {};
  const requireString = (key: string) => {
    if (typeof options[key] !== 'string')
      throw new SuiteError(file, `${path}.${key}`, `required string for ${metric.kind}`);
  };
  if (metric.kind === 'regex') {
    requireString('pattern');
    try {
      new RegExp(options.pattern as string, typeof options.flags === 'string' ? options.flags : '');
    } catch (error) {
      throw new SuiteError(file, `${path}.pattern`, (error as Error).message);
    }
  }
  if (metric.kind === 'json-field') requireString('path');
  if (metric.kind === 'contains' && options.needles !== undefined) {
    const needles = options.needles;
    if (!Array.isArray(needles) || !needles.every((needle) => typeof needle === 'string')) {
      throw new SuiteError(file, `${path}.needles`, 'expected an array of strings');
    }
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    return out === '' ? String(key) : `${out}.${String(key)}`;
  }, '');
}

/** Typed identity for TypeScript suites; validates eagerly so a bad suite fails where it is defined. */
export function defineSuite(suite: SuiteDefinition): SuiteDefinition {
  return validateSuite(suite, 'defineSuite');
}
