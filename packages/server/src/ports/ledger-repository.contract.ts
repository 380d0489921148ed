import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UsageGroup, UsageGroupBy, UsageRecord } from './cost-repositories.js';
import type { MetadataStoreContractContext } from './metadata-store.contract.js';
import type { MetadataStore } from './metadata-store.js';

const A = 'tenant-a';
const B = 'tenant-b';
/** 2026-03-01T00:00:00Z */
const DAY0 = Date.UTC(2026, 2, 1);
const DAY_MS = 86_400_000;

let sequence = 0;
function record(extra: Partial<UsageRecord> = {}): UsageRecord {
  sequence += 1;
  const id = extra.id ?? `req_${String(sequence).padStart(6, '0')}`;
  return {
    tenantId: A,
    id,
    requestId: id,
    keyId: 'key_1',
    kind: 'chat',
    route: 'chat',
    routeVersion: 1,
    target: 'vllm-a',
    targetKind: 'openai-compatible',
    model: 'llama',
    promptVersion: null,
    releaseId: null,
    inputTokens: 100,
    cachedInputTokens: 0,
    outputTokens: 20,
    reasoningTokens: 0,
    usageSource: 'upstream',
    estimateMethod: null,
    gpuBusyUs: null,
    stream: false,
    outcome: 'ok',
    startedAtMs: DAY0 + 1000,
    durationMs: 50,
    costMicros: 1000,
    priceVersion: 1,
    costBasis: 'tokens',
    ...extra,
  };
}

/** A deterministic generator (mulberry32), so a failing case can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALL_TIME = { fromMs: 0, toMs: Number.MAX_SAFE_INTEGER };

/** The groups a summary should return, computed in the test from the records themselves. */
function expectedGroups(records: UsageRecord[], groupBy: UsageGroupBy[]): UsageGroup[] {
  const dimensionValue: Record<UsageGroupBy, (r: UsageRecord) => string | null> = {
    model: (r) => r.model,
    target: (r) => r.target,
    key: (r) => r.keyId,
    route: (r) => r.route,
    prompt: (r) => r.promptVersion,
    release: (r) => r.releaseId,
    kind: (r) => r.kind,
    day: (r) => new Date(r.startedAtMs).toISOString().slice(0, 10),
  };
  const keyOf = (r: UsageRecord) => groupBy.map((dimension) => dimensionValue[dimension](r));
  const groups = new Map<string, UsageGroup>();
  for (const r of records) {
    const keys = keyOf(r);
    const id = JSON.stringify(keys);
    const group = groups.get(id) ?? {
      keys,
      requests: 0,
      inputTokens: 0,
      cachedInputTokens: 0,
      outputTokens: 0,
      reasoningTokens: 0,
      costMicros: 0,
      estimatedRequests: 0,
      unpricedRequests: 0,
    };
    group.requests += 1;
    group.inputTokens += r.inputTokens;
    group.cachedInputTokens += r.cachedInputTokens;
    group.outputTokens += r.outputTokens;
    group.reasoningTokens += r.reasoningTokens;
    group.costMicros += r.costMicros;
    if (r.usageSource === 'estimated') group.estimatedRequests += 1;
    if (r.costBasis === 'unpriced') group.unpricedRequests += 1;
    groups.set(id, group);
  }
  // SQLite orders NULL first, then text by bytes.
  const compare = (a: (string | null)[], b: (string | null)[]): number => {
    for (let i = 0; i < a.length; i++) {
      const x = a[i] ?? null;
      const y = b[i] ?? null;
      if (x === y) continue;
      if (x === null) return -1;
      if (y === null) return 1;
      return x < y ? -1 : 1;
    }
    return 0;
  };
  return [...groups.values()].sort((a, b) => compare(a.keys, b.keys));
}

/** Every MetadataStore adapter runs this suite for its `ledger` (libSQL memory and file, D1, ...). */
export interface LedgerRepositoryContractContext extends MetadataStoreContractContext {
  /** Runs SQL on the store's database outside the repository, to check what the schema refuses. */
  rawExecute(sql: string): Promise<unknown>;
}

