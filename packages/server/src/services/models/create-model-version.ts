import type { createModelVersionRequestSchema } from '@ragline/sdk/contracts';
import type { z } from 'zod';
import type { AppDeps } from '../../deps.js';
import type { Principal } from '../../middleware/auth/index.js';
import type { ModelLineage, ModelVersionRow } from '../../ports/registry-repositories.js';
import { resolveModelSpec } from './model-spec.js';

export type CreateModelVersionInput = z.output<typeof createModelVersionRequestSchema>;

/** Appends the model's next (immutable) version after checking its spec against the gateway. */
export async function createModelVersion(
  deps: AppDeps,
  principal: Principal,
  name: string,
  input: CreateModelVersionInput,
): Promise<ModelVersionRow> {
  const spec = await resolveModelSpec(deps, principal, name, input.spec);
  const lineage: ModelLineage = {
    ...(input.lineage?.fineTuneJob !== undefined && { fineTuneJob: input.lineage.fineTuneJob }),
    ...(input.lineage?.dataset !== undefined && { dataset: input.lineage.dataset }),
    ...(input.lineage?.evalRuns !== undefined && { evalRuns: [...new Set(input.lineage.evalRuns)] }),
  };
  return deps.metadata.models.append({
    tenantId: principal.tenantId,
    name,
    spec,
    lineage,
    message: input.message ?? null,
    createdAt: deps.clock.now().toISOString(),
    createdBy: principal.keyId,
  });
}
