import {
  type CreatedPromptVersion,
  type CreatePromptVersionRequest,
  createdPromptVersionSchema,
  type LabelOverride,
  type PromptDiff,
  type PromptLabel,
  type PromptLabelHistory,
  type PromptList,
  type PromptMessageTemplate,
  type PromptModelConfig,
  type PromptVariables,
  type PromptVersion,
  type PromptVersionList,
  promptDiffSchema,
  promptLabelHistorySchema,
  promptLabelSchema,
  promptListSchema,
  promptVersionListSchema,
  promptVersionSchema,
  type RenderedPrompt,
  type RenderPromptRequest,
  renderedPromptSchema,
} from '../contracts/prompts.js';
import { APIConnectionError, APIUserAbortError, InternalServerError } from '../core/errors.js';
import type { Requester, RequestOptions } from '../core/request.js';
import { SwrCache } from './prompt-cache.js';

/** How long `prompts.get` serves a cached copy before refreshing it in the background. */
export const DEFAULT_PROMPT_CACHE_TTL_MS = 60_000;
const MAX_CACHED_PROMPTS = 1_000;

/** A prompt to use when the server cannot be reached and nothing is cached. */
export interface PromptFallback {
  /** A text prompt... */
  template?: string;
  /** ...or a chat prompt. */
  messages?: PromptMessageTemplate[];
  model?: PromptModelConfig | null;
}

export interface GetPromptParams {
  /** A label (`production`, `staging`, `latest`); default: the latest version. */
  label?: string;
  /** A version number instead of a label. Versions never change, so they are cached for good. */
  version?: number;
  /**
   * Milliseconds a cached copy is served without asking the server (default 60 s). After that it is
   * still served at once, and refreshed in the background; 0 refreshes on every call.
   */
  cacheTtlMs?: number;
  /** false: always ask the server, and cache nothing. */
  cache?: boolean;
  /** Served (with `isFallback: true`, `version: 0`) when the server is unreachable and nothing is cached. */
  fallback?: PromptFallback;
}

/** A prompt version as `prompts.get` returns it; `isFallback` marks the caller's fallback. */
export type FetchedPrompt = PromptVersion & { isFallback: boolean };

export interface RenderParams extends Omit<RenderPromptRequest, 'version' | 'label'> {
  version?: number;
  label?: string;
}

export interface Prompts {
  /** Stores the next version (`template` or `messages`); identical content returns the latest (`created: false`). */
  create(
    name: string,
    input: CreatePromptVersionRequest,
    options?: RequestOptions,
  ): Promise<CreatedPromptVersion>;
  /** A version by label or number (default: latest), from an in-memory stale-while-revalidate cache. */
  get(name: string, params?: GetPromptParams, options?: RequestOptions): Promise<FetchedPrompt>;
  /** The tenant's prompts with their latest version and labels. */
  list(options?: RequestOptions): Promise<PromptList>;
  /** Every version of a prompt, oldest first. */
  versions(name: string, options?: RequestOptions): Promise<PromptVersionList>;
  /** Points a label at a version (the deploy, and the rollback), through the server's promotion policy. */
  /** `options.override` (admin keys) moves it although the promotion policy refuses; it is recorded. */
  label(
    name: string,
    label: string,
    version: number,
    options?: RequestOptions & { override?: LabelOverride },
  ): Promise<PromptLabel>;
  /** The label moves of a prompt, newest first. */
  history(
    name: string,
    params?: { label?: string; limit?: number },
    options?: RequestOptions,
  ): Promise<PromptLabelHistory>;
  /** Renders a version on the server (variables checked against its schema). */
  render(name: string, params?: RenderParams, options?: RequestOptions): Promise<RenderedPrompt>;
  /** What changed between two versions (each a number or a label). */
  diff(
    name: string,
    params: { from: number | string; to: number | string },
    options?: RequestOptions,
  ): Promise<PromptDiff>;
  /** Forgets cached prompts: one name's, or all. */
  clearCache(name?: string): void;
}

