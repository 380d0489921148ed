import { z } from 'zod';
import type { JsonValue } from '../run/eval-run.js';

export const METRIC_KINDS = [
  // deterministic checks (score 1 or 0)
  'equals',
  'contains',
  'regex',
  'json-valid',
  'json-schema',
  'json-field',
  // text overlap with the expected answer
  'token-f1',
  'rouge-l',
  'embedding-cosine',
  // retrieval, against expectedDocuments or expectedSpans
  'hit@k',
  'recall@k',
  'mrr',
  'ndcg@k',
  // judged (Ragas definitions), through the gateway
  'faithfulness',
  'answer-relevancy',
  'context-precision',
  'context-recall',
] as const;
export type MetricKind = (typeof METRIC_KINDS)[number];

/** Metrics scored by a judge model (suite `judge` required). */
export const JUDGED_METRIC_KINDS: readonly MetricKind[] = [
  'faithfulness',
  'answer-relevancy',
  'context-precision',
  'context-recall',
];
/** Metrics that need embeddings (suite `embedder` required). */
export const EMBEDDING_METRIC_KINDS: readonly MetricKind[] = ['embedding-cosine', 'answer-relevancy'];
/** Metrics over the retrieved passages (the target must retrieve: release, prompt-model with a collection, collection). */
export const RETRIEVAL_METRIC_KINDS: readonly MetricKind[] = ['hit@k', 'recall@k', 'mrr', 'ndcg@k'];

/** How a suite reaches a Ragline server: its base URL (without `/v1`) and the env var holding an API key. */
interface ServerConnection {
  /** The Ragline server, e.g. `http://127.0.0.1:8787`; `--server` on the command line overrides it. */
  server: string;
  /** Name of the environment variable holding the Ragline API key; default `RAGLINE_API_KEY`. */
  apiKeyEnv?: string;
  /** Per-call timeout; default 60,000 ms. */
  timeoutMs?: number;
}

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

/** A release of the registry, by label (`production`, `candidate`) or id (`rel_...`), answered by `POST /v1/answer`. */
export interface ReleaseTargetDefinition extends ServerConnection {
  kind: 'release';
  release: string;
}

/** A prompt version with a gateway route (and optionally a collection to retrieve from), through `POST /v1/answer`. */
export interface PromptModelTargetDefinition extends ServerConnection {
  kind: 'prompt-model';
  prompt: { name: string; version?: number; label?: string };
  /** A gateway route name. */
  model: string;
  /** Retrieve from this collection; without it the prompt is answered without retrieved context. */
  collection?: string;
  topK?: number;
}

/** Retrieval only: the case input is the query, the output is the ranked passages (`POST /v1/collections/{c}/query`). */
export interface CollectionTargetDefinition extends ServerConnection {
  kind: 'collection';
  collection: string;
  /** Passages retrieved per query; default 10. */
  topK?: number;
  mode?: 'dense' | 'lexical' | 'hybrid';
}

export type TargetDefinition =
  | EndpointTargetDefinition
  | ReleaseTargetDefinition
  | PromptModelTargetDefinition
  | CollectionTargetDefinition;

/** The judge model for judged metrics: a gateway route called through the Ragline server (metered as `judge`). */
export interface JudgeDefinition {
  /** Gateway route name. */
  model: string;
  /** Default: the target's server. */
  server?: string;
  apiKeyEnv?: string;
  temperature?: number;
  /** Answer relevancy: questions generated per answer, default 3. */
  questions?: number;
}

/** The embedder for embedding metrics, called through the server's `POST /v1/embeddings`. */
export interface EmbedderDefinition {
  /** An embedder or gateway embeddings route name known to the server. */
  model: string;
  /** Default: the target's server. */
  server?: string;
  apiKeyEnv?: string;
}

