import type { LabelOverride } from '@ragline/sdk';
import { UsageError } from './cli-error.js';

/** `--override <reason>` of the label commands, as the SDK's move options (admin keys; recorded with the move). */
export function overrideOption(options: { override?: string }): { override?: LabelOverride } {
  if (options.override === undefined) return {};
  if (options.override.trim() === '') throw new UsageError('--override needs a reason');
  return { override: { reason: options.override } };
}
