import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetadataStore } from './metadata-store.js';
import type { ModelVersionRow } from './registry-repositories.js';

export interface ModelRepositoryContractContext {
  /** A fresh, empty store; the suite runs `migrate()` and `close()` itself. */
  store: MetadataStore;
  /** Runs raw SQL on the same database, to show the schema itself refuses rewrites. */
  rawExecute(sql: string): Promise<unknown>;
  /** A second store on the same database (another instance), when the backend can have one. */
  openAnother?: () => MetadataStore;
  /** Frees what setup made, after the stores are closed. */
  cleanup(): Promise<void>;
}

const A = 'tenant-a';
const B = 'tenant-b';
const T0 = '2026-05-01T00:00:00.000Z';
const T1 = '2026-05-02T00:00:00.000Z';

type NewVersion = Omit<ModelVersionRow, 'version'>;

function adapterVersion(adapter: string, extra: Partial<NewVersion> = {}): NewVersion {
  return {
    tenantId: A,
    name: 'sql-assistant',
    spec: { pool: 'llama-pool', baseModel: 'meta-llama/Llama-3.1-8B-Instruct', adapter },
    lineage: { fineTuneJob: 'ftjob_1', dataset: 'sql-pairs@3', evalRuns: ['eval_a'] },
    message: `adapter ${adapter}`,
    createdAt: T0,
    createdBy: 'key_1',
    ...extra,
  };
}

/** ModelRepository against a real backend: numbering, immutability, eval-run links, tenancy. */
export function runModelRepositoryContract(
  name: string,
  setup: () => Promise<ModelRepositoryContractContext>,
): void {
  describe(`ModelRepository contract: ${name}`, () => {
    let context: ModelRepositoryContractContext;
    let store: MetadataStore;
    const others: MetadataStore[] = [];

    beforeEach(async () => {
      context = await setup();
      store = context.store;
      await store.migrate();
      await store.tenants.ensure(A);
      await store.tenants.ensure(B);
    });
    afterEach(async () => {
      await Promise.all(others.splice(0).map((other) => other.close()));
      await store.close();
      await context.cleanup();
    });

    it('numbers versions 1, 2, 3 per (tenant, name) and round-trips every field', async () => {
      const v1 = await store.models.append(adapterVersion('sql-lora-1'));
      expect(v1).toEqual({ ...adapterVersion('sql-lora-1'), version: 1 });
      const routed: NewVersion = {
        ...adapterVersion('unused'),
        spec: { route: 'chat', routeVersion: 4, source: 'config' },
        lineage: {},
        message: null,
        createdAt: T1,
        createdBy: null,
      };
      const v2 = await store.models.append(routed);
      expect(v2).toEqual({ ...routed, version: 2 });
      const other = await store.models.append(adapterVersion('x', { name: 'other' }));
      const theirs = await store.models.append(adapterVersion('x', { tenantId: B }));
      expect([other.version, theirs.version]).toEqual([1, 1]);

      expect(await store.models.get(A, 'sql-assistant', 1)).toEqual(v1);
      expect(await store.models.latest(A, 'sql-assistant')).toEqual(v2);
      expect(await store.models.versions(A, 'sql-assistant')).toEqual([v1, v2]);
      expect(await store.models.get(A, 'sql-assistant', 3)).toBeNull();
      expect(await store.models.latest(A, 'missing')).toBeNull();
      expect(await store.models.listNames(A)).toEqual([
        { name: 'other', latestVersion: 1, updatedAt: T0 },
        { name: 'sql-assistant', latestVersion: 2, updatedAt: T1 },
      ]);
    });

    it("never shows one tenant another's versions", async () => {
      await store.models.append(adapterVersion('secret'));
      expect(await store.models.get(B, 'sql-assistant', 1)).toBeNull();
      expect(await store.models.latest(B, 'sql-assistant')).toBeNull();
      expect(await store.models.versions(B, 'sql-assistant')).toEqual([]);
      expect(await store.models.listNames(B)).toEqual([]);
      expect(
        await store.models.linkEvalRun({
          tenantId: B,
          name: 'sql-assistant',
          version: 1,
          evalRunId: 'eval_x',
          linkedAt: T0,
          linkedBy: null,
        }),
      ).toBe(false);
    });

    it('rejects an unknown tenant', async () => {
      await expect(store.models.append(adapterVersion('a', { tenantId: 'nobody' }))).rejects.toThrow(
        /unknown tenant/,
      );
    });

    it('links eval runs to an existing version once each, oldest first', async () => {
      await store.models.append(adapterVersion('a'));
      const link = (evalRunId: string, linkedAt: string) =>
        store.models.linkEvalRun({
          tenantId: A,
          name: 'sql-assistant',
          version: 1,
          evalRunId,
          linkedAt,
          linkedBy: 'key_2',
        });
      expect(await link('eval_2', T1)).toBe(true);
      expect(await link('eval_1', T0)).toBe(true);
      expect(await link('eval_2', T1)).toBe(false);
      expect(
        await store.models.linkEvalRun({
          tenantId: A,
          name: 'sql-assistant',
          version: 9,
          evalRunId: 'eval_3',
          linkedAt: T0,
          linkedBy: null,
        }),
      ).toBe(false);
      expect((await store.models.evalRunLinks(A, 'sql-assistant', 1)).map((l) => l.evalRunId)).toEqual([
        'eval_1',
        'eval_2',
      ]);
      expect(await store.models.evalRunLinks(A, 'sql-assistant', 9)).toEqual([]);
    });

    it('refuses to rewrite or delete a version or a link, even with raw SQL', async () => {
      const v1 = await store.models.append(adapterVersion('a'));
      await store.models.linkEvalRun({
        tenantId: A,
        name: 'sql-assistant',
        version: 1,
        evalRunId: 'eval_1',
        linkedAt: T0,
        linkedBy: null,
      });
      await expect(context.rawExecute(`UPDATE model_versions SET spec = '{}'`)).rejects.toThrow(/immutable/);
      await expect(context.rawExecute('DELETE FROM model_versions')).rejects.toThrow(/never deleted/);
      await expect(context.rawExecute(`UPDATE model_eval_links SET eval_run_id = 'x'`)).rejects.toThrow(
        /append-only/,
      );
      await expect(context.rawExecute('DELETE FROM model_eval_links')).rejects.toThrow(/append-only/);
      expect(await store.models.get(A, 'sql-assistant', 1)).toEqual(v1);
    });

    it('two instances appending at once take distinct version numbers', async () => {
      if (!context.openAnother) return;
      const second = context.openAnother();
      others.push(second);
      await second.migrate();
      const written = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          (i % 2 === 0 ? store : second).models.append(adapterVersion(`a${i}`)),
        ),
      );
      expect(written.map((v) => v.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    });
  });
}