export interface MetricDefinition {
  name: string;
  kind: MetricKind;
  /**
   * Per kind: `contains` {needles, mode, caseInsensitive}; `equals` {value, trim}; `regex` {pattern, flags};
   * `json-schema` {schema}; `json-field` {path, value}; retrieval kinds {k, by: 'documents' | 'spans'}.
   */
  options?: Record<string, unknown>;
  /** Per-case passing score (default 1 for checks, 0.5 for overlap and judged scores). */
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

/** Run-level limits on operational figures; a run over any limit fails its gate. */
export interface OperationalGateDefinition {
  latencyP50Ms?: number;
  latencyP95Ms?: number;
  /** Mean cost per case in integer micro-dollars (from the server's metering). */
  costPerCaseMicros?: number;
  /** Share of calls that failed, 0..1. Default 0: any failed call makes the run incomplete (exit 2). */
  errorRate?: number;
}

export interface BaselineGateDefinition {
  /** Largest regression allowed, in metric units: one number for every metric or one per metric name. */
  margin?: number | Record<string, number>;
  /** Bootstrap interval level, default 0.95. */
  level?: number;
  seed?: number;
  resamples?: number;
}

/** One case given inline (server-side runs), the same fields as a dataset record. */
export interface InlineCase {
  id: string;
  input: string;
  variables?: Record<string, string>;
  expected?: JsonValue;
  expectedDocuments?: string[];
  expectedSpans?: { documentId: string; start: number; end: number }[];
  tags?: string[];
}

export interface SuiteDefinition {
  name: string;
  /** Path of a `.jsonl` or `.csv` dataset; relative paths resolve against the suite file (or the cwd). */
  dataset?: string;
  /** The cases inline, instead of `dataset` (exactly one of the two). */
  cases?: InlineCase[];
  target: TargetDefinition;
  metrics: MetricDefinition[];
  judge?: JudgeDefinition;
  embedder?: EmbedderDefinition;
  /** Calls per case, default 1. */
  repeats?: number;
  /** Calls in flight at once, default 4. */
  concurrency?: number;
  gate?: {
    absolute?: AbsoluteGateDefinition[];
    operational?: OperationalGateDefinition;
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

const serverConnection = {
  server: z.url(),
  apiKeyEnv: z.string().min(1).optional(),
  timeoutMs: positiveInt.optional(),
};
const targetSchema = z.discriminatedUnion('kind', [
  z
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
  z.object({ kind: z.literal('release'), release: z.string().min(1), ...serverConnection }).strict(),
  z
    .object({
      kind: z.literal('prompt-model'),
      prompt: z
        .object({
          name: z.string().min(1),
          version: positiveInt.optional(),
          label: z.string().min(1).optional(),
        })
        .strict()
        .refine((ref) => !(ref.version !== undefined && ref.label !== undefined), {
          message: 'give version or label, not both',
        }),
      model: z.string().min(1),
      collection: z.string().min(1).optional(),
      topK: positiveInt.optional(),
      ...serverConnection,
    })
    .strict(),
  z
    .object({
      kind: z.literal('collection'),
      collection: z.string().min(1),
      topK: positiveInt.optional(),
      mode: z.enum(['dense', 'lexical', 'hybrid']).optional(),
      ...serverConnection,
    })
    .strict(),
]);

const inlineCaseSchema = z
  .object({
    id: z.string().min(1),
    input: z.string(),
    variables: z.record(z.string(), z.string()).optional(),
    expected: z.json().optional(),
    expectedDocuments: z.array(z.string()).optional(),
    expectedSpans: z
      .array(
        z
          .object({
            documentId: z.string().min(1),
            start: z.number().int().min(0),
            end: z.number().int().min(0),
          })
          .strict(),
      )
      .optional(),
    tags: z.array(z.string()).optional(),
  })
  .strict();

const nonNegative = finite.min(0);

const suiteSchema = z
  .object({
    name: z.string().min(1),
    dataset: z.string().min(1).optional(),
    cases: z.array(inlineCaseSchema).min(1).optional(),
    target: targetSchema,
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
    judge: z
      .object({
        model: z.string().min(1),
        server: z.url().optional(),
        apiKeyEnv: z.string().min(1).optional(),
        temperature: finite.optional(),
        questions: positiveInt.optional(),
      })
      .strict()
      .optional(),
    embedder: z
      .object({
        model: z.string().min(1),
        server: z.url().optional(),
        apiKeyEnv: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
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
        operational: z
          .object({
            latencyP50Ms: nonNegative.optional(),
            latencyP95Ms: nonNegative.optional(),
            costPerCaseMicros: nonNegative.optional(),
            errorRate: finite.min(0).max(1).optional(),
          })
          .strict()
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
  if ((suite.dataset === undefined) === (suite.cases === undefined))
    throw new SuiteError(file, 'dataset', 'give exactly one of `dataset` (a file) and `cases` (inline)');
  const names = new Set<string>();
  suite.metrics.forEach((metric, i) => {
    if (names.has(metric.name))
      throw new SuiteError(file, `metrics[${i}].name`, `duplicate metric "${metric.name}"`);
    names.add(metric.name);
    checkMetricOptions(metric, `metrics[${i}].options`, file);
    if (JUDGED_METRIC_KINDS.includes(metric.kind) && suite.judge === undefined)
      throw new SuiteError(file, 'judge', `required by metric "${metric.name}" (${metric.kind})`);
    if (EMBEDDING_METRIC_KINDS.includes(metric.kind) && suite.embedder === undefined)
      throw new SuiteError(file, 'embedder', `required by metric "${metric.name}" (${metric.kind})`);
    if (
      (RETRIEVAL_METRIC_KINDS.includes(metric.kind) || JUDGED_METRIC_KINDS.includes(metric.kind)) &&
      metric.kind !== 'answer-relevancy' &&
      !targetRetrieves(suite.target)
    ) {
      throw new SuiteError(
        file,
        `metrics[${i}].kind`,
        `${metric.kind} needs retrieved passages; target kind "${suite.target.kind}" retrieves none`,
      );
    }
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

function targetRetrieves(target: TargetDefinition): boolean {
  if (target.kind === 'release' || target.kind === 'collection') return true;
  return target.kind === 'prompt-model' && target.collection !== undefined;
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
  if (metric.kind === 'json-schema') {
    const schema = options.schema;
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema))
      throw new SuiteError(file, `${path}.schema`, 'required JSON Schema object for json-schema');
  }
  if (RETRIEVAL_METRIC_KINDS.includes(metric.kind)) {
    const k = options.k;
    if (metric.kind !== 'mrr' && k === undefined)
      throw new SuiteError(file, `${path}.k`, `required positive integer for ${metric.kind}`);
    if (k !== undefined && !(Number.isInteger(k) && (k as number) >= 1))
      throw new SuiteError(file, `${path}.k`, `expected a positive integer, got ${JSON.stringify(k)}`);
    if (options.by !== undefined && options.by !== 'documents' && options.by !== 'spans')
      throw new SuiteError(file, `${path}.by`, 'expected "documents" or "spans"');
  }
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
