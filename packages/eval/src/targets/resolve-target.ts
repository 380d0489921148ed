import { SuiteError, type TargetDefinition } from '../suite/suite-definition.js';
import { endpointTarget } from './endpoint-target.js';
import type { ResolvedTarget, TargetContext } from './target.js';

/** Turns a suite's target into something callable, asking the server what a label points at where needed. */
export async function resolveTarget(
  target: TargetDefinition,
  context: TargetContext,
): Promise<ResolvedTarget> {
  switch (target.kind) {
    case 'endpoint':
      return endpointTarget(target, context);
    default:
      throw new SuiteError(context.where, 'target.kind', `"${target.kind}" targets are not supported yet`);
  }
}
