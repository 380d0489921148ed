import { setupServer } from 'msw/node';
import { afterAll, beforeAll } from 'vitest';
import { runChatModelContract } from '../../ports/chat-model.contract.js';
import { createTritonFake } from '../../testing/triton-fake/triton-fake.js';
import { createTritonChatModel } from './triton-chat-model.js';

const fake = createTritonFake({ baseUrl: 'http://triton.test:8000', models: { ensemble: {} } });
const server = setupServer(...fake.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

runChatModelContract('triton (TensorRT-LLM ensemble)', async () => {
  fake.reset();
  return {
    model: createTritonChatModel({ id: 'triton-1', baseURL: 'http://triton.test:8000', model: 'ensemble' }),
    reportsUsage: false,
    faults: fake.faults,
    upstreamAborts: fake.aborts,
  };
});
