import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PriceEntry, UsageRecord } from '../packages/server/src/ports/cost-repositories.js';
import { loadLocalTokenizer } from '../packages/server/src/runtime/node-tokenizer-loader.js';
import type { RouteConfig, TargetConfig } from '../packages/server/src/services/gateway/gateway-config.js';
import { createCostServices } from '../packages/server/src/services/metering/cost-services.js';
import { createOpenAIChatFake } from '../packages/server/src/testing/openai-chat-fake/openai-chat-fake.js';
import { writeTinyEmbeddingModel } from '../packages/server/src/testing/tiny-embedding-model.js';
import {
  createUpstreams,
  eventually,
  type GatewayServer,
  gatewayConfig,
  startGatewayServer,
  TARGETS,
} from './gateway-harness.js';

// The official client's calls reach the server through the real fetch; msw answers the upstreams.
const upstreams = createUpstreams();
const cached = createOpenAIChatFake({
  baseURL: 'http://openai-cached.test/v1',
  flavour: 'openai',
  cachedPromptTokens: 6,
});
const slow = createOpenAIChatFake({ baseURL: 'http://vllm-slow.test/v1', flavour: 'vllm', tokenDelayMs: 30 });
const gpu = createOpenAIChatFake({ baseURL: 'http://vllm-gpu.test/v1', flavour: 'vllm', tokenDelayMs: 10 });
upstreams.msw.use(...cached.handlers, ...slow.handlers, ...gpu.handlers);

const TOKENIZER_DIR = join(tmpdir(), `ragline-metering-tokenizer-${process.pid}`);
const EXTRA_TARGETS: TargetConfig[] = [
  {
    id: 'openai-cached',
    kind: 'openai-compatible',
    model: 'gpt-4o-mini',
    baseURL: 'http://openai-cached.test/v1',
  },
  {
    id: 'vllm-slow',
    kind: 'vllm',
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    baseURL: 'http://vllm-slow.test/v1',
  },
  {
    id: 'vllm-gpu',
    kind: 'vllm',
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    baseURL: 'http://vllm-gpu.test/v1',
  },
  // Triton reports no usage: with a tokenizer folder, its calls are estimated with that tokenizer.
  {
    id: 'triton-tok',
    kind: 'triton',
    model: 'ensemble',
    baseURL: 'http://triton.test:8000',
    tokenizer: TOKENIZER_DIR,
  },
];
// $36 per GPU-hour x 2 GPUs = 20 micro-dollars per millisecond of attributed busy time.
const GPU_PRICE: PriceEntry = { target: 'vllm-gpu', gpuHourMicros: 36_000_000, gpus: 2 };
const KINDS = ['vllm-1', 'trtllm', 'openai', 'triton', 'bedrock'] as const;

// Distinct prices per target, so a record priced with the wrong entry shows.
const PRICES: PriceEntry[] = [
  GPU_PRICE,
  ...[...TARGETS, ...EXTRA_TARGETS.filter((t) => t.id !== 'vllm-gpu')].map((target, i) => ({
    target: target.id,
    inputPerMillionMicros: 1_000_000 * (i + 1),
    cachedInputPerMillionMicros: 250_000 * (i + 1),
    outputPerMillionMicros: 4_000_000 * (i + 1),
  })),
];

let server: GatewayServer;

beforeAll(async () => {
  upstreams.msw.listen({ onUnhandledRequest: 'bypass' });
  await writeTinyEmbeddingModel(TOKENIZER_DIR, { dimensions: 4 });
  server = await startGatewayServer();
  const routes: RouteConfig[] = [...TARGETS, ...EXTRA_TARGETS].map((t) => ({
    name: `via-${t.id}`,
    strategy: 'single',
    targets: [{ ref: t.id }],
  }));
  const config = gatewayConfig(routes);
  const gateway = server.useGateway(
    { ...config, targets: [...config.targets, ...EXTRA_TARGETS] },
    { loadTokenizer: loadLocalTokenizer },
  );
  await gateway.tokenizers.ready();
  const costs = server.deps.costs;
  if (!costs) throw new Error('the server has no cost services');
  const written = await server.deps.metadata.prices.append(
    {
      effectiveFrom: '2020-01-01T00:00:00.000Z',
      entries: PRICES,
      source: 'api',
      note: 'test prices',
      createdAt: new Date().toISOString(),
      createdBy: null,
    },
    null,
  );
  expect(written?.version).toBe(1);
  await costs.prices.reload();
});

