import { ApiError } from '../../core/api-error.js';
import type { AppDeps } from '../../deps.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import type { PromptVersionRow } from '../../ports/registry-repositories.js';

/** Which version: a number, a label (`latest` included), or neither for the latest. */
export interface PromptVersionRef {
  version?: number;
  label?: string;
}

export const LATEST_LABEL = 'latest';

/**
 * Finds the version a reference names; 404 NOT_FOUND saying what is missing (the prompt, the version or
 * the label). A label resolves to its version at the time of the call.
 */
export async function resolvePromptVersion(
  deps: AppDeps,
  tenantId: string,
  name: string,
  ref: PromptVersionRef,
): Promise<PromptVersionRow> {
  if (ref.version !== undefined) {
    const row = await pinnedVersion(deps.metadata, tenantId, name, ref.version);
    if (row) return row;
    const latest = await deps.metadata.prompts.latest(tenantId, name);
    if (!latest) throw promptNotFound(name);
    throw new ApiError(
      'NOT_FOUND',
      `prompt "${name}" has no version ${ref.version} (the latest is ${latest.version})`,
    );
  }
  if (ref.label !== undefined && ref.label !== LATEST_LABEL) {
    const label = await deps.metadata.labels.get(tenantId, 'prompt', name, ref.label);
    if (!label) {
      if (!(await deps.metadata.prompts.latest(tenantId, name))) throw promptNotFound(name);
      throw new ApiError('NOT_FOUND', `prompt "${name}" has no label "${ref.label}"`);
    }
    const row = await pinnedVersion(deps.metadata, tenantId, name, Number(label.target));
    if (!row) throw new Error(`label "${ref.label}" of prompt "${name}" points at a missing version`);
    return row;
  }
  const latest = await deps.metadata.prompts.latest(tenantId, name);
  if (!latest) throw promptNotFound(name);
  return latest;
}

export function promptNotFound(name: string): ApiError {
  return new ApiError('NOT_FOUND', `prompt "${name}" does not exist`);
}

/** Versions never change, so the ones read by number (what labels and releases pin) are remembered. */
const MAX_PINNED = 1_000;
const pinnedCaches = new WeakMap<MetadataStore, Map<string, PromptVersionRow>>();

async function pinnedVersion(
  metadata: MetadataStore,
  tenantId: string,
  name: string,
  version: number,
): Promise<PromptVersionRow | null> {
  let cache = pinnedCaches.get(metadata);
  if (!cache) {
    cache = new Map();
    pinnedCaches.set(metadata, cache);
  }
  const key = `${tenantId}\u0000${name}\u0000${version}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const row = await metadata.prompts.get(tenantId, name, version);
  if (row) {
    if (cache.size >= MAX_PINNED) cache.delete(cache.keys().next().value as string);
    cache.set(key, row);
  }
  return row;
}
