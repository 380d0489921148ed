import type { TargetDefinition } from '../suite/suite-definition.js';
import { collectionTarget } from './collection-target.js';
import { endpointTarget } from './endpoint-target.js';
import { promptModelTarget } from './prompt-model-target.js';
import { releaseTarget } from './release-target.js';
import type { ResolvedTarget, TargetContext } from './target.js';

/** Turns a suite's target into something callable, asking the server what a label points at where needed. */
export async function resolveTarget(
  target: TargetDefinition,
  context: TargetContext,
): Promise<ResolvedTarget> {
  switch (target.kind) {
    case 'endpoint':
      return endpointTarget(target, context);
    case 'release':
      return releaseTarget(target, context);
    case 'prompt-model':
      return promptModelTarget(target, context);
    case 'collection':
      return collectionTarget(target, context);
  }
}