afterEach(() => upstreams.reset());
afterAll(async () => {
  upstreams.msw.close();
  await server.close();
  await rm(TOKENIZER_DIR, { recursive: true, force: true });
});

async function records(route: string): Promise<UsageRecord[]> {
  await server.deps.costs?.ledger.flush();
  const all = await server.deps.metadata.ledger.list({
    tenantId: 'default',
    fromMs: 0,
    toMs: Date.now() + 60_000,
    limit: 1000,
  });
  return all.filter((r) => r.route === route);
}

const question = (text: string) => [{ role: 'user' as const, content: text }];

describe('metering through the gateway', () => {
  it.each(KINDS)('records the same cost for a streamed and a non-streamed call (%s)', async (target) => {
    const client = server.client();
    const route = `via-${target}`;
    const messages = question(`what is the capital of France, asked of ${target}?`);
    const { response } = await client.chat.completions
      .create({ model: route, messages, max_tokens: 50 })
      .withResponse();
    const stream = await client.chat.completions.create({
      model: route,
      messages,
      max_tokens: 50,
      stream: true,
    });
    for await (const _ of stream);

    await eventually(() => true);
    const [plain, streamed] = await records(route).then((rows) =>
      [false, true].map((s) => rows.find((r) => r.stream === s)),
    );
    expect(plain).toBeDefined();
    expect(streamed).toBeDefined();
    if (!plain || !streamed) return;
    expect(plain.costMicros).toBeGreaterThan(0);
    expect(streamed.costMicros).toBe(plain.costMicros);
    expect(streamed.inputTokens).toBe(plain.inputTokens);
    expect(streamed.outputTokens).toBe(plain.outputTokens);
    expect(streamed.usageSource).toBe(plain.usageSource);
    expect(plain).toMatchObject({
      target,
      priceVersion: 1,
      costBasis: 'tokens',
      outcome: 'ok',
      kind: 'chat',
    });
    expect(response.headers.get('x-ragline-cost-micros')).toBe(String(plain.costMicros));
    // Triton's generate extension reports no token counts: both calls are estimated alike.
    expect(plain.usageSource).toBe(target === 'triton' ? 'estimated' : 'upstream');
  });

  it("estimates an upstream's missing usage with the target's own tokenizer, streamed or not", async () => {
    const client = server.client();
    const messages = question('tokenize this zebra question');
    await client.chat.completions.create({ model: 'via-triton-tok', messages, max_tokens: 30 });
    const stream = await client.chat.completions.create({
      model: 'via-triton-tok',
      messages,
      max_tokens: 30,
      stream: true,
    });
    for await (const _ of stream);
    const rows = await records('via-triton-tok');
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row).toMatchObject({ usageSource: 'estimated', estimateMethod: `tokenizer:${TOKENIZER_DIR}` });
    }
    expect(rows[0]?.costMicros).toBe(rows[1]?.costMicros);
    expect(rows[0]?.outputTokens).toBe(rows[1]?.outputTokens);
  });

  it('prices cached prompt tokens at the cached rate', async () => {
    const client = server.client();
    const { data } = await client.chat.completions
      .create({ model: 'via-openai-cached', messages: question('one two three four five six seven eight') })
      .withResponse();
    const [record] = await records('via-openai-cached');
    expect(record?.cachedInputTokens).toBe(6);
    expect(data.usage?.prompt_tokens_details?.cached_tokens).toBe(6);
    const entry = PRICES.find((p) => p.target === 'openai-cached') as Required<PriceEntry>;
    const input = record?.inputTokens ?? 0;
    const output = record?.outputTokens ?? 0;
    const expected =
      (input - 6) * entry.inputPerMillionMicros +
      6 * entry.cachedInputPerMillionMicros +
      output * entry.outputPerMillionMicros;
    expect(record?.costMicros).toBe(Math.round(expected / 1_000_000));
  });

  it('estimates the usage of a stream the client left, from the text it received', async () => {
    const controller = new AbortController();
    const client = server.client();
    const stream = await client.chat.completions.create(
      {
        model: 'via-vllm-slow',
        messages: question('tell me a long story about many many things in great detail please'),
        stream: true,
      },
      { signal: controller.signal },
    );
    let received = 0;
    // The official client ends the iteration quietly (or throws, by version) when its signal aborts.
    try {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) received++;
        if (received === 3) controller.abort();
      }
    } catch {}
    expect(received).toBe(3);
    await eventually(() => slow.requests.some((r) => r.aborted));
    let record: UsageRecord | undefined;
    for (let i = 0; i < 50 && !record; i++) {
      [record] = await records('via-vllm-slow');
      if (!record) await new Promise((r) => setTimeout(r, 20));
    }
    expect(record).toMatchObject({
      outcome: 'client-aborted',
      usageSource: 'estimated',
      estimateMethod: 'heuristic',
      stream: true,
    });
    expect(record?.outputTokens).toBeGreaterThanOrEqual(3);
    expect(record?.costMicros).toBeGreaterThan(0);
  });

  it('marks a call as estimated when the upstream stream reports no usage', async () => {
    upstreams.openai.fault({ type: 'cut-after', chunks: 4 });
    const client = server.client();
    const stream = await client.chat.completions.create({
      model: 'via-openai',
      messages: question('a question whose stream is cut'),
      stream: true,
    });
    await expect(
      (async () => {
        for await (const _ of stream);
      })(),
    ).rejects.toThrow();
    const cut = (await records('via-openai')).find((r) => r.outcome === 'error');
    expect(cut).toMatchObject({ usageSource: 'estimated', stream: true });
    expect(cut?.outputTokens).toBeGreaterThan(0);
  });

  it('records nothing for a call that failed before any answer', async () => {
    upstreams.trtllm.fault({ type: 'status', status: 500 });
    const before = (await records('via-trtllm')).length;
    await expect(
      server.client().chat.completions.create({ model: 'via-trtllm', messages: question('fails') }),
    ).rejects.toThrow();
    expect((await records('via-trtllm')).length).toBe(before);
  });

  it('meters legacy completions', async () => {
    const client = server.client();
    const { response } = await client.completions
      .create({ model: 'via-vllm-1', prompt: 'Once upon a time', max_tokens: 8 })
      .withResponse();
    const completion = (await records('via-vllm-1')).find((r) => r.kind === 'completion');
    expect(completion?.costMicros).toBeGreaterThan(0);
    expect(response.headers.get('x-ragline-cost-micros')).toBe(String(completion?.costMicros));
  });

  it('writes each record before the response ends where the runtime asks for it (Workers, Lambda)', async () => {
    const nodeCosts = server.deps.costs;
    const perCall = await createCostServices({
      metadata: server.deps.metadata,
      logger: server.deps.logger,
      clock: server.deps.clock,
      priceRefreshMs: 0,
      flushEachCall: true,
    });
    server.deps.costs = perCall;
    try {
      await server.client().chat.completions.create({ model: 'via-vllm-2', messages: question('per call') });
      // No flush here: the record must already be in the store.
      const stored = await server.deps.metadata.ledger.list({
        tenantId: 'default',
        fromMs: 0,
        toMs: Date.now() + 60_000,
        limit: 1000,
      });
      expect(stored.filter((r) => r.route === 'via-vllm-2')).toHaveLength(1);
    } finally {
      server.deps.costs = nodeCosts;
      await perCall.close();
    }
  });

  it('attributes the busy time of a GPU-hour priced replica to the calls that shared it', async () => {
    const client = server.client();
    const started = performance.now();
    await Promise.all(
      [1, 2, 3].map(async (i) => {
        const stream = await client.chat.completions.create({
          model: 'via-vllm-gpu',
          messages: question(`overlapping call ${i} with a few more words to stream back`),
          stream: true,
        });
        for await (const _ of stream);
      }),
    );
    const wallUs = (performance.now() - started) * 1000;
    const rows = await records('via-vllm-gpu');
    expect(rows).toHaveLength(3);
    let busy = 0;
    for (const row of rows) {
      expect(row.costBasis).toBe('gpu-time');
      expect(row.gpuBusyUs).toBeGreaterThan(0);
      // 20 micro-dollars per attributed millisecond, rounded half up once.
      expect(row.costMicros).toBe(Math.round(((row.gpuBusyUs ?? 0) * 72_000_000) / 3_600_000_000));
      busy += row.gpuBusyUs ?? 0;
    }
    // The shares add up to the replica's busy time, which the three overlapping calls spanned.
    expect(busy).toBeLessThanOrEqual(wallUs);
    expect(busy).toBeGreaterThan(wallUs * 0.5);
  });
});
