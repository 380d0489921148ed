import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { createBedrockChatModel } from '../../adapters/chat-model/bedrock-chat-model.js';
import { createOpenAICompatibleChatModel } from '../../adapters/chat-model/openai-compatible-chat-model.js';
import { createTritonChatModel } from '../../adapters/chat-model/triton-chat-model.js';
import type { ChatModel } from '../../ports/chat-model.js';
import type { TargetConfig } from './gateway-config.js';

export interface BuildChatModelOptions {
  /** For HTTP targets; default globalThis.fetch at call time. */
  fetch?: typeof fetch;
  /** A preconfigured Bedrock client per target (tests pass one with a fetch handler). */
  bedrockClient?: (target: TargetConfig) => BedrockRuntimeClient;
}

/** One ChatModel for one configured target. */
export function buildChatModel(target: TargetConfig, options: BuildChatModelOptions = {}): ChatModel {
  const needBaseURL = (): string => {
    if (!target.baseURL) throw new Error(`gateway target "${target.id}" (${target.kind}) needs a baseURL`);
    return target.baseURL;
  };
  switch (target.kind) {
    case 'vllm':
    case 'trtllm':
    case 'openai-compatible':
      return createOpenAICompatibleChatModel({
        id: target.id,
        kind: target.kind,
        baseURL: needBaseURL(),
        model: target.model,
        ...(target.apiKey !== undefined && { apiKey: target.apiKey }),
        ...(target.headers && { headers: target.headers }),
        ...(target.streamUsage !== undefined && { streamUsage: target.streamUsage }),
        ...(options.fetch && { fetch: options.fetch }),
      });
    case 'triton':
      return createTritonChatModel({
        id: target.id,
        baseURL: needBaseURL(),
        model: target.model,
        ...(target.modelVersion !== undefined && { version: target.modelVersion }),
        ...(target.promptTemplate && { promptTemplate: target.promptTemplate }),
        ...(target.defaultMaxTokens !== undefined && { defaultMaxTokens: target.defaultMaxTokens }),
        ...(target.excludeInputInOutput !== undefined && {
          excludeInputInOutput: target.excludeInputInOutput,
        }),
        ...(target.inputs && { inputs: target.inputs }),
        ...(target.headers && { headers: target.headers }),
        ...(options.fetch && { fetch: options.fetch }),
      });
    case 'bedrock': {
      if (!target.region) throw new Error(`gateway target "${target.id}" (bedrock) needs a region`);
      const client = options.bedrockClient?.(target);
      return createBedrockChatModel({
        id: target.id,
        model: target.model,
        region: target.region,
        // A copy: the SDK writes its own bookkeeping into the credentials object it is given.
        ...(target.credentials && { credentials: { ...target.credentials } }),
        ...(target.profile !== undefined && { profile: target.profile }),
        ...(target.endpoint !== undefined && { endpoint: target.endpoint }),
        ...(client && { client }),
      });
    }
  }
}

/** ChatModels for every target of a gateway config, by target id. */
export function buildChatModels(
  targets: readonly TargetConfig[],
  options: BuildChatModelOptions = {},
): Map<string, ChatModel> {
  return new Map(targets.map((target) => [target.id, buildChatModel(target, options)]));
}
