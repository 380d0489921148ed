import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetadataStore } from './metadata-store.js';
import type { LabelChange, PolicyDecision } from './registry-repositories.js';

export interface LabelRepositoryContractContext {
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
const T2 = '2026-05-03T00:00:00.000Z';

const allowed = (reason: string): PolicyDecision => ({
  allowed: true,
  reason,
  checks: [{ name: 'example', passed: true, detail: `because ${reason}` }],
});

function change(expected: string | null, target: string, extra: Partial<LabelChange> = {}): LabelChange {
  return {
    tenantId: A,
    subject: 'prompt',
    name: 'support/answer',
    label: 'production',
    expected,
    target,
    at: T0,
    by: 'key_1',
    decision: allowed(`to ${target}`),
    ...extra,
  };
}

/** LabelRepository against a real backend: compare-and-swap moves and their append-only history. */
export function runLabelRepositoryContract(
  name: string,
  setup: () => Promise<LabelRepositoryContractContext>,
): void {
  describe(`LabelRepository contract: ${name}`, () => {
    let context: LabelRepositoryContractContext;
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

    it('creates, moves and rolls back a label, keeping every move in the history', async () => {
      expect(await store.labels.get(A, 'prompt', 'support/answer', 'production')).toBeNull();
      const created = await store.labels.set(change(null, '1'));
      expect(created).toEqual({
        tenantId: A,
        subject: 'prompt',
        name: 'support/answer',
        label: 'production',
        target: '1',
        updatedAt: T0,
        updatedBy: 'key_1',
      });
      await store.labels.set(change('1', '2', { at: T1, by: 'key_2' }));
      const rolledBack = await store.labels.set(change('2', '1', { at: T2 }));
      expect(rolledBack?.target).toBe('1');
      expect(await store.labels.get(A, 'prompt', 'support/answer', 'production')).toEqual(rolledBack);

      const history = await store.labels.history(A, 'prompt', 'support/answer', { limit: 10 });
      expect(history.map((m) => [m.from, m.to, m.at, m.by])).toEqual([
        ['2', '1', T2, 'key_1'],
        ['1', '2', T1, 'key_2'],
        [null, '1', T0, 'key_1'],
      ]);
      expect(history[1]?.decision).toEqual(allowed('to 2'));
      expect(history[0]?.id).toBeGreaterThan(history[1]?.id ?? Infinity);
    });

    it('refuses a move whose expected target is stale, writing nothing', async () => {
      await store.labels.set(change(null, '1'));
      await store.labels.set(change('1', '2'));
      expect(await store.labels.set(change(null, '3'))).toBeNull();
      expect(await store.labels.set(change('1', '3'))).toBeNull();
      // a label that does not exist cannot be moved "from" anything
      expect(await store.labels.set(change('1', '3', { label: 'staging' }))).toBeNull();
      expect((await store.labels.get(A, 'prompt', 'support/answer', 'production'))?.target).toBe('2');
      expect(await store.labels.get(A, 'prompt', 'support/answer', 'staging')).toBeNull();
      expect(await store.labels.history(A, 'prompt', 'support/answer', { limit: 10 })).toHaveLength(2);
    });

    it('lets exactly one of many concurrent moves from the same target win', async () => {
      const stores = [store, ...Array.from({ length: context.openAnother ? 2 : 0 }, open)];
      function open(): MetadataStore {
        const other = (context.openAnother as () => MetadataStore)();
        others.push(other);
        return other;
      }
      await Promise.all(stores.slice(1).map((s) => s.migrate()));
      await store.labels.set(change(null, '1'));
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (stores[i % stores.length] as typeof store).labels.set(change('1', String(10 + i))),
        ),
      );
      const winners = results.filter((r) => r !== null);
      expect(winners).toHaveLength(1);
      const current = await store.labels.get(A, 'prompt', 'support/answer', 'production');
      expect(current?.target).toBe(winners[0]?.target);
      const history = await store.labels.history(A, 'prompt', 'support/answer', { limit: 20 });
      expect(history.map((m) => [m.from, m.to])).toEqual([
        ['1', winners[0]?.target],
        [null, '1'],
      ]);

      // the same for a label being created by several movers at once
      const creations = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          (stores[i % stores.length] as typeof store).labels.set(change(null, String(i), { label: 'new' })),
        ),
      );
      expect(creations.filter((r) => r !== null)).toHaveLength(1);
    });

    it('keeps subjects, names and tenants apart, and lists labels by name then label', async () => {
      await store.labels.set(change(null, '1'));
      await store.labels.set(change(null, '2', { label: 'staging' }));
      await store.labels.set(change(null, '5', { name: 'alpha' }));
      await store.labels.set(change(null, '3', { subject: 'model', name: 'support/answer' }));
      await store.labels.set(change(null, 'rel_abc', { subject: 'release', name: '' }));
      await store.labels.set(change(null, '9', { tenantId: B }));

      expect((await store.labels.list(A, 'prompt')).map((l) => [l.name, l.label, l.target])).toEqual([
        ['alpha', 'production', '5'],
        ['support/answer', 'production', '1'],
        ['support/answer', 'staging', '2'],
      ]);
      expect((await store.labels.list(A, 'prompt', 'support/answer')).map((l) => l.label)).toEqual([
        'production',
        'staging',
      ]);
      expect((await store.labels.get(A, 'model', 'support/answer', 'production'))?.target).toBe('3');
      expect((await store.labels.get(A, 'release', '', 'production'))?.target).toBe('rel_abc');
      expect((await store.labels.get(B, 'prompt', 'support/answer', 'production'))?.target).toBe('9');
      expect(await store.labels.list(B, 'prompt', 'alpha')).toEqual([]);
      expect(await store.labels.history(B, 'prompt', 'alpha', { limit: 5 })).toEqual([]);
      expect(
        (await store.labels.history(A, 'prompt', 'support/answer', { limit: 5, label: 'staging' })).map(
          (m) => m.to,
        ),
      ).toEqual(['2']);
    });

    it('pages the history newest first', async () => {
      await store.labels.set(change(null, '1'));
      for (let v = 2; v <= 5; v++) await store.labels.set(change(String(v - 1), String(v)));
      const first = await store.labels.history(A, 'prompt', 'support/answer', { limit: 2 });
      expect(first.map((m) => m.to)).toEqual(['5', '4']);
      const next = await store.labels.history(A, 'prompt', 'support/answer', {
        limit: 10,
        before: first.at(-1)?.id,
      });
      expect(next.map((m) => m.to)).toEqual(['3', '2', '1']);
      await expect(store.labels.history(A, 'prompt', 'support/answer', { limit: 0 })).rejects.toThrow(
        RangeError,
      );
    });

    it('rejects an unknown tenant', async () => {
      await expect(store.labels.set(change(null, '1', { tenantId: 'ghost' }))).rejects.toThrow(
        /unknown tenant/,
      );
    });

    it('never rewrites or deletes a recorded move, even through raw SQL', async () => {
      await store.labels.set(change(null, '1'));
      await expect(context.rawExecute(`UPDATE label_moves SET to_target = '7'`)).rejects.toThrow(
        /label moves are append-only/,
      );
      await expect(context.rawExecute('DELETE FROM label_moves')).rejects.toThrow(
        /label moves are append-only/,
      );
      const [move] = await store.labels.history(A, 'prompt', 'support/answer', { limit: 1 });
      expect([move?.from, move?.to]).toEqual([null, '1']);
    });
  });
}
