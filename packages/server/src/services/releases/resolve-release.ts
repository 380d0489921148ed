import { ApiError } from '../../core/api-error.js';
import type { AppDeps } from '../../deps.js';
import type { CollectionRow, MetadataStore } from '../../ports/metadata-store.js';
import type { ReleaseModelPin, ReleasePins, ReleaseRow } from '../../ports/registry-repositories.js';
import { type ModelRoute, pinnedRoute, routeOfModelVersion } from '../models/model-version-route.js';
import { RELEASE_ID_PATTERN } from './release-id.js';

export type { ReleaseModelPin, ReleasePins } from '../../ports/registry-repositories.js';

export interface Release {
  id: string;
  pins: ReleasePins;
  createdAt: string;
  createdBy: string | null;
  /** The release labels pointing at it now. */
  labels: string[];
}

/**
 * A release by id (`rel_...`) or by one of the tenant's release labels (`production`), with the labels
 * pointing at it now. 404 NOT_FOUND naming what is missing.
 */
export async function resolveRelease(deps: AppDeps, tenantId: string, idOrLabel: string): Promise<Release> {
  let id = idOrLabel;
  if (!RELEASE_ID_PATTERN.test(idOrLabel)) {
    const label = await deps.metadata.labels.get(tenantId, 'release', '', idOrLabel);
    if (!label) {
      throw new ApiError(
        'NOT_FOUND',
        `release: no release is labelled "${idOrLabel}" (and it is not a release id)`,
      );
    }
    id = label.target;
  }
  const row = await storedRelease(deps.metadata, tenantId, id);
  if (!row) throw new ApiError('NOT_FOUND', `release "${id}" does not exist`);
  return releaseWithLabels(deps, row);
}

export async function releaseWithLabels(deps: AppDeps, row: ReleaseRow): Promise<Release> {
  const labels = await deps.metadata.labels.list(row.tenantId, 'release', '');
  return {
    id: row.id,
    pins: row.pins,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    labels: labels.filter((l) => l.target === row.id).map((l) => l.label),
  };
}

/** The gateway route (and pinned route version) a model pin stands for (an extractive release has none). */
export async function routeForModelPin(
  deps: AppDeps,
  tenantId: string,
  pin: ReleaseModelPin,
): Promise<ModelRoute> {
  if ('route' in pin) {
    return pinnedRoute(deps, tenantId, pin.route, pin.routeVersion, pin.source, 'the release');
  }
  const row = await deps.metadata.models.get(tenantId, pin.name, pin.version);
  if (!row) throw new ApiError('NOT_FOUND', `model "${pin.name}" has no version ${pin.version}`);
  return routeOfModelVersion(deps, tenantId, row);
}

/**
 * The collection a release pins: 404 when it was deleted, 409 when a collection of that name was
 * created again since (another collection, whose versions are not the pinned ones).
 */
export async function pinnedCollection(
  deps: AppDeps,
  tenantId: string,
  pins: ReleasePins,
): Promise<CollectionRow> {
  const { name, id } = pins.collection;
  const row = await deps.metadata.collections.getByName(tenantId, name);
  if (!row) {
    throw new ApiError(
      'COLLECTION_NOT_FOUND',
      `collection "${name}" pinned by the release does not exist any more`,
    );
  }
  if (row.id !== id) {
    throw new ApiError(
      'CONFLICT',
      `collection "${name}" was deleted and created again since the release pinned it; create a new release`,
    );
  }
  return row;
}

/** Releases never change, so the rows read by id (what labels point at) are remembered. */
const MAX_CACHED = 1_000;
const caches = new WeakMap<MetadataStore, Map<string, ReleaseRow>>();

async function storedRelease(
  metadata: MetadataStore,
  tenantId: string,
  id: string,
): Promise<ReleaseRow | null> {
  let cache = caches.get(metadata);
  if (!cache) {
    cache = new Map();
    caches.set(metadata, cache);
  }
  const key = `${tenantId}\u0000${id}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const row = await metadata.releases.get(tenantId, id);
  if (row) {
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
    cache.set(key, row);
  }
  return row;
}
