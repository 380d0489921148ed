import type { TokenCounter } from '../../core/token-count.js';
import type { Logger } from '../../ports/logger.js';
import type { TargetConfig } from '../gateway/gateway-config.js';
import { heuristicEstimator, type TokenEstimator } from './usage-estimate.js';

/** Loads a tokenizer from a local folder (tokenizer.json, tokenizer_config.json); injected by the runtime. */
export type TokenizerLoader = (folder: string) => Promise<TokenCounter>;

/**
 * The token estimator of each gateway target: its own tokenizer when the target names one (`tokenizer`,
 * a local folder) and the runtime can load it (Node), else the heuristic. Tokenizers load in the
 * background when the gateway is built, so traffic meets them ready; a call that arrives first, or a
 * tokenizer that fails to load (logged once), is estimated with the heuristic, and its record says so.
 */
export interface TargetTokenizers {
  estimatorFor(targetId: string | null): TokenEstimator;
  /** Settles when every configured tokenizer has loaded or failed. */
  ready(): Promise<void>;
}

export function createTargetTokenizers(
  targets: readonly Pick<TargetConfig, 'id' | 'tokenizer'>[],
  options: { load?: TokenizerLoader; logger?: Logger } = {},
): TargetTokenizers {
  const loaded = new Map<string, TokenEstimator>();
  const loads: Promise<void>[] = [];
  const { load, logger } = options;
  if (load) {
    for (const target of targets) {
      const folder = target.tokenizer;
      if (!folder) continue;
      loads.push(
        load(folder).then(
          (count) => {
            loaded.set(target.id, { method: `tokenizer:${folder}`, count });
          },
          (error: unknown) => {
            logger?.warn('gateway: tokenizer could not be loaded; usage estimates use the heuristic', {
              target: target.id,
              tokenizer: folder,
              error: error instanceof Error ? error.message : String(error),
            });
          },
        ),
      );
    }
  }
  const all = Promise.all(loads).then(() => {});
  return {
    estimatorFor: (targetId) => (targetId === null ? undefined : loaded.get(targetId)) ?? heuristicEstimator,
    ready: () => all,
  };
}
