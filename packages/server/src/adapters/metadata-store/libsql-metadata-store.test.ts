import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { afterEach, describe, expect, it } from 'vitest';
import { runBudgetRepositoryContract } from '../../ports/budget-repository.contract.js';
import { runEvalRepositoriesContract } from '../../ports/eval-repositories.contract.js';
import { runLabelRepositoryContract } from '../../ports/label-repository.contract.js';
import { runLedgerRepositoryContract } from '../../ports/ledger-repository.contract.js';
import { runMetadataStoreContract } from '../../ports/metadata-store.contract.js';
import { runModelRepositoryContract } from '../../ports/model-repository.contract.js';
import { runPriceRepositoryContract } from '../../ports/price-repository.contract.js';
import { runPromptRepositoryContract } from '../../ports/prompt-repository.contract.js';
import { runReleaseRepositoryContract } from '../../ports/release-repository.contract.js';
import { createLibsqlMetadataStore } from './libsql-metadata-store.js';
import { migrations } from './migrations.generated.js';

runMetadataStoreContract('libsql :memory:', async () => ({
  store: createLibsqlMetadataStore({ url: ':memory:' }),
  cleanup: async () => {},
}));

runMetadataStoreContract('libsql file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ragline-meta-'));
  return {
    store: createLibsqlMetadataStore({ url: `file:${join(dir, 'meta.db')}` }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

runPriceRepositoryContract('libsql :memory:', async () => {
  const client = createClient({ url: ':memory:' });
  return {
    store: createLibsqlMetadataStore({ client }),
    rawExecute: (sql) => client.execute(sql),
    cleanup: async () => client.close(),
  };
});

runPriceRepositoryContract('libsql file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ragline-meta-'));
  const url = `file:${join(dir, 'meta.db')}`;
  const client = createClient({ url });
  return {
    store: createLibsqlMetadataStore({ url }),
    rawExecute: (sql) => client.execute(sql),
    openAnother: () => createLibsqlMetadataStore({ url }),
    cleanup: async () => {
      client.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

runLedgerRepositoryContract('libsql :memory:', async () => {
  const client = createClient({ url: ':memory:' });
  return {
    store: createLibsqlMetadataStore({ client }),
    rawExecute: (sql) => client.execute(sql),
    cleanup: async () => client.close(),
  };
});

for (const ledgerWrites of ['main-thread', 'worker-thread'] as const) {
  runLedgerRepositoryContract(`libsql file, ledger on the ${ledgerWrites}`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ragline-meta-'));
    const url = `file:${join(dir, 'meta.db')}`;
    const client = createClient({ url });
    return {
      store: createLibsqlMetadataStore({ url, ledgerWrites }),
      rawExecute: (sql) => client.execute(sql),
      cleanup: async () => {
        client.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  });
}

runBudgetRepositoryContract('libsql :memory:', async () => ({
  store: createLibsqlMetadataStore({ url: ':memory:' }),
  cleanup: async () => {},
}));

runBudgetRepositoryContract('libsql file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ragline-meta-'));
  return {
    store: createLibsqlMetadataStore({ url: `file:${join(dir, 'meta.db')}` }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

runEvalRepositoriesContract('libsql :memory:', async () => ({
  store: createLibsqlMetadataStore({ url: ':memory:' }),
  cleanup: async () => {},
}));

runEvalRepositoriesContract('libsql file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ragline-meta-'));
  return {
    store: createLibsqlMetadataStore({ url: `file:${join(dir, 'meta.db')}` }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

for (const [label, runContract] of [
  ['prompts', runPromptRepositoryContract],
  ['labels', runLabelRepositoryContract],
  ['models', runModelRepositoryContract],
  ['releases', runReleaseRepositoryContract],
] as const) {
  runContract(`libsql :memory: (${label})`, async () => {
    const client = createClient({ url: ':memory:' });
    return {
      store: createLibsqlMetadataStore({ client }),
      rawExecute: (sql) => client.execute(sql),
      cleanup: async () => client.close(),
    };
  });

  runContract(`libsql file (${label})`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ragline-meta-'));
    const url = `file:${join(dir, 'meta.db')}`;
    const client = createClient({ url });
    return {
      store: createLibsqlMetadataStore({ url }),
      rawExecute: (sql) => client.execute(sql),
      openAnother: () => createLibsqlMetadataStore({ url }),
      cleanup: async () => {
        client.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  });
}

describe('createLibsqlMetadataStore', () => {
  const dirs: string[] = [];
  const tempDb = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ragline-meta-'));
    dirs.push(dir);
    return `file:${join(dir, 'meta.db')}`;
  };
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('puts a file database in WAL mode and records the applied migrations', async () => {
    const url = await tempDb();
    const store = createLibsqlMetadataStore({
      url,
      clock: { now: () => new Date('2026-05-01T12:00:00.000Z') },
    });
    await store.migrate();
    await store.close();

    const raw = createClient({ url });
    try {
      expect((await raw.execute('PRAGMA journal_mode')).rows[0]?.journal_mode).toBe('wal');
      const applied = await raw.execute(
        'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
      );
      expect(applied.rows.map((r) => ({ ...r }))).toEqual(
        migrations.map((m) => ({ version: m.version, name: m.name, applied_at: '2026-05-01T12:00:00.000Z' })),
      );
      expect(applied.rows.slice(0, 3).map((r) => r.name)).toEqual([
        'initial',
        'gateway-routes',
        'api-key-allowed-models',
      ]);
    } finally {
      raw.close();
    }
  });

  it('stamps a new tenant with the injected clock', async () => {
    const store = createLibsqlMetadataStore({
      url: ':memory:',
      clock: { now: () => new Date(Date.UTC(2030, 0, 2)) },
    });
    await store.migrate();
    expect(await store.tenants.ensure('t')).toEqual({ id: 't', createdAt: '2030-01-02T00:00:00.000Z' });
    await store.close();
  });

  it('keeps data across reopening a file database', async () => {
    const url = await tempDb();
    const first = createLibsqlMetadataStore({ url });
    await first.migrate();
    await first.tenants.ensure('t');
    await first.close();
    const second = createLibsqlMetadataStore({ url });
    await second.migrate();
    expect((await second.tenants.get('t'))?.id).toBe('t');
    await second.close();
  });

  it('two stores migrating one file at the same time both succeed, applying each migration once', async () => {
    const url = await tempDb();
    const stores = Array.from({ length: 3 }, () => createLibsqlMetadataStore({ url }));
    await Promise.all(stores.map((store) => store.migrate()));
    await stores[0]?.tenants.ensure('t');
    expect((await stores[2]?.tenants.get('t'))?.id).toBe('t');
    await Promise.all(stores.map((store) => store.close()));
    const raw = createClient({ url });
    try {
      expect((await raw.execute('SELECT COUNT(*) AS n FROM schema_migrations')).rows[0]?.n).toBe(
        migrations.length,
      );
    } finally {
      raw.close();
    }
  });

  it('refuses to rewrite a stored route version, even with raw SQL', async () => {
    const url = await tempDb();
    const store = createLibsqlMetadataStore({ url });
    await store.migrate();
    await store.tenants.ensure('t');
    const v1 = await store.routes.append({
      tenantId: 't',
      name: 'chat',
      definition: { name: 'chat', strategy: 'single', targets: [{ ref: 'a' }] },
      createdAt: '2026-05-01T12:00:00.000Z',
      createdBy: null,
    });
    const raw = createClient({ url });
    try {
      await expect(
        raw.execute("UPDATE route_versions SET definition = '{}' WHERE name = 'chat'"),
      ).rejects.toThrow(/route versions are immutable/);
    } finally {
      raw.close();
    }
    expect(await store.routes.getVersion('t', 'chat', 1)).toEqual(v1);
    await store.close();
  });

  it('leaves a client it was given open on close', async () => {
    const client = createClient({ url: ':memory:' });
    const store = createLibsqlMetadataStore({ client });
    await store.migrate();
    await store.tenants.ensure('t');
    await store.close();
    expect(client.closed).toBe(false);
    expect((await client.execute("SELECT id FROM tenants WHERE id = 't'")).rows).toHaveLength(1);
    client.close();
  });

  it('closes a client it created', async () => {
    const store = createLibsqlMetadataStore({ url: ':memory:' });
    await store.migrate();
    await store.close();
    await expect(store.tenants.get('t')).rejects.toThrow(/closed/i);
  });

  it('keeps the ledger on the main connection for :memory: (a second connection would open another, empty database)', async () => {
    const store = createLibsqlMetadataStore({ url: ':memory:' });
    await store.migrate();
    const record = {
      tenantId: 't',
      id: 'req_1',
      requestId: 'req_1',
      keyId: null,
      kind: 'chat',
      route: null,
      routeVersion: null,
      target: null,
      targetKind: null,
      model: 'm',
      promptVersion: null,
      releaseId: null,
      inputTokens: 3,
      cachedInputTokens: 0,
      outputTokens: 4,
      reasoningTokens: 0,
      usageSource: 'upstream',
      estimateMethod: null,
      gpuBusyUs: null,
      stream: false,
      outcome: 'ok',
      startedAtMs: 1_000,
      durationMs: 1,
      costMicros: 70,
      priceVersion: null,
      costBasis: 'unpriced',
    } as const;
    expect(await store.ledger.append([record])).toBe(1);
    expect(await store.ledger.spentMicros({ tenantId: 't', fromMs: 0, toMs: 2_000 })).toBe(70);
    await store.close();
  });

  it('rejects a non-positive page size instead of returning everything', async () => {
    const store = createLibsqlMetadataStore({ url: ':memory:' });
    await store.migrate();
    await expect(store.documents.list('t', 'c', { limit: 0 })).rejects.toThrow(RangeError);
    await expect(store.documents.list('t', 'c', { limit: -1 })).rejects.toThrow(RangeError);
    await store.close();
  });
});
