import type { z } from 'zod';
import { healthSchema } from './contracts/keys.js';
import { createStreamOpener } from './core/open-stream.js';
import { createRequester, type RequestConfig, type Requester, type RequestOptions } from './core/request.js';
import { type Sleep, sleep } from './core/retry.js';
import { type Answer, createAnswer } from './resources/answer.js';
import { type Budgets, createBudgets } from './resources/budgets.js';
import { type Collections, createCollections } from './resources/collections.js';
import { createDocuments, type Documents } from './resources/documents.js';
import { createEmbedders, type Embedders } from './resources/embedders.js';
import { createEvals, type Evals } from './resources/evals.js';
import { createKeys, type Keys } from './resources/keys.js';
import { createModelRegistry, type ModelRegistry } from './resources/models.js';
import { createPrices, type Prices } from './resources/prices.js';
import { createPrompts, type Prompts } from './resources/prompts.js';
import { createReleases, type Releases } from './resources/releases.js';
import { createRetrieval, type Retrieval } from './resources/retrieval.js';
import { createUsage, type Usage } from './resources/usage.js';

export type Health = z.infer<typeof healthSchema>;

export interface RaglineOptions {
  /** Server root, e.g. `http://127.0.0.1:8787` (without `/v1`). */
  baseURL: string;
  /** Sent as `Authorization: Bearer <apiKey>`; every `/v1` route needs one. */
  apiKey?: string;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Retries of a failed call (408, 409, 429, 5xx, connection errors). Default 2. */
  maxRetries?: number;
  /** Milliseconds per attempt. Default 60000. */
  timeout?: number;
  defaultHeaders?: Record<string, string>;
  /** How to wait between retries; injectable for tests. */
  sleep?: Sleep;
}

export class Ragline {
  readonly baseURL: string;
  readonly collections: Collections;
  readonly documents: Documents;
  readonly retrieval: Retrieval;
  readonly keys: Keys;
  readonly embedders: Embedders;
  readonly budgets: Budgets;
  readonly usage: Usage;
  readonly prices: Prices;
  /** Versioned prompts and their labels; `get` serves from an in-memory stale-while-revalidate cache. */
  readonly prompts: Prompts;
  /** Content-addressed releases (prompt, model, retrieval and collection versions) and their labels. */
  readonly releases: Releases;
  /** The model registry: versions, aliases, lineage (`/v1/registry/models`). */
  readonly registry: { readonly models: ModelRegistry };
  /** Grounded answers with citations (`POST /v1/answer`), whole or streamed. */
  readonly answer: Answer;
  /** Eval runs (recorded or run by the server) and the promotion gating policy (`/v1/evals`). */
  readonly evals: Evals;
  readonly #request: Requester;

  constructor(options: RaglineOptions) {
    if (!options.baseURL) throw new TypeError('Ragline: `baseURL` is required');
    this.baseURL = options.baseURL;
    const fetchImpl =
      options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
    const config: RequestConfig = {
      baseURL: options.baseURL,
      apiKey: options.apiKey,
      fetch: fetchImpl,
      maxRetries: options.maxRetries ?? 2,
      timeout: options.timeout ?? 60_000,
      defaultHeaders: options.defaultHeaders ?? {},
      sleep: options.sleep ?? sleep,
    };
    this.#request = createRequester(config);
    this.collections = createCollections(this.#request);
    this.documents = createDocuments(this.#request);
    this.retrieval = createRetrieval(this.#request);
    this.keys = createKeys(this.#request);
    this.embedders = createEmbedders(this.#request);
    this.budgets = createBudgets(this.#request);
    this.usage = createUsage(this.#request);
    this.prices = createPrices(this.#request);
    this.prompts = createPrompts(this.#request);
    this.releases = createReleases(this.#request);
    this.registry = { models: createModelRegistry(this.#request) };
    this.answer = createAnswer(this.#request, createStreamOpener(config));
    this.evals = createEvals(this.#request);
  }

  /** `GET /health`; needs no API key. */
  health(options?: RequestOptions): Promise<Health> {
    return this.#request({ method: 'GET', path: '/health', schema: healthSchema }, options);
  }
}
