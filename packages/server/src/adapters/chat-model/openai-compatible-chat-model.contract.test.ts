import { setupServer } from 'msw/node';
import { afterAll, beforeAll } from 'vitest';
import { type ChatModelContractSubject, runChatModelContract } from '../../ports/chat-model.contract.js';
import {
  createOpenAIChatFake,
  type OpenAIChatFake,
} from '../../testing/openai-chat-fake/openai-chat-fake.js';
import { createOpenAICompatibleChatModel } from './openai-compatible-chat-model.js';
import type { OpenAICompatibleKind } from './openai-compatible-field-policy.js';

const fakes = {
  vllm: createOpenAIChatFake({ baseURL: 'http://vllm.contract.test/v1', flavour: 'vllm' }),
  trtllm: createOpenAIChatFake({ baseURL: 'http://trtllm.contract.test/v1', flavour: 'trtllm' }),
  openai: createOpenAIChatFake({
    baseURL: 'http://openai.contract.test/v1',
    flavour: 'openai',
    apiKey: 'sk-test',
  }),
};
const server = setupServer(...fakes.vllm.handlers, ...fakes.trtllm.handlers, ...fakes.openai.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

/** The contract counts content chunks; the fakes count frames, and frame 0 is the role chunk. */
function openAIChatContractSubject(
  fake: OpenAIChatFake,
  kind: OpenAICompatibleKind,
  baseURL: string,
  apiKey?: string,
): () => Promise<ChatModelContractSubject> {
  return async () => {
    fake.reset();
    const model = createOpenAICompatibleChatModel({
      id: `${kind}-contract`,
      kind,
      baseURL,
      model: fake.models[0] as string,
      ...(apiKey && { apiKey }),
    });
    return {
      model,
      reportsUsage: true,
      faults: {
        failNext: (status, options) =>
          fake.fault({
            type: 'status',
            status,
            ...(options?.retryAfterSeconds !== undefined && {
              headers: { 'retry-after': String(options.retryAfterSeconds) },
            }),
          }),
        refuseNext: () => fake.fault({ type: 'refuse' }),
        hangNext: () => fake.fault({ type: 'hang' }),
        stallNextStreamAfter: (chunks) => fake.fault({ type: 'stall-after', chunks: chunks + 1 }),
        cutNextStreamAfter: (chunks) => fake.fault({ type: 'cut-after', chunks: chunks + 1 }),
        errorFrameNextStreamAfter: (chunks) => fake.fault({ type: 'error-frame-after', chunks: chunks + 1 }),
      },
      upstreamAborts: fake.abortedRequests,
      cleanup: () => fake.reset(),
    };
  };
}

runChatModelContract('vLLM', openAIChatContractSubject(fakes.vllm, 'vllm', 'http://vllm.contract.test/v1'));
runChatModelContract(
  'trtllm-serve',
  openAIChatContractSubject(fakes.trtllm, 'trtllm', 'http://trtllm.contract.test/v1'),
);
runChatModelContract(
  'OpenAI',
  openAIChatContractSubject(fakes.openai, 'openai-compatible', 'http://openai.contract.test/v1', 'sk-test'),
);
