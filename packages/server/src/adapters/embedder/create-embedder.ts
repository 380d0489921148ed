import type { Embedder } from '../../ports/embedder.js';
import { type BedrockEmbedderConfig, createBedrockEmbedder } from './bedrock-embedder.js';
import {
  createOpenAICompatibleEmbedder,
  type OpenAICompatibleEmbedderConfig,
} from './openai-compatible-embedder.js';
import {
  createTransformersEmbedder,
  DEFAULT_TRANSFORMERS_MODEL,
  type ModelDownloadProgress,
  type TransformersEmbedderConfig,
} from './transformers-embedder.js';

/** A local ONNX model run in-process; `model` defaults to DEFAULT_TRANSFORMERS_MODEL. */
export type TransformersEmbedderSettings = {
  kind: 'transformers';
  model?: string;
  allowRemoteModels?: boolean;
} & Omit<TransformersEmbedderConfig, 'model' | 'cacheDir' | 'onProgress' | 'allowRemoteModels'>;

export type OpenAICompatibleEmbedderSettings = { kind: 'openai-compatible' } & Omit<
  OpenAICompatibleEmbedderConfig,
  'fetch'
>;

export type BedrockEmbedderSettings = { kind: 'bedrock' } & BedrockEmbedderConfig;

export type EmbedderConfig =
  | TransformersEmbedderSettings
  | OpenAICompatibleEmbedderSettings
  | BedrockEmbedderSettings;

export interface EmbedderDeps {
  /** Where local models are kept (the server passes `<dataDir>/models`). */
  cacheDir: string;
  onProgress?: (progress: ModelDownloadProgress) => void;
  fetch?: typeof fetch;
}

export function createEmbedder(config: EmbedderConfig, deps: EmbedderDeps): Embedder {
  switch (config.kind) {
    case 'transformers': {
      const { kind: _kind, ...settings } = config;
      return createTransformersEmbedder({
        ...settings,
        model: config.model ?? DEFAULT_TRANSFORMERS_MODEL,
        allowRemoteModels: config.allowRemoteModels ?? true,
        cacheDir: deps.cacheDir,
        ...(deps.onProgress && { onProgress: deps.onProgress }),
      });
    }
    case 'openai-compatible': {
      const { kind: _kind, ...settings } = config;
      return createOpenAICompatibleEmbedder({ ...settings, ...(deps.fetch && { fetch: deps.fetch }) });
    }
    case 'bedrock': {
      const { kind: _kind, ...settings } = config;
      return createBedrockEmbedder(settings);
    }
    default: {
      const unknown: never = config;
      throw new Error(`unknown embedder kind: ${(unknown as { kind: string }).kind}`);
    }
  }
}

export type {
  BedrockEmbedderConfig,
  ModelDownloadProgress,
  OpenAICompatibleEmbedderConfig,
  TransformersEmbedderConfig,
};
export { DEFAULT_TRANSFORMERS_MODEL };