export function runLedgerRepositoryContract(
  name: string,
  setup: () => Promise<LedgerRepositoryContractContext>,
): void {
  describe(`LedgerRepository contract: ${name}`, () => {
    let ctx: LedgerRepositoryContractContext;
    let store: MetadataStore;

    beforeEach(async () => {
      ctx = await setup();
      store = ctx.store;
      await store.migrate();
    });

    afterEach(async () => {
      await store.close();
      await ctx.cleanup();
    });

    const everything = (tenantId = A) => store.ledger.list({ tenantId, ...ALL_TIME, limit: 100_000 });

    it('is append-only: a stored record cannot be changed or removed, even through raw SQL', async () => {
      await store.ledger.append([record({ id: 'req_kept', costMicros: 700 })]);
      await expect(
        ctx.rawExecute("UPDATE usage_records SET cost_micros = 0 WHERE id = 'req_kept'"),
      ).rejects.toThrow(/append-only/);
      await expect(ctx.rawExecute("DELETE FROM usage_records WHERE id = 'req_kept'")).rejects.toThrow(
        /append-only/,
      );
      expect((await everything()).map((r) => r.costMicros)).toEqual([700]);
    });

    it('stores each record once: a repeated id is skipped and not counted as new', async () => {
      const first = record({ id: 'req_same', costMicros: 700 });
      expect(await store.ledger.append([first, record({ id: 'req_other' })])).toBe(2);
      expect(await store.ledger.append([{ ...first, costMicros: 999_999 }])).toBe(0);
      // a batch repeating an id within itself keeps the first, too
      expect(
        await store.ledger.append([record({ id: 'req_twice' }), record({ id: 'req_twice', costMicros: 5 })]),
      ).toBe(1);

      const stored = await everything();
      expect(stored.map((r) => r.id).sort()).toEqual(['req_other', 'req_same', 'req_twice']);
      expect(stored.find((r) => r.id === 'req_same')?.costMicros).toBe(700);
      expect(stored.find((r) => r.id === 'req_twice')?.costMicros).toBe(1000);
      expect(await store.ledger.spentMicros({ tenantId: A, ...ALL_TIME })).toBe(700 + 1000 + 1000);
    });

    it('returns every field as written', async () => {
      const full = record({
        id: 'req_full:2',
        requestId: 'req_full',
        kind: 'embedding',
        route: null,
        routeVersion: null,
        target: 'gpu-box',
        targetKind: 'triton',
        model: 'bge-small',
        promptVersion: 'summarize@3',
        releaseId: 'rel_9',
        inputTokens: 12_345,
        cachedInputTokens: 2_345,
        outputTokens: 678,
        reasoningTokens: 78,
        usageSource: 'estimated',
        estimateMethod: 'tokenizer:cl100k',
        gpuBusyUs: 1_234_567,
        stream: true,
        outcome: 'client-aborted',
        startedAtMs: DAY0 + 123_456,
        durationMs: 789,
        costMicros: Number.MAX_SAFE_INTEGER,
        priceVersion: 7,
        costBasis: 'gpu-time',
      });
      const bare = record({
        id: 'req_bare',
        keyId: null,
        priceVersion: null,
        costBasis: 'unpriced',
        costMicros: 0,
      });
      await store.ledger.append([full, bare]);
      expect(await everything()).toEqual([bare, full]);
    });

    it('writes a batch atomically: one bad record and none of the batch is stored', async () => {
      const bad = record({ id: 'req_bad', usageSource: 'guessed' as UsageRecord['usageSource'] });
      await expect(store.ledger.append([record({ id: 'req_good' }), bad])).rejects.toThrow();
      await expect(store.ledger.append([record({ inputTokens: 1.5 })])).rejects.toThrow(RangeError);
      expect(await everything()).toEqual([]);
    });

    it('keeps tenants apart: the same id in two tenants is two records, each sees only its own', async () => {
      await store.ledger.append([
        record({ tenantId: A, id: 'req_1', costMicros: 10, model: 'a-model' }),
        record({ tenantId: B, id: 'req_1', costMicros: 20, model: 'b-model' }),
        record({ tenantId: B, id: 'req_2', costMicros: 40, model: 'b-model' }),
      ]);
      expect((await everything(A)).map((r) => [r.tenantId, r.id, r.costMicros])).toEqual([[A, 'req_1', 10]]);
      expect((await everything(B)).map((r) => r.costMicros)).toEqual([20, 40]);
      expect(await store.ledger.spentMicros({ tenantId: A, ...ALL_TIME })).toBe(10);
      expect(await store.ledger.spentMicros({ tenantId: B, ...ALL_TIME })).toBe(60);
      const summaryA = await store.ledger.summarize({ tenantId: A, ...ALL_TIME, groupBy: ['model'] });
      expect(summaryA.map((g) => [g.keys, g.requests, g.costMicros])).toEqual([[['a-model'], 1, 10]]);
      expect(await store.ledger.spentMicros({ tenantId: 'tenant-c', ...ALL_TIME })).toBe(0);
      expect(await store.ledger.summarize({ tenantId: 'tenant-c', ...ALL_TIME, groupBy: [] })).toEqual([]);
    });

    it('sums 1,000 records with varied costs exactly', async () => {
      const next = random(42);
      const records = Array.from({ length: 1000 }, (_, i) =>
        record({
          id: `req_sum_${i}`,
          keyId: i % 3 === 0 ? 'key_2' : 'key_1',
          // from sub-cent amounts to a few thousand dollars, none of them "round"
          costMicros: Math.floor(next() ** 3 * 5_000_000_000) + (i % 7),
          inputTokens: Math.floor(next() * 200_000),
          cachedInputTokens: Math.floor(next() * 1000),
          outputTokens: Math.floor(next() * 8000),
          reasoningTokens: Math.floor(next() * 500),
          startedAtMs: DAY0 + Math.floor(next() * 10 * DAY_MS),
        }),
      );
      expect(await store.ledger.append(records)).toBe(1000);
      const exact = records.reduce((sum, r) => sum + BigInt(r.costMicros), 0n);
      expect(BigInt(await store.ledger.spentMicros({ tenantId: A, ...ALL_TIME }))).toBe(exact);

      const [total] = await store.ledger.summarize({ tenantId: A, ...ALL_TIME, groupBy: [] });
      expect(total).toEqual(expectedGroups(records, [])[0]);
      expect(BigInt(total?.costMicros ?? -1)).toBe(exact);

      const byKeyAndDay = await store.ledger.summarize({ tenantId: A, ...ALL_TIME, groupBy: ['key', 'day'] });
      expect(byKeyAndDay).toEqual(expectedGroups(records, ['key', 'day']));
      expect(byKeyAndDay.length).toBeGreaterThan(10);

      const key2 = records.filter((r) => r.keyId === 'key_2');
      expect(await store.ledger.spentMicros({ tenantId: A, keyId: 'key_2', ...ALL_TIME })).toBe(
        key2.reduce((sum, r) => sum + r.costMicros, 0),
      );
    });

    it('groups by every dimension, in key order, nulls first', async () => {
      const records = [
        record({
          model: 'm-b',
          target: 't1',
          kind: 'chat',
          route: 'r1',
          promptVersion: 'p@1',
          releaseId: 'rel_1',
        }),
        record({ model: 'm-a', target: 't2', kind: 'embedding', route: null, usageSource: 'estimated' }),
        record({
          model: 'm-a',
          target: null,
          kind: 'judge',
          keyId: null,
          costBasis: 'unpriced',
          costMicros: 0,
        }),
        record({ model: 'm-b', target: 't1', kind: 'chat', keyId: 'key_2', releaseId: 'rel_1' }),
        record({ model: 'm-c', target: 't2', kind: 'completion', promptVersion: 'p@2', costMicros: 3 }),
      ];
      await store.ledger.append(records);
      const dimensions: UsageGroupBy[] = [
        'model',
        'target',
        'key',
        'route',
        'prompt',
        'release',
        'kind',
        'day',
      ];
      for (const dimension of dimensions) {
        const groups = await store.ledger.summarize({ tenantId: A, ...ALL_TIME, groupBy: [dimension] });
        expect(groups, dimension).toEqual(expectedGroups(records, [dimension]));
      }
      const byModelTarget = await store.ledger.summarize({
        tenantId: A,
        ...ALL_TIME,
        groupBy: ['model', 'target'],
      });
      expect(byModelTarget.map((g) => g.keys)).toEqual([
        ['m-a', null],
        ['m-a', 't2'],
        ['m-b', 't1'],
        ['m-c', 't2'],
      ]);
      expect(byModelTarget[0]?.unpricedRequests).toBe(1);
      expect(byModelTarget[1]?.estimatedRequests).toBe(1);
    });

    it('puts records in their UTC day and honours [from, to) and the key filter', async () => {
      const lastOfDay0 = record({ id: 'req_late', startedAtMs: DAY0 + DAY_MS - 1, costMicros: 1 });
      const firstOfDay1 = record({ id: 'req_early', startedAtMs: DAY0 + DAY_MS, costMicros: 10 });
      const otherKey = record({
        id: 'req_key2',
        keyId: 'key_2',
        startedAtMs: DAY0 + DAY_MS,
        costMicros: 100,
      });
      await store.ledger.append([lastOfDay0, firstOfDay1, otherKey]);

      const byDay = await store.ledger.summarize({ tenantId: A, ...ALL_TIME, groupBy: ['day'] });
      expect(byDay.map((g) => [g.keys[0], g.costMicros])).toEqual([
        ['2026-03-01', 1],
        ['2026-03-02', 110],
      ]);
      const window = { tenantId: A, fromMs: DAY0 + DAY_MS - 1, toMs: DAY0 + DAY_MS };
      expect(await store.ledger.spentMicros(window)).toBe(1);
      expect((await store.ledger.list({ ...window, limit: 10 })).map((r) => r.id)).toEqual(['req_late']);
      expect(
        await store.ledger.spentMicros({ tenantId: A, fromMs: DAY0 + DAY_MS, toMs: DAY0 + 2 * DAY_MS }),
      ).toBe(110);
      const key1 = await store.ledger.summarize({
        tenantId: A,
        ...ALL_TIME,
        groupBy: ['key'],
        keyId: 'key_1',
      });
      expect(key1.map((g) => [g.keys, g.costMicros])).toEqual([[['key_1'], 11]]);
      expect(
        (await store.ledger.list({ tenantId: A, ...ALL_TIME, keyId: 'key_2', limit: 10 })).map((r) => r.id),
      ).toEqual(['req_key2']);
    });

    it('pages by (startedAtMs, id), oldest first, without gaps or repeats', async () => {
      const next = random(7);
      // many records share a start time, so the id breaks ties
      const records = Array.from({ length: 57 }, (_, i) =>
        record({
          id: `req_page_${next().toString(36).slice(2, 8)}_${i}`,
          startedAtMs: DAY0 + (i % 5) * 1000,
        }),
      );
      await store.ledger.append([...records, record({ tenantId: B, id: 'req_b' })]);
      const seen: UsageRecord[] = [];
      let after: { startedAtMs: number; id: string } | undefined;
      for (;;) {
        const page = await store.ledger.list({
          tenantId: A,
          ...ALL_TIME,
          limit: 10,
          ...(after && { after }),
        });
        seen.push(...page);
        const last = page[page.length - 1];
        if (page.length < 10 || !last) break;
        after = { startedAtMs: last.startedAtMs, id: last.id };
      }
      const ordered = [...records].sort((a, b) =>
        a.startedAtMs !== b.startedAtMs ? a.startedAtMs - b.startedAtMs : a.id < b.id ? -1 : 1,
      );
      expect(seen).toEqual(ordered);
      await expect(store.ledger.list({ tenantId: A, ...ALL_TIME, limit: 0 })).rejects.toThrow(RangeError);
    });

    it('appends a batch larger than one statement holds, all in one call', async () => {
      const records = Array.from({ length: 2345 }, (_, i) => record({ id: `req_big_${i}`, costMicros: i }));
      expect(await store.ledger.append(records)).toBe(2345);
      expect(await store.ledger.append(records.slice(1000, 1500))).toBe(0);
      expect(await store.ledger.spentMicros({ tenantId: A, ...ALL_TIME })).toBe((2344 * 2345) / 2);
    });

    it('reports recomputed costs under a price version, keeping the originals', async () => {
      const r1 = record({ id: 'req_r1', model: 'm1', costMicros: 100 });
      const r2 = record({ id: 'req_r2', model: 'm1', costMicros: 200 });
      const r3 = record({ id: 'req_r3', model: 'm2', costMicros: 300 });
      await store.ledger.append([r1, r2, r3, record({ tenantId: B, id: 'req_r1', costMicros: 5 })]);
      const at = '2026-03-05T00:00:00.000Z';
      await store.ledger.putRecomputed([
        {
          tenantId: A,
          recordId: 'req_r1',
          priceVersion: 2,
          costMicros: 150,
          costBasis: 'tokens',
          computedAt: at,
        },
        {
          tenantId: A,
          recordId: 'req_r2',
          priceVersion: 2,
          costMicros: 0,
          costBasis: 'unpriced',
          computedAt: at,
        },
        {
          tenantId: A,
          recordId: 'req_r3',
          priceVersion: 3,
          costMicros: 999,
          costBasis: 'tokens',
          computedAt: at,
        },
        // another tenant's recomputation of the same record id must not leak into A's report
        {
          tenantId: B,
          recordId: 'req_r3',
          priceVersion: 2,
          costMicros: 777,
          costBasis: 'tokens',
          computedAt: at,
        },
      ]);
      // recomputing again replaces, never adds
      await store.ledger.putRecomputed([
        {
          tenantId: A,
          recordId: 'req_r1',
          priceVersion: 2,
          costMicros: 160,
          costBasis: 'tokens',
          computedAt: at,
        },
      ]);

      const v2 = await store.ledger.summarize({
        tenantId: A,
        ...ALL_TIME,
        groupBy: ['model'],
        priceVersion: 2,
      });
      expect(v2.map((g) => [g.keys[0], g.requests, g.costMicros, g.unpricedRequests])).toEqual([
        ['m1', 2, 160, 1],
        ['m2', 1, 0, 1],
      ]);
      const original = await store.ledger.summarize({ tenantId: A, ...ALL_TIME, groupBy: ['model'] });
      expect(original.map((g) => [g.keys[0], g.costMicros, g.unpricedRequests])).toEqual([
        ['m1', 300, 0],
        ['m2', 300, 0],
      ]);
      expect(await store.ledger.spentMicros({ tenantId: A, ...ALL_TIME })).toBe(600);
      expect((await everything()).map((r) => r.costMicros)).toEqual([100, 200, 300]);
    });
  });
}
