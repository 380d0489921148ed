import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { completionOf } from '../services/evals/run-completion.js';
import { evalRunFixture } from './eval-run-document.fixture.js';
import type { MetadataStore } from './metadata-store.js';

export interface EvalRepositoriesContractContext {
  /** A fresh, empty store; the suite runs `migrate()` and `close()` itself. */
  store: MetadataStore;
  cleanup(): Promise<void>;
}

const A = 'tenant-a';
const B = 'tenant-b';
const T0 = '2026-05-01T00:00:00.000Z';
const T1 = '2026-05-01T00:01:00.000Z';
const T2 = '2026-05-01T00:02:00.000Z';

const base = (id: string, extra: { tenantId?: string; createdAt?: string } = {}) => ({
  tenantId: extra.tenantId ?? A,
  id,
  source: 'server' as const,
  suiteName: 'smoke',
  targetKind: 'release' as const,
  targetId: 'production',
  createdAt: extra.createdAt ?? T0,
  createdBy: 'key_1',
  progressTotal: 5,
});

/** EvalRunRepository and EvalPolicyRepository against a real backend: lifecycle, ordering, tenancy. */
export function runEvalRepositoriesContract(
  name: string,
  setup: () => Promise<EvalRepositoriesContractContext>,
): void {
  describe(`EvalRun/EvalPolicy repositories contract: ${name}`, () => {
    let context: EvalRepositoriesContractContext;
    let store: MetadataStore;

    beforeEach(async () => {
      context = await setup();
      store = context.store;
      await store.migrate();
      await store.tenants.ensure(A);
      await store.tenants.ensure(B);
    });
    afterEach(async () => {
      await store.close();
      await context.cleanup();
    });

    it('takes a server run from queued through running to completed, and only once', async () => {
      const queued = await store.evalRuns.insert(base('evr_1'));
      expect(queued).toMatchObject({
        status: 'queued',
        progress: { done: 0, total: 5 },
        suiteHash: null,
        targetContentHash: null,
        passed: null,
        failing: [],
        run: null,
      });
      expect(await store.evalRuns.progress(A, 'evr_1', 3, T1)).toBe(true);
      expect(await store.evalRuns.get(A, 'evr_1')).toMatchObject({
        status: 'running',
        progress: { done: 3, total: 5 },
        updatedAt: T1,
      });
      // progress never goes back, nor past the total
      await store.evalRuns.progress(A, 'evr_1', 2, T1);
      await store.evalRuns.progress(A, 'evr_1', 9, T1);
      expect((await store.evalRuns.get(A, 'evr_1'))?.progress).toEqual({ done: 5, total: 5 });

      const run = evalRunFixture({ contentHash: 'rel_aaa', scores: [1, 0, 0, 1, 1] });
      expect(await store.evalRuns.complete(A, 'evr_1', completionOf(run, T2))).toBe(true);
      const done = await store.evalRuns.get(A, 'evr_1');
      expect(done).toMatchObject({
        status: 'completed',
        suiteHash: 'suitehash0001',
        targetId: 'rel_aaa',
        targetContentHash: 'rel_aaa',
        passed: false,
        incomplete: false,
        failing: ['exact_match mean 0.60 < 0.80'],
        completedAt: T2,
      });
      expect(done?.run).toEqual(run);
      expect(await store.evalRuns.complete(A, 'evr_1', completionOf(run, T2))).toBe(false);
      expect(await store.evalRuns.fail(A, 'evr_1', 'late', T2)).toBe(false);
      expect(await store.evalRuns.progress(A, 'evr_1', 1, T2)).toBe(false);
    });

    it('fails an open run with its error, once', async () => {
      await store.evalRuns.insert(base('evr_1'));
      expect(await store.evalRuns.fail(A, 'evr_1', 'target.kind: "x" is not supported', T1)).toBe(true);
      expect(await store.evalRuns.get(A, 'evr_1')).toMatchObject({
        status: 'failed',
        error: 'target.kind: "x" is not supported',
        passed: null,
      });
      expect(await store.evalRuns.fail(A, 'evr_1', 'again', T2)).toBe(false);
    });

    it('stores a recorded run completed, and finds the latest completed run per content hash', async () => {
      const failing = evalRunFixture({ contentHash: 'rel_aaa', scores: [0, 0, 1, 1, 1] });
      const passing = evalRunFixture({ contentHash: 'rel_aaa' });
      await store.evalRuns.insert({ ...base('evr_1'), source: 'recorded' }, completionOf(passing, T0));
      await store.evalRuns.insert({ ...base('evr_2'), source: 'recorded' }, completionOf(failing, T0));
      await store.evalRuns.insert(base('evr_3')); // queued on no hash yet
      expect((await store.evalRuns.get(A, 'evr_1'))?.status).toBe('completed');
      // same completion time: the completion order decides
      expect((await store.evalRuns.latestCompleted(A, 'rel_aaa'))?.id).toBe('evr_2');
      expect(await store.evalRuns.latestCompleted(A, 'rel_bbb')).toBeNull();
      await store.evalRuns.complete(A, 'evr_3', completionOf(passing, T1));
      expect((await store.evalRuns.latestCompleted(A, 'rel_aaa'))?.id).toBe('evr_3');
      expect(
        (await store.evalRuns.listCompleted(A, { targetKind: 'release', limit: 10 })).map((r) => r.id),
      ).toEqual(['evr_3', 'evr_2', 'evr_1']);
      expect(await store.evalRuns.listCompleted(A, { targetKind: 'prompt-model', limit: 10 })).toEqual([]);
    });

    it('lists newest first, filtered and paged', async () => {
      const run = evalRunFixture({ contentHash: 'rel_aaa' });
      await store.evalRuns.insert(base('evr_1', { createdAt: T0 }), completionOf(run, T0));
      await store.evalRuns.insert(base('evr_2', { createdAt: T1 }));
      await store.evalRuns.insert(base('evr_3', { createdAt: T2 }), completionOf(run, T2));
      const ids = async (options: Parameters<MetadataStore['evalRuns']['list']>[1]) =>
        (await store.evalRuns.list(A, options)).map((r) => r.id);
      expect(await ids({ limit: 10 })).toEqual(['evr_3', 'evr_2', 'evr_1']);
      expect(await ids({ limit: 2 })).toEqual(['evr_3', 'evr_2']);
      expect(await ids({ limit: 2, before: 'evr_2' })).toEqual(['evr_1']);
      expect(await ids({ limit: 10, targetContentHash: 'rel_aaa' })).toEqual(['evr_3', 'evr_1']);
      expect(await ids({ limit: 10, status: 'queued' })).toEqual(['evr_2']);
    });

    it('keeps tenants apart', async () => {
      const run = evalRunFixture({ contentHash: 'rel_aaa' });
      await store.evalRuns.insert(base('evr_1'), completionOf(run, T0));
      expect(await store.evalRuns.get(B, 'evr_1')).toBeNull();
      expect(await store.evalRuns.list(B, { limit: 10 })).toEqual([]);
      expect(await store.evalRuns.latestCompleted(B, 'rel_aaa')).toBeNull();
      expect(await store.evalRuns.listCompleted(B, { targetKind: 'release', limit: 10 })).toEqual([]);
      expect(await store.evalRuns.fail(B, 'evr_1', 'x', T1)).toBe(false);
      // the same id in another tenant is another run
      await store.evalRuns.insert(base('evr_1', { tenantId: B }));
      expect((await store.evalRuns.get(B, 'evr_1'))?.status).toBe('queued');
      expect((await store.evalRuns.get(A, 'evr_1'))?.status).toBe('completed');
      await expect(store.evalRuns.insert(base('evr_1', { tenantId: 'nobody' }))).rejects.toThrow(/tenant/);
    });

    it('stores one policy per tenant, replaced whole', async () => {
      expect(await store.evalPolicies.get(A)).toBeNull();
      const policy = { gatedLabels: { release: ['production'], prompt: ['production'], model: [] } };
      expect(
        await store.evalPolicies.set({ tenantId: A, policy, updatedAt: T0, updatedBy: 'key_admin' }),
      ).toEqual({ tenantId: A, policy, updatedAt: T0, updatedBy: 'key_admin' });
      const next = { gatedLabels: { release: [], prompt: [], model: ['champion'] } };
      await store.evalPolicies.set({ tenantId: A, policy: next, updatedAt: T1, updatedBy: null });
      expect(await store.evalPolicies.get(A)).toEqual({
        tenantId: A,
        policy: next,
        updatedAt: T1,
        updatedBy: null,
      });
      expect(await store.evalPolicies.get(B)).toBeNull();
      await expect(
        store.evalPolicies.set({ tenantId: 'nobody', policy, updatedAt: T0, updatedBy: null }),
      ).rejects.toThrow(/tenant/);
    });
  });
}
