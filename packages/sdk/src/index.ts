export { type Health, Ragline, Ragline as default, type RaglineOptions } from './client.js';
export type * from './contracts/index.js';
export {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIResponseValidationError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  BudgetExceededError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  RaglineError,
  RateLimitError,
  UnprocessableEntityError,
  UnsupportedMediaTypeError,
} from './core/errors.js';
export type { RequestOptions } from './core/request.js';
export type { Sleep } from './core/retry.js';
export type { Answer, AnswerStream } from './resources/answer.js';
export type { Budgets } from './resources/budgets.js';
export type { Collections } from './resources/collections.js';
export type {
  Documents,
  IngestFile,
  IngestFilesInput,
  IngestInput,
  IngestJsonlInput,
  ListDocumentsParams,
} from './resources/documents.js';
export type { EmbedderList, Embedders } from './resources/embedders.js';
export type { EvalPolicies, EvalRuns, Evals } from './resources/evals.js';
export type { Keys } from './resources/keys.js';
export type { ModelRegistry } from './resources/models.js';
export type { Prices } from './resources/prices.js';
export {
  DEFAULT_PROMPT_CACHE_TTL_MS,
  type FetchedPrompt,
  type GetPromptParams,
  type PromptFallback,
  type Prompts,
  type RenderParams,
} from './resources/prompts.js';
export type { Releases } from './resources/releases.js';
export type { Retrieval } from './resources/retrieval.js';
export type { Usage, UsageRecordsParams, UsageSummaryParams, UsageTime } from './resources/usage.js';