export function createPrompts(request: Requester, clock: { now: () => number } = Date): Prompts {
  const cache = new SwrCache<PromptVersion>({ maxEntries: MAX_CACHED_PROMPTS, now: () => clock.now() });
  const path = (name: string, rest = '') => `/v1/prompts/${encodeURIComponent(name)}${rest}`;
  const keyPrefix = (name: string) => `${name}\u0000`;
  const fetchVersion = (name: string, params: GetPromptParams, options?: RequestOptions) =>
    request(
      {
        method: 'GET',
        path: path(name),
        query: { version: params.version, label: params.version === undefined ? params.label : undefined },
        schema: promptVersionSchema,
      },
      options,
    );

  return {
    async create(name, input, options) {
      const created = await request(
        { method: 'POST', path: path(name, '/versions'), json: input, schema: createdPromptVersionSchema },
        options,
      );
      cache.clear((key) => key.startsWith(keyPrefix(name)));
      return created;
    },
    async get(name, params = {}, options) {
      try {
        if (params.cache === false)
          return { ...(await fetchVersion(name, params, options)), isFallback: false };
        const key = `${keyPrefix(name)}${params.version ?? ''}\u0000${params.label ?? 'latest'}`;
        // loads are shared with concurrent callers and refreshes outlive this call: the caller's signal
        // stops its own wait, not the load
        const { signal, ...loadOptions } = options ?? {};
        const loaded = cache.get(key, () => fetchVersion(name, params, loadOptions), {
          ttlMs: params.cacheTtlMs ?? DEFAULT_PROMPT_CACHE_TTL_MS,
          immutable: params.version !== undefined,
        });
        return { ...(await untilAborted(loaded, signal)), isFallback: false };
      } catch (error) {
        if (params.fallback && unreachable(error)) return fallbackPrompt(name, params.fallback);
        throw error;
      }
    },
    list: (options) => request({ method: 'GET', path: '/v1/prompts', schema: promptListSchema }, options),
    versions: (name, options) =>
      request({ method: 'GET', path: path(name, '/versions'), schema: promptVersionListSchema }, options),
    async label(name, label, version, { override, ...options } = {}) {
      const moved = await request(
        {
          method: 'PUT',
          path: path(name, `/labels/${encodeURIComponent(label)}`),
          json: { version, ...(override ? { override } : {}) },
          schema: promptLabelSchema,
        },
        options,
      );
      cache.clear((key) => key.startsWith(keyPrefix(name)));
      return moved;
    },
    history: (name, params = {}, options) =>
      request(
        {
          method: 'GET',
          path: path(name, '/labels/history'),
          query: params,
          schema: promptLabelHistorySchema,
        },
        options,
      ),
    render: (name, params = {}, options) =>
      request(
        { method: 'POST', path: path(name, '/render'), json: params, schema: renderedPromptSchema },
        options,
      ),
    diff: (name, params, options) =>
      request(
        {
          method: 'GET',
          path: path(name, '/diff'),
          query: { from: String(params.from), to: String(params.to) },
          schema: promptDiffSchema,
        },
        options,
      ),
    clearCache(name) {
      cache.clear(name === undefined ? undefined : (key) => key.startsWith(keyPrefix(name)));
    },
  };
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new APIUserAbortError(undefined, { cause: signal.reason }));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new APIUserAbortError(undefined, { cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** No answer, or the server failing: not a "this prompt does not exist" (that is never papered over). */
function unreachable(error: unknown): boolean {
  return error instanceof APIConnectionError || error instanceof InternalServerError;
}

function fallbackPrompt(name: string, fallback: PromptFallback): FetchedPrompt {
  const variables: PromptVariables = { type: 'object', properties: {}, required: [] };
  const chat = fallback.messages !== undefined;
  return {
    name,
    version: 0,
    kind: chat ? 'chat' : 'text',
    template: chat ? null : (fallback.template ?? ''),
    messages: chat ? (fallback.messages ?? []) : null,
    variables,
    model: fallback.model ?? null,
    message: null,
    contentHash: '',
    labels: [],
    createdAt: '',
    createdBy: null,
    isFallback: true,
  };
}
