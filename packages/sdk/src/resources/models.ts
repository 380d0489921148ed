import {
  type CreateModelVersionRequest,
  type ModelAlias,
  type ModelAliasHistory,
  type ModelList,
  type ModelVersion,
  type ModelVersionList,
  modelAliasHistorySchema,
  modelAliasViewSchema,
  modelListSchema,
  modelVersionListSchema,
  modelVersionSchema,
} from '../contracts/models.js';
import type { LabelOverride } from '../contracts/prompts.js';
import type { Requester, RequestOptions } from '../core/request.js';

/** The model registry (`/v1/registry/models`); `GET /v1/models` stays OpenAI's model list. */
export interface ModelRegistry {
  /** Appends an immutable version: a route (at a pinned version) or a target/pool with a LoRA adapter. */
  createVersion(
    name: string,
    input: CreateModelVersionRequest,
    options?: RequestOptions,
  ): Promise<ModelVersion>;
  /** The tenant's models with their latest version and aliases. */
  list(options?: RequestOptions): Promise<ModelList>;
  /** One version by number or alias (`champion`); default the latest. */
  get(
    name: string,
    ref?: { version?: number; alias?: string },
    options?: RequestOptions,
  ): Promise<ModelVersion>;
  versions(name: string, options?: RequestOptions): Promise<ModelVersionList>;
  /** Points an alias (`champion`, `challenger`, custom) at a version, through the promotion policy. */
  /** `options.override` (admin keys) moves it although the promotion policy refuses; it is recorded. */
  setAlias(
    name: string,
    alias: string,
    version: number,
    options?: RequestOptions & { override?: LabelOverride },
  ): Promise<ModelAlias>;
  /** Alias moves of one model (optionally one alias), newest first. */
  aliasHistory(name: string, alias?: string, options?: RequestOptions): Promise<ModelAliasHistory>;
  /** Links an eval run that scored a version (lineage grows; the version does not change). */
  linkEvalRun(
    name: string,
    version: number,
    evalRun: string,
    options?: RequestOptions,
  ): Promise<ModelVersion>;
}

const modelPath = (name: string) => `/v1/registry/models/${encodeURIComponent(name)}`;

export function createModelRegistry(request: Requester): ModelRegistry {
  return {
    createVersion: (name, input, options) =>
      request(
        { method: 'POST', path: `${modelPath(name)}/versions`, json: input, schema: modelVersionSchema },
        options,
      ),
    list: (options) =>
      request({ method: 'GET', path: '/v1/registry/models', schema: modelListSchema }, options),
    get: (name, ref = {}, options) =>
      request(
        {
          method: 'GET',
          path: modelPath(name),
          query: { version: ref.version, alias: ref.alias },
          schema: modelVersionSchema,
        },
        options,
      ),
    versions: (name, options) =>
      request(
        { method: 'GET', path: `${modelPath(name)}/versions`, schema: modelVersionListSchema },
        options,
      ),
    setAlias: (name, alias, version, { override, ...options } = {}) =>
      request(
        {
          method: 'PUT',
          path: `${modelPath(name)}/aliases/${encodeURIComponent(alias)}`,
          json: { version, ...(override ? { override } : {}) },
          schema: modelAliasViewSchema,
        },
        options,
      ),
    aliasHistory: (name, alias, options) =>
      request(
        {
          method: 'GET',
          path: `${modelPath(name)}/aliases/history`,
          query: { alias },
          schema: modelAliasHistorySchema,
        },
        options,
      ),
    linkEvalRun: (name, version, evalRun, options) =>
      request(
        {
          method: 'POST',
          path: `${modelPath(name)}/versions/${version}/eval-runs`,
          json: { evalRun },
          schema: modelVersionSchema,
        },
        options,
      ),
  };
}
