import type { AnswerRequestParsed, RetrievalMode } from '@ragline/sdk/contracts';
import type { AppDeps } from '../../deps.js';
import type { CollectionRow } from '../../ports/metadata-store.js';
import { getCollectionOrThrow } from '../collections/get-collection.js';
import {
  pinnedCollection,
  type Release,
  type ReleaseModelPin,
  resolveRelease,
} from '../releases/resolve-release.js';

/** Where an answer's settings come from: a release's pins, or the request itself. */
export interface AnswerSource {
  release: Release | null;
  /** The prompt to render (a release pins a version; a request may name a label). */
  prompt: { name: string; version?: number; label?: string } | null;
  collection: CollectionRow;
  /** The collection version a release pins; null: the current contents. */
  collectionVersion: string | null;
  retrieval: {
    mode?: RetrievalMode;
    topK: number;
    filter?: Record<string, unknown>;
    fusion?: { k: number; denseWeight: number; lexicalWeight: number };
  };
  /**
   * What names the model: a release's pin (null: the release pins no model and answers extractively,
   * whatever the prompt's config says), or a route the request names (null here: the prompt's config).
   */
  model: { kind: 'pin'; pin: ReleaseModelPin | null } | { kind: 'route'; name: string } | null;
}

/** Retrieval settings when the request gives none. */
export const DEFAULT_ANSWER_TOP_K = 8;

/** Resolves the release (404 naming it) or the request's collection (404 naming it). */
export async function resolveAnswerSource(
  deps: AppDeps,
  tenantId: string,
  body: AnswerRequestParsed,
): Promise<AnswerSource> {
  if (body.release !== undefined) {
    const release = await resolveRelease(deps, tenantId, body.release);
    const { pins } = release;
    const filter = pins.retrieval.filter;
    return {
      release,
      prompt: { name: pins.prompt.name, version: pins.prompt.version },
      collection: await pinnedCollection(deps, tenantId, pins),
      collectionVersion: pins.collection.version,
      retrieval: {
        mode: pins.retrieval.mode,
        topK: pins.retrieval.topK,
        ...(isRecord(filter) && { filter }),
        ...(pins.retrieval.fusion && { fusion: pins.retrieval.fusion }),
      },
      model: { kind: 'pin', pin: pins.model },
    };
  }
  // The schema refuses a body without `release` and without `collection`.
  const collectionName = body.collection as string;
  const retrieval = body.retrieval;
  return {
    release: null,
    prompt: body.prompt
      ? {
          name: body.prompt.name,
          ...(body.prompt.version !== undefined && { version: body.prompt.version }),
          ...(body.prompt.label !== undefined && { label: body.prompt.label }),
        }
      : null,
    collection: await getCollectionOrThrow(deps, tenantId, collectionName),
    collectionVersion: null,
    retrieval: {
      topK: retrieval?.topK ?? DEFAULT_ANSWER_TOP_K,
      ...(retrieval?.mode && { mode: retrieval.mode }),
      ...(retrieval?.filter && { filter: retrieval.filter }),
      ...(retrieval?.fusion && { fusion: retrieval.fusion }),
    },
    model: body.model !== undefined ? { kind: 'route', name: body.model } : null,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
