import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetadataStore } from './metadata-store.js';
import type { PromptVersionRow } from './registry-repositories.js';

export interface PromptRepositoryContractContext {
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

type NewVersion = Omit<PromptVersionRow, 'version'>;

function textVersion(template: string, extra: Partial<NewVersion> = {}): NewVersion {
  return {
    tenantId: A,
    name: 'support/answer',
    kind: 'text',
    template,
    variables: { type: 'object', properties: { question: { type: 'string' } }, required: ['question'] },
    modelConfig: null,
    message: null,
    // the repository compares hashes, it does not compute them: a distinct hash per template here
    contentHash: `hash:${template}`,
    createdAt: T0,
    createdBy: 'key_1',
    ...extra,
  };
}

/** PromptRepository against a real backend: numbering, dedupe of an unchanged latest, immutability. */
export function runPromptRepositoryContract(
  name: string,
  setup: () => Promise<PromptRepositoryContractContext>,
): void {
  describe(`PromptRepository contract: ${name}`, () => {
    let context: PromptRepositoryContractContext;
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
      const chat: NewVersion = {
        ...textVersion('unused'),
        kind: 'chat',
        template: [
          { role: 'system', content: 'You answer about {{product}}. "Quotes" and ünïcødé stay.' },
          { role: 'placeholder', name: 'history' },
          { role: 'user', content: '{{question}}' },
        ],
        variables: {
          type: 'object',
          properties: {
            product: { type: 'string', enum: ['a', 'b'], description: 'which product' },
            question: { type: 'string' },
            docs: {
              type: 'array',
              items: { type: 'object', properties: { title: { type: 'string' } }, required: ['title'] },
            },
          },
          required: ['question'],
        },
        modelConfig: { model: 'chat-default', parameters: { temperature: 0.2, stop: ['\n\n'] } },
        message: 'first chat version',
        contentHash: 'hash:chat',
      };
      const first = await store.prompts.append(textVersion('Hello {{question}}'));
      const second = await store.prompts.append({ ...chat, createdAt: T1 });
      const third = await store.prompts.append(textVersion('Bye {{question}}'));
      expect([first, second, third].map((r) => [r.row.version, r.created])).toEqual([
        [1, true],
        [2, true],
        [3, true],
      ]);
      expect(second.row).toEqual({ ...chat, createdAt: T1, version: 2 });
      expect(await store.prompts.get(A, 'support/answer', 2)).toEqual(second.row);
      expect(await store.prompts.latest(A, 'support/answer')).toEqual(third.row);
      expect((await store.prompts.versions(A, 'support/answer')).map((r) => r.version)).toEqual([1, 2, 3]);

      // another name and another tenant start again at 1
      expect((await store.prompts.append(textVersion('x', { name: 'other' }))).row.version).toBe(1);
      expect((await store.prompts.append(textVersion('x', { tenantId: B }))).row.version).toBe(1);
    });

    it('returns the latest instead of appending when its content is identical', async () => {
      const v1 = await store.prompts.append(textVersion('Hello {{question}}', { message: 'first' }));
      const again = await store.prompts.append(
        textVersion('Hello {{question}}', { message: 'same content, new message', createdAt: T1 }),
      );
      expect(again).toEqual({ row: v1.row, created: false });
      await store.prompts.append(textVersion('Changed'));
      // identical to an older version but not to the latest: a new version (a revert is a change)
      const revert = await store.prompts.append(textVersion('Hello {{question}}'));
      expect([revert.created, revert.row.version]).toEqual([true, 3]);
    });

    it('keeps tenants apart', async () => {
      await store.prompts.append(textVersion('a secret', { name: 'p' }));
      expect(await store.prompts.get(B, 'p', 1)).toBeNull();
      expect(await store.prompts.latest(B, 'p')).toBeNull();
      expect(await store.prompts.versions(B, 'p')).toEqual([]);
      expect(await store.prompts.listNames(B)).toEqual([]);
    });

    it('lists names with their latest version, by name', async () => {
      await store.prompts.append(textVersion('1', { name: 'zeta' }));
      await store.prompts.append(textVersion('1', { name: 'alpha' }));
      await store.prompts.append(textVersion('2', { name: 'alpha', createdAt: T1 }));
      expect(await store.prompts.listNames(A)).toEqual([
        { name: 'alpha', latestVersion: 2, updatedAt: T1 },
        { name: 'zeta', latestVersion: 1, updatedAt: T0 },
      ]);
    });

    it('answers null for what does not exist and rejects an unknown tenant', async () => {
      expect(await store.prompts.get(A, 'nope', 1)).toBeNull();
      expect(await store.prompts.latest(A, 'nope')).toBeNull();
      await expect(store.prompts.append(textVersion('x', { tenantId: 'ghost' }))).rejects.toThrow(
        /unknown tenant/,
      );
    });

    it('gives concurrent writers distinct, contiguous versions, and stores equal content once', async () => {
      const stores = [store, ...Array.from({ length: context.openAnother ? 2 : 0 }, open)];
      function open(): MetadataStore {
        const other = (context.openAnother as () => MetadataStore)();
        others.push(other);
        return other;
      }
      await Promise.all(stores.slice(1).map((s) => s.migrate()));
      const distinct = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (stores[i % stores.length] as MetadataStore).prompts.append(textVersion(`t${i}`)),
        ),
      );
      expect(distinct.map((r) => r.row.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

      const same = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          (stores[i % stores.length] as MetadataStore).prompts.append(textVersion('identical')),
        ),
      );
      expect(same.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(same.map((r) => r.row.version))).toEqual(new Set([9]));
      expect((await store.prompts.versions(A, 'support/answer')).length).toBe(9);
    });

    it('never changes or deletes a stored version, even through raw SQL', async () => {
      const v1 = await store.prompts.append(textVersion('Hello {{question}}'));
      await expect(
        context.rawExecute(`UPDATE prompt_versions SET template = '"Evil"' WHERE version = 1`),
      ).rejects.toThrow(/prompt versions are immutable/);
      await expect(
        context.rawExecute(`UPDATE prompt_versions SET message = 'rewritten' WHERE version = 1`),
      ).rejects.toThrow(/prompt versions are immutable/);
      await expect(context.rawExecute('DELETE FROM prompt_versions')).rejects.toThrow(
        /prompt versions are never deleted/,
      );
      expect(await store.prompts.get(A, 'support/answer', 1)).toEqual(v1.row);
    });
  });
}
