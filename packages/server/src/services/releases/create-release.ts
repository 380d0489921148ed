import type { createReleaseRequestSchema } from '@ragline/sdk/contracts';
import type { z } from 'zod';
import { ApiError } from '../../core/api-error.js';
import { FilterSyntaxError, parseFilter } from '../../core/filter.js';
import type { AppDeps } from '../../deps.js';
import type { Principal } from '../../middleware/auth/index.js';
import type { CollectionRow } from '../../ports/metadata-store.js';
import type { ReleaseModelPin, ReleasePins, ReleaseRetrieval } from '../../ports/registry-repositories.js';
import { CollectionVersionError } from '../../ports/vector-store.js';
import { collectionRef } from '../collections/collection-ref.js';
import { getCollectionOrThrow } from '../collections/get-collection.js';
import { resolveRouteForKey } from '../gateway/resolve-route.js';
import { assertModelAllowed } from '../keys/model-patterns.js';
import { routeOfModelVersion } from '../models/model-version-route.js';
import { resolveModelVersion } from '../models/resolve-model-version.js';
import { resolvePromptVersion } from '../prompts/resolve-prompt-version.js';
import { releaseIdOf } from './release-id.js';
import { type Release, releaseWithLabels } from './resolve-release.js';

export type CreateReleaseInput = z.output<typeof createReleaseRequestSchema>;

export const DEFAULT_FUSION = { k: 60, denseWeight: 1, lexicalWeight: 1 };

/**
 * Resolves every pin (labels, aliases and current versions become the versions they name now), checks
 * that each pinned thing exists (404 or 400 naming the pin), keeps the pinned collection version through
 * index cleanup, and stores the release under its content id. The same pins give the same release
 * (`created: false`). Without a model the release is extractive: its pins hold `model: null`.
 */
export async function createRelease(
  deps: AppDeps,
  principal: Principal,
  input: CreateReleaseInput,
): Promise<{ release: Release; created: boolean }> {
  const { tenantId } = principal;
  const prompt = await resolvePromptVersion(deps, tenantId, input.prompt.name, {
    ...(input.prompt.version !== undefined && { version: input.prompt.version }),
    ...(input.prompt.label !== undefined && { label: input.prompt.label }),
  });
  const model = input.model ? await modelPin(deps, principal, input.model) : null;

  const name = input.retrieval.collection;
  if (input.collection?.name !== undefined && input.collection.name !== name) {
    throw new ApiError(
      'INVALID_REQUEST',
      `collection.name: must be the retrieval collection ("${name}"), got "${input.collection.name}"`,
    );
  }
  const collection = await getCollectionOrThrow(deps, tenantId, name);
  const ref = collectionRef(collection);
  const current = await deps.vectors.currentVersion(ref);
  const version = input.collection?.version ?? current;
  if (version !== current) await assertReadable(deps, collection, version);

  const pins: ReleasePins = {
    prompt: { name: prompt.name, version: prompt.version },
    // Always present (null when absent): the canonical JSON keeps it, so the id tells the two kinds apart.
    model,
    retrieval: retrievalPin(collection, input.retrieval),
    collection: { name, version, id: collection.id },
  };
  const id = await releaseIdOf(pins);
  const existing = await deps.metadata.releases.get(tenantId, id);
  if (existing) return { release: await releaseWithLabels(deps, existing), created: false };

  // One retention update at a time per collection, each from the releases stored so far plus this one,
  // so a concurrent creation cannot drop the version another just pinned.
  const { row, created } = await deps.writeLocks.run(`release-pins:${collection.id}`, async () => {
    const pinned = await deps.metadata.releases.pinnedCollectionVersions(tenantId, collection.id);
    try {
      await deps.vectors.retainVersions(ref, [...new Set([...pinned, version])]);
    } catch (error) {
      if (error instanceof CollectionVersionError) throw versionMissing(collection, version, error);
      throw error;
    }
    return deps.metadata.releases.insert({
      tenantId,
      id,
      pins,
      createdAt: deps.clock.now().toISOString(),
      createdBy: principal.keyId,
    });
  });
  return { release: await releaseWithLabels(deps, row), created };
}

async function modelPin(
  deps: AppDeps,
  principal: Principal,
  input: NonNullable<CreateReleaseInput['model']>,
): Promise<ReleaseModelPin> {
  if ('route' in input) {
    const version = input.routeVersion;
    const resolved = await resolveRouteForKey(deps, principal, input.route, version ? { version } : {});
    if (!resolved) {
      throw new ApiError(
        'NOT_FOUND',
        version
          ? `model.routeVersion: route "${input.route}" has no version ${version}`
          : `model.route: route "${input.route}" does not exist`,
      );
    }
    return { route: input.route, routeVersion: resolved.version, source: resolved.source };
  }
  const row = await resolveModelVersion(deps, principal.tenantId, input.name, {
    ...(input.version !== undefined && { version: input.version }),
    ...(input.alias !== undefined && { alias: input.alias }),
  });
  // The route must still resolve, and the key may only pin what it may call.
  const route = await routeOfModelVersion(deps, principal.tenantId, row);
  assertModelAllowed(principal.allowedModels, route.name);
  return { name: row.name, version: row.version };
}

/** The retrieval settings with every default filled in, so equal settings hash equally. */
function retrievalPin(collection: CollectionRow, input: CreateReleaseInput['retrieval']): ReleaseRetrieval {
  const mode = input.mode ?? (collection.dimensions === null ? 'lexical' : 'hybrid');
  if (mode !== 'lexical' && collection.dimensions === null) {
    throw new ApiError(
      'INVALID_REQUEST',
      `retrieval.mode: "${mode}" needs vectors, but collection "${collection.name}" is lexical-only (embedder null); use "lexical"`,
    );
  }
  if (input.fusion !== undefined && mode !== 'hybrid') {
    throw new ApiError('INVALID_REQUEST', `retrieval.fusion: only used by mode "hybrid" (mode is "${mode}")`);
  }
  if (input.filter !== undefined) {
    try {
      parseFilter(input.filter, 'retrieval.filter');
    } catch (error) {
      if (error instanceof FilterSyntaxError) throw new ApiError('INVALID_REQUEST', error.message);
      throw error;
    }
  }
  return {
    collection: collection.name,
    mode,
    topK: input.topK,
    ...(input.filter !== undefined && { filter: input.filter }),
    ...(mode === 'hybrid' && { fusion: { ...DEFAULT_FUSION, ...input.fusion } }),
  };
}

/** A version given explicitly must still be readable (LanceDB: not cleaned up; Qdrant: still current). */
async function assertReadable(deps: AppDeps, collection: CollectionRow, version: string): Promise<void> {
  try {
    await deps.vectors.query(collectionRef(collection), {
      mode: 'lexical',
      text: 'version',
      topK: 1,
      version,
    });
  } catch (error) {
    if (error instanceof CollectionVersionError) throw versionMissing(collection, version, error);
    throw error;
  }
}

function versionMissing(collection: CollectionRow, version: string, error: CollectionVersionError): ApiError {
  if (error.reason === 'unsupported') {
    return new ApiError(
      'CONFLICT',
      `collection.version: collection "${collection.name}" has changed since version ${version}, and the vector store kept no copy of it (only versions a release pins are kept; pin the current version instead)`,
      { cause: error },
    );
  }
  return new ApiError(
    'NOT_FOUND',
    `collection.version: collection "${collection.name}" has no version ${version} (never written, or cleaned up because no release pinned it)`,
    { cause: error },
  );
}
