import { afterAll, describe, expect, it } from 'vitest';
import type { UsageRecord } from '../packages/server/src/ports/cost-repositories.js';
import { startNodeServer } from '../packages/server/src/runtime/node.js';
import { client } from './support/http.js';
import { ADMIN_KEY, createTestEnv } from './support/test-server.js';

let cleanup: (() => Promise<void>) | undefined;
afterAll(() => cleanup?.());

describe('ledger across a clean shutdown', () => {
  it('writes every queued usage record before the server stops, and a restarted server reports them all', async () => {
    const testEnv = await createTestEnv({ withoutModel: true });
    cleanup = testEnv.cleanup;
    const first = await startNodeServer({ env: testEnv.env });
    const ledger = first.deps.costs?.ledger;
    if (!ledger) throw new Error('the server has no ledger writer');

    const startedAtMs = Date.now() - 60_000;
    const records: UsageRecord[] = Array.from({ length: 1234 }, (_, i) => ({
      tenantId: 'default',
      id: `req_shutdown_${i}`,
      requestId: `req_shutdown_${i}`,
      keyId: null,
      kind: i % 2 === 0 ? 'chat' : 'embedding',
      route: null,
      routeVersion: null,
      target: null,
      targetKind: null,
      model: 'm',
      promptVersion: null,
      releaseId: null,
      inputTokens: i,
      cachedInputTokens: 0,
      outputTokens: 2 * i,
      reasoningTokens: 0,
      usageSource: 'upstream',
      estimateMethod: null,
      gpuBusyUs: null,
      stream: false,
      outcome: 'ok',
      startedAtMs: startedAtMs + i,
      durationMs: 1,
      costMicros: 1000 + i * 7,
      priceVersion: 1,
      costBasis: 'tokens',
    }));
    for (const r of records) first.deps.costs?.ledger.write(r);
    // nothing is written yet: the close below must do it
    expect(ledger.pending()).toBe(records.length);
    await first.close();
    expect(ledger.pending()).toBe(0);
    expect(ledger.stats()).toMatchObject({ written: records.length, dropped: 0 });

    const second = await startNodeServer({ env: testEnv.env });
    try {
      const admin = client(fetch, second.url, ADMIN_KEY);
      const res = await admin.get('/v1/usage?from=1h&group_by=kind');
      expect(res.status).toBe(200);
      expect(res.json.totals).toMatchObject({
        requests: records.length,
        costMicros: records.reduce((sum, r) => sum + r.costMicros, 0),
        outputTokens: records.reduce((sum, r) => sum + r.outputTokens, 0),
      });
      expect(res.json.groups.map((g: { kind: string; requests: number }) => [g.kind, g.requests])).toEqual([
        ['chat', 617],
        ['embedding', 617],
      ]);
    } finally {
      await second.close();
    }
  });
});
