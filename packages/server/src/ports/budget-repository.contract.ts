import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BudgetAlertRow, BudgetRow } from './cost-repositories.js';
import type { MetadataStoreContractContext } from './metadata-store.contract.js';
import type { MetadataStore } from './metadata-store.js';

const A = 'tenant-a';
const B = 'tenant-b';
const T0 = '2026-03-01T00:00:00.000Z';
const T1 = '2026-03-02T10:00:00.000Z';
const T2 = '2026-03-03T10:00:00.000Z';

function budget(tenantId: string, id: string, extra: Partial<BudgetRow> = {}): BudgetRow {
  return {
    id,
    tenantId,
    keyId: null,
    period: 'month',
    limitMicros: 5_000_000,
    mode: 'hard',
    name: null,
    createdAt: T0,
    updatedAt: T0,
    ...extra,
  };
}

function alert(tenantId: string, budgetId: string, extra: Partial<BudgetAlertRow> = {}): BudgetAlertRow {
  return {
    tenantId,
    budgetId,
    periodStart: '2026-03-01T00:00:00.000Z',
    kind: 'crossed',
    spentMicros: 5_100_000,
    limitMicros: 5_000_000,
    at: T1,
    ...extra,
  };
}

/** Every MetadataStore adapter runs this suite for `metadata.budgets`. */
export function runBudgetRepositoryContract(
  name: string,
  setup: () => Promise<MetadataStoreContractContext>,
): void {
  describe(`BudgetRepository contract: ${name}`, () => {
    let ctx: MetadataStoreContractContext;
    let store: MetadataStore;

    beforeEach(async () => {
      ctx = await setup();
      store = ctx.store;
      await store.migrate();
      await store.tenants.ensure(A);
      await store.tenants.ensure(B);
    });

    afterEach(async () => {
      await store.close();
      await ctx.cleanup();
    });

    it('round-trips every field, tenant-wide and per key, lists oldest first', async () => {
      const tenantWide = budget(A, 'bud_1', { name: 'team', mode: 'soft', period: 'day', createdAt: T1 });
      const perKey = budget(A, 'bud_2', { keyId: 'key_9', limitMicros: 1, createdAt: T0 });
      await store.budgets.insert(tenantWide);
      await store.budgets.insert(perKey);
      expect(await store.budgets.get(A, 'bud_1')).toEqual(tenantWide);
      expect(await store.budgets.get(A, 'bud_2')).toEqual(perKey);
      expect(await store.budgets.list(A)).toEqual([perKey, tenantWide]);
      expect(await store.budgets.get(A, 'missing')).toBeNull();
    });

    it('keeps tenants apart: another tenant cannot read, change or delete a budget by id', async () => {
      const own = budget(A, 'bud_1');
      await store.budgets.insert(own);
      expect(await store.budgets.get(B, 'bud_1')).toBeNull();
      expect(await store.budgets.list(B)).toEqual([]);
      expect(await store.budgets.update(B, 'bud_1', { limitMicros: 0 }, T1)).toBeNull();
      expect(await store.budgets.delete(B, 'bud_1', T1)).toBe(false);
      expect(await store.budgets.get(A, 'bud_1')).toEqual(own);
    });

    it('updates only the fields given and stamps updatedAt', async () => {
      await store.budgets.insert(budget(A, 'bud_1', { name: 'old' }));
      const updated = await store.budgets.update(A, 'bud_1', { limitMicros: 7_250_000, mode: 'soft' }, T1);
      expect(updated).toEqual(
        budget(A, 'bud_1', { name: 'old', limitMicros: 7_250_000, mode: 'soft', updatedAt: T1 }),
      );
      const renamed = await store.budgets.update(A, 'bud_1', { name: null }, T2);
      expect(renamed).toMatchObject({ name: null, limitMicros: 7_250_000, mode: 'soft', updatedAt: T2 });
      expect(await store.budgets.get(A, 'bud_1')).toEqual(renamed);
      expect(await store.budgets.update(A, 'missing', { limitMicros: 1 }, T1)).toBeNull();
    });

    it('deletes softly: gone from get, list and update, deleting twice is false, alerts stay', async () => {
      await store.budgets.insert(budget(A, 'bud_1'));
      await store.budgets.insert(budget(A, 'bud_2'));
      expect(await store.budgets.recordAlert(alert(A, 'bud_1'))).toBe(true);
      expect(await store.budgets.delete(A, 'bud_1', T1)).toBe(true);
      expect(await store.budgets.get(A, 'bud_1')).toBeNull();
      expect((await store.budgets.list(A)).map((b) => b.id)).toEqual(['bud_2']);
      expect(await store.budgets.update(A, 'bud_1', { limitMicros: 1 }, T2)).toBeNull();
      expect(await store.budgets.delete(A, 'bud_1', T2)).toBe(false);
      expect(await store.budgets.listAlerts(A, { limit: 10 })).toEqual([alert(A, 'bud_1')]);
    });

    it('refuses a second budget with the same id', async () => {
      await store.budgets.insert(budget(A, 'bud_1'));
      await expect(store.budgets.insert(budget(A, 'bud_1', { name: 'again' }))).rejects.toThrow();
      expect((await store.budgets.get(A, 'bud_1'))?.name).toBeNull();
    });

    it('records an alert once per (budget, period, kind), keeping the first', async () => {
      const first = alert(A, 'bud_1');
      expect(await store.budgets.recordAlert(first)).toBe(true);
      expect(await store.budgets.recordAlert({ ...first, spentMicros: 9_000_000, at: T2 })).toBe(false);
      const refused = alert(A, 'bud_1', { kind: 'refused', at: T2 });
      expect(await store.budgets.recordAlert(refused)).toBe(true);
      const nextMonth = alert(A, 'bud_1', { periodStart: '2026-04-01T00:00:00.000Z', at: T2 });
      expect(await store.budgets.recordAlert(nextMonth)).toBe(true);
      const otherTenant = alert(B, 'bud_1');
      expect(await store.budgets.recordAlert(otherTenant)).toBe(true);

      const listed = await store.budgets.listAlerts(A, { limit: 10 });
      expect(listed).toHaveLength(3);
      expect(listed[2]).toEqual(first);
      expect(listed.slice(0, 2)).toEqual(expect.arrayContaining([refused, nextMonth]));
      expect(await store.budgets.listAlerts(B, { limit: 10 })).toEqual([otherTenant]);
    });

    it('lists alerts newest first, since a time, for one budget, up to a limit', async () => {
      const early = alert(A, 'bud_1', { at: T0 });
      const middle = alert(A, 'bud_2', { at: T1 });
      const late = alert(A, 'bud_1', { kind: 'refused', at: T2 });
      for (const row of [middle, late, early]) await store.budgets.recordAlert(row);
      expect(await store.budgets.listAlerts(A, { limit: 10 })).toEqual([late, middle, early]);
      expect(await store.budgets.listAlerts(A, { limit: 2 })).toEqual([late, middle]);
      expect(await store.budgets.listAlerts(A, { sinceMs: Date.parse(T1), limit: 10 })).toEqual([
        late,
        middle,
      ]);
      expect(await store.budgets.listAlerts(A, { budgetId: 'bud_1', limit: 10 })).toEqual([late, early]);
      await expect(store.budgets.listAlerts(A, { limit: 0 })).rejects.toThrow(RangeError);
    });
  });
}
