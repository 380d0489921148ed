import type { LabelOverride } from '../contracts/prompts.js';
import {
  type CreatedRelease,
  type CreateReleaseRequest,
  createdReleaseSchema,
  type ListReleasesParams,
  type Release,
  type ReleaseLabel,
  type ReleaseLabelHistory,
  type ReleaseLabelList,
  type ReleaseList,
  releaseLabelHistorySchema,
  releaseLabelListSchema,
  releaseLabelViewSchema,
  releaseListSchema,
  releaseSchema,
} from '../contracts/releases.js';
import type { Requester, RequestOptions } from '../core/request.js';

export interface Releases {
  /**
   * Pins a prompt version, a model version (or route version), retrieval settings and a collection
   * version. Labels, aliases and omitted versions resolve now. The same pins give the same release
   * (`created: false`).
   */
  create(input: CreateReleaseRequest, options?: RequestOptions): Promise<CreatedRelease>;
  /** A release by id, or by one of its labels (`production`). */
  get(idOrLabel: string, options?: RequestOptions): Promise<Release>;
  /** Newest first; pass `nextBefore` as `before` for the next page. */
  list(params?: ListReleasesParams, options?: RequestOptions): Promise<ReleaseList>;
  /**
   * Points a label at a release (an id, or another label): the deploy, and moving it back, the rollback.
   * `options.override` (admin keys) moves it although the promotion policy refuses; it is recorded.
   */
  setLabel(
    label: string,
    release: string,
    options?: RequestOptions & { override?: LabelOverride },
  ): Promise<ReleaseLabel>;
  /** Every release label and the release it points at. */
  labels(options?: RequestOptions): Promise<ReleaseLabelList>;
  /** The moves of one label, newest first, with who moved it and the policy's decision. */
  labelHistory(label: string, options?: RequestOptions): Promise<ReleaseLabelHistory>;
}

const labelPath = (label: string) => `/v1/releases/labels/${encodeURIComponent(label)}`;

export function createReleases(request: Requester): Releases {
  return {
    create: (input, options) =>
      request({ method: 'POST', path: '/v1/releases', json: input, schema: createdReleaseSchema }, options),
    get: (idOrLabel, options) =>
      request(
        { method: 'GET', path: `/v1/releases/${encodeURIComponent(idOrLabel)}`, schema: releaseSchema },
        options,
      ),
    list: (params = {}, options) =>
      request(
        {
          method: 'GET',
          path: '/v1/releases',
          query: { limit: params.limit, before: params.before },
          schema: releaseListSchema,
        },
        options,
      ),
    setLabel: (label, release, { override, ...options } = {}) =>
      request(
        {
          method: 'PUT',
          path: labelPath(label),
          json: { release, ...(override ? { override } : {}) },
          schema: releaseLabelViewSchema,
        },
        options,
      ),
    labels: (options) =>
      request({ method: 'GET', path: '/v1/releases/labels', schema: releaseLabelListSchema }, options),
    labelHistory: (label, options) =>
      request(
        { method: 'GET', path: `${labelPath(label)}/history`, schema: releaseLabelHistorySchema },
        options,
      ),
  };
}
