import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLibsqlMetadataStore } from '../../adapters/metadata-store/libsql-metadata-store.js';
import { createMemoryVectorStore } from '../../adapters/vector-store/memory-vector-store.js';
import { ApiError } from '../../core/api-error.js';
import { randomIds } from '../../core/ids.js';
import { createKeyedMutex } from '../../core/keyed-mutex.js';
import { type AppDeps, defaultChunking, defaultLimits } from '../../deps.js';
import type { Principal } from '../../middleware/auth/index.js';
import { evalRunFixture } from '../../ports/eval-run-document.fixture.js';
import { silentLogger } from '../../ports/logger.js';
import type { ReleasePins } from '../../ports/registry-repositories.js';
import type { ChunkRecord, CollectionRef } from '../../ports/vector-store.js';
import { completionOf } from '../evals/run-completion.js';
import { queryCollection } from '../retrieve/query-collection.js';
import { type CreateReleaseInput, createRelease } from './create-release.js';
import { releaseIdOf } from './release-id.js';
import { resolveRelease, routeForModelPin } from './resolve-release.js';
import { setReleaseLabel } from './set-release-label.js';

const T = 'acme';
const principal: Principal = {
  keyId: 'key_1',
  tenantId: T,
  admin: false,
  allowedModels: null,
  rpmLimit: null,
  tpmLimit: null,
};

let deps: AppDeps;
let ref: CollectionRef;
let tick = 0;

function chunk(documentId: string, text: string): ChunkRecord {
  return {
    id: `${documentId}#0`,
    documentId,
    chunkIndex: 0,
    text,
    metadata: {},
    headingPath: [],
    start: 0,
    end: text.length,
  };
}

async function prompt(template: string) {
  return deps.metadata.prompts.append({
    tenantId: T,
    name: 'answer',
    kind: 'text',
    template,
    variables: { type: 'object', properties: {}, required: [] },
    modelConfig: null,
    message: null,
    contentHash: `hash:${template}`,
    createdAt: '2026-05-01T00:00:00.000Z',
    createdBy: null,
  });
}

async function route(target: string) {
  return deps.metadata.routes.append({
    tenantId: T,
    name: 'chat',
    definition: { name: 'chat', strategy: 'single', targets: [{ ref: target }] },
    createdAt: '2026-05-01T00:00:00.000Z',
    createdBy: null,
  });
}

const base = (): CreateReleaseInput => ({
  prompt: { name: 'answer', version: 1 },
  model: { route: 'chat' },
  retrieval: { collection: 'handbook', topK: 8 },
});

beforeEach(async () => {
  const metadata = createLibsqlMetadataStore({ url: ':memory:' });
  await metadata.migrate();
  await metadata.tenants.ensure(T);
  deps = {
    metadata,
    vectors: createMemoryVectorStore(),
    embedders: new Map(),
    // Distinct, increasing times, so "newest first" is well defined.
    clock: { now: () => new Date(Date.UTC(2026, 4, 1, 0, 0, tick++)) },
    ids: randomIds,
    logger: silentLogger,
    limits: defaultLimits,
    chunking: defaultChunking,
    version: 'test',
    writeLocks: createKeyedMutex(),
  };
  const now = '2026-05-01T00:00:00.000Z';
  await metadata.collections.insert({
    id: 'col_handbook',
    tenantId: T,
    name: 'handbook',
    embedder: null,
    embeddingModel: null,
    dimensions: null,
    description: null,
    createdAt: now,
    updatedAt: now,
  });
  ref = { tenantId: T, key: 'col_handbook', dimensions: null };
  await deps.vectors.ensureCollection(ref);
  await deps.vectors.replaceDocuments(
    ref,
    ['refunds'],
    [chunk('refunds', 'Refunds are accepted within 30 days.')],
  );
  await prompt('Answer from {{context}}: {{question}}');
  await route('openai');
});
afterEach(async () => {
  await deps.metadata.close();
});

describe('release ids', () => {
  it('same pins give the same release, whatever the key order and whether defaults are spelled out', async () => {
    const first = await createRelease(deps, principal, base());
    expect(first.created).toBe(true);
    expect(first.release.id).toMatch(/^rel_[0-9a-f]{24}$/);
    expect(first.release.pins).toEqual({
      prompt: { name: 'answer', version: 1 },
      model: { route: 'chat', routeVersion: 1, source: 'tenant' },
      retrieval: { collection: 'handbook', mode: 'lexical', topK: 8 },
      collection: { name: 'handbook', version: await deps.vectors.currentVersion(ref), id: 'col_handbook' },
    });
    const spelledOut: CreateReleaseInput = {
      collection: { version: first.release.pins.collection.version, name: 'handbook' },
      retrieval: { topK: 8, mode: 'lexical', collection: 'handbook' },
      model: { routeVersion: 1, route: 'chat' },
      prompt: { version: 1, name: 'answer' },
    };
    const again = await createRelease(deps, principal, spelledOut);
    expect(again).toEqual({ release: first.release, created: false });
    expect(await releaseIdOf({ ...first.release.pins })).toBe(first.release.id);
    expect((await deps.metadata.releases.list(T, { limit: 10 })).length).toBe(1);
  });

  it('any changed pin gives another release', async () => {
    const original = (await createRelease(deps, principal, base())).release;
    await prompt('Say: {{question}}');
    await route('vllm-1');
    const variants: CreateReleaseInput[] = [
      { ...base(), prompt: { name: 'answer', version: 2 } },
      { ...base(), model: { route: 'chat', routeVersion: 2 } },
      { ...base(), retrieval: { collection: 'handbook', topK: 9 } },
      { ...base(), retrieval: { collection: 'handbook', topK: 8, filter: { lang: 'en' } } },
    ];
    const ids = new Set([original.id]);
    for (const variant of variants) {
      const { release, created } = await createRelease(deps, principal, variant);
      expect(created).toBe(true);
      ids.add(release.id);
    }
    // A new collection version (a write) is a new release too.
    await deps.vectors.replaceDocuments(
      ref,
      ['refunds'],
      [chunk('refunds', 'Refunds are accepted within 60 days.')],
    );
    ids.add((await createRelease(deps, principal, base())).release.id);
    expect(ids.size).toBe(variants.length + 2);
  });

  it('a release without a model pins model: null, hashes apart from every model, and is found again', async () => {
    const { model: _model, ...withoutModel } = base();
    const omitted = await createRelease(deps, principal, withoutModel);
    expect(omitted.created).toBe(true);
    expect(omitted.release.pins).toMatchObject({ prompt: { name: 'answer', version: 1 }, model: null });
    // The key is kept (not left out), so the canonical JSON says "no model" explicitly.
    expect(Object.keys(omitted.release.pins)).toContain('model');
    const explicitNull = await createRelease(deps, principal, { ...base(), model: null });
    expect(explicitNull).toEqual({ release: omitted.release, created: false });
    expect(await releaseIdOf(omitted.release.pins)).toBe(omitted.release.id);
    const { model: _null, ...keyLeftOut } = omitted.release.pins;
    expect(await releaseIdOf(keyLeftOut as ReleasePins)).not.toBe(omitted.release.id);

    const withModel = await createRelease(deps, principal, base());
    expect(withModel.created).toBe(true);
    expect(withModel.release.id).not.toBe(omitted.release.id);
    // Every other pin the same: only the model tells them apart.
    expect({ ...withModel.release.pins, model: null }).toEqual(omitted.release.pins);

    // Another pin changed without a model: another extractive release.
    const otherTopK = await createRelease(deps, principal, {
      ...withoutModel,
      retrieval: { collection: 'handbook', topK: 3 },
    });
    expect(otherTopK.created).toBe(true);
    expect(new Set([omitted, withModel, otherTopK].map((r) => r.release.id)).size).toBe(3);
    expect((await resolveRelease(deps, T, omitted.release.id)).pins.model).toBeNull();
  });

  it('resolves a prompt label and an omitted route version to what they name at creation', async () => {
    await prompt('v2 {{question}}');
    await deps.metadata.labels.set({
      tenantId: T,
      subject: 'prompt',
      name: 'answer',
      label: 'production',
      expected: null,
      target: '2',
      at: '2026-05-01T00:00:00.000Z',
      by: null,
      decision: { allowed: true, reason: 'test', checks: [] },
    });
    await route('vllm-1');
    const { release } = await createRelease(deps, principal, {
      ...base(),
      prompt: { name: 'answer', label: 'production' },
    });
    expect(release.pins.prompt).toEqual({ name: 'answer', version: 2 });
    expect(release.pins.model).toEqual({ route: 'chat', routeVersion: 2, source: 'tenant' });
  });
});

describe('pins that do not exist', () => {
  const failure = async (input: CreateReleaseInput) => {
    const error = await createRelease(deps, principal, input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  };

  it('answers 404 or 400 naming the pin, and stores nothing', async () => {
    const cases: [CreateReleaseInput, number, RegExp][] = [
      [{ ...base(), prompt: { name: 'missing', version: 1 } }, 404, /prompt "missing" does not exist/],
      [{ ...base(), prompt: { name: 'answer', version: 7 } }, 404, /prompt "answer" has no version 7/],
      [{ ...base(), prompt: { name: 'answer', label: 'prod' } }, 404, /prompt "answer" has no label "prod"/],
      [{ ...base(), model: { route: 'nope' } }, 404, /^model\.route: route "nope" does not exist/],
      [{ ...base(), model: { route: 'chat', routeVersion: 5 } }, 404, /^model\.routeVersion: .*no version 5/],
      [{ ...base(), model: { name: 'sql-assistant' } }, 404, /model "sql-assistant" does not exist/],
      [{ ...base(), retrieval: { collection: 'nope', topK: 8 } }, 404, /collection "nope" does not exist/],
      [{ ...base(), collection: { version: '999' } }, 404, /^collection\.version: .*no version 999/],
      [
        { ...base(), collection: { name: 'other' } },
        400,
        /^collection\.name: must be the retrieval collection/,
      ],
      [
        { ...base(), retrieval: { collection: 'handbook', topK: 8, mode: 'hybrid' } },
        400,
        /^retrieval\.mode: "hybrid" needs vectors/,
      ],
      [
        {
          ...base(),
          retrieval: { collection: 'handbook', topK: 8, fusion: { k: 1, denseWeight: 1, lexicalWeight: 1 } },
        },
        400,
        /^retrieval\.fusion: only used by mode "hybrid"/,
      ],
      [
        { ...base(), retrieval: { collection: 'handbook', topK: 8, filter: { $or: 'x' } } },
        400,
        /^retrieval\.filter\.\$or: /,
      ],
    ];
    for (const [input, status, message] of cases) {
      const error = await failure(input);
      expect([error.status, error.message]).toEqual([status, expect.stringMatching(message)]);
    }
    expect(await deps.metadata.releases.list(T, { limit: 10 })).toEqual([]);
  });
});

describe('pinned collection versions', () => {
  const search = async (version?: string) =>
    queryCollection(
      deps,
      (await deps.metadata.collections.getByName(T, 'handbook')) as NonNullable<
        Awaited<ReturnType<typeof deps.metadata.collections.getByName>>
      >,
      { query: 'refunds days', topK: 3, ...(version !== undefined && { version }) },
    );

  it('answer with the pinned contents after new writes, and stay readable while newer ones are cleaned up', async () => {
    const { release } = await createRelease(deps, principal, base());
    const pinned = release.pins.collection.version;
    const unpinned: string[] = [];
    for (let n = 0; n < 12; n++) {
      await deps.vectors.replaceDocuments(
        ref,
        ['refunds'],
        [chunk('refunds', `Refunds are accepted within ${60 + n} days.`)],
      );
      unpinned.push(await deps.vectors.currentVersion(ref));
    }
    expect((await search(pinned)).results.map((r) => r.text)).toEqual([
      'Refunds are accepted within 30 days.',
    ]);
    expect((await search()).results.map((r) => r.text)).toEqual(['Refunds are accepted within 71 days.']);
    // The memory store keeps a few recent versions; older unpinned ones are gone, with a 404 naming them.
    const error = await search(unpinned[0]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(404);
    expect((error as ApiError).message).toMatch(
      `version ${unpinned[0]} of collection "handbook" does not exist`,
    );
  });

  it('a second release keeps the first one’s version retained', async () => {
    const first = (await createRelease(deps, principal, base())).release;
    for (let n = 0; n < 10; n++) {
      await deps.vectors.replaceDocuments(ref, ['refunds'], [chunk('refunds', `edition ${n}`)]);
    }
    const second = (await createRelease(deps, principal, base())).release;
    expect(second.id).not.toBe(first.id);
    for (let n = 0; n < 10; n++) {
      await deps.vectors.replaceDocuments(ref, ['refunds'], [chunk('refunds', `later edition ${n}`)]);
    }
    expect((await search(first.pins.collection.version)).results[0]?.text).toBe(
      'Refunds are accepted within 30 days.',
    );
    const edition = await deps.vectors.query(ref, {
      mode: 'lexical',
      text: 'edition',
      topK: 1,
      version: second.pins.collection.version,
    });
    expect(edition.map((h) => h.text)).toEqual(['edition 9']);
  });
});

describe('release labels', () => {
  it('move, roll back, and keep every move with its decision', async () => {
    const r1 = (await createRelease(deps, principal, base())).release;
    const r2 = (
      await createRelease(deps, principal, { ...base(), retrieval: { collection: 'handbook', topK: 3 } })
    ).release;
    // `production` is gated: each release gets a passing eval run first (services/evals/promotion-gate).
    for (const [i, release] of [r1, r2].entries()) {
      await deps.metadata.evalRuns.insert(
        {
          tenantId: T,
          id: `evr_${i}`,
          source: 'recorded',
          suiteName: 'smoke',
          targetKind: 'release',
          targetId: release.id,
          createdAt: '2026-05-01T00:00:00.000Z',
          createdBy: 'key_1',
          progressTotal: 5,
        },
        completionOf(evalRunFixture({ contentHash: release.id }), '2026-05-01T00:00:00.000Z'),
      );
    }
    const first = await setReleaseLabel(deps, principal, 'production', r1.id);
    expect([first.moved, first.previous, first.label.target]).toEqual([true, null, r1.id]);
    expect(first.decision?.allowed).toBe(true);
    await setReleaseLabel(deps, principal, 'staging', r2.id);
    // Promote what staging points at.
    const promoted = await setReleaseLabel(deps, principal, 'production', 'staging');
    expect([promoted.previous, promoted.label.target]).toEqual([r1.id, r2.id]);
    expect((await resolveRelease(deps, T, 'production')).id).toBe(r2.id);
    expect((await resolveRelease(deps, T, r2.id)).labels.sort()).toEqual(['production', 'staging']);

    const rollback = await setReleaseLabel(deps, principal, 'production', r1.id);
    expect([rollback.previous, rollback.label.target]).toEqual([r2.id, r1.id]);
    expect((await resolveRelease(deps, T, 'production')).pins).toEqual(r1.pins);
    const unchanged = await setReleaseLabel(deps, principal, 'production', r1.id);
    expect([unchanged.moved, unchanged.decision]).toEqual([false, null]);

    const history = await deps.metadata.labels.history(T, 'release', '', { label: 'production', limit: 10 });
    expect(history.map((m) => [m.from, m.to, m.by])).toEqual([
      [r2.id, r1.id, 'key_1'],
      [r1.id, r2.id, 'key_1'],
      [null, r1.id, 'key_1'],
    ]);
    expect(history.every((m) => m.decision.allowed)).toBe(true);
  });

  it('refuses a reserved or malformed label, and unknown releases, naming them', async () => {
    const r1 = (await createRelease(deps, principal, base())).release;
    await expect(setReleaseLabel(deps, principal, 'labels', r1.id)).rejects.toThrow(/reserved/);
    await expect(setReleaseLabel(deps, principal, 'latest', r1.id)).rejects.toThrow(/latest/);
    await expect(setReleaseLabel(deps, principal, 'Prod!', r1.id)).rejects.toThrow(/^label: /);
    await expect(
      setReleaseLabel(deps, principal, 'production', 'rel_000000000000000000000000'),
    ).rejects.toThrow(/release "rel_000000000000000000000000" does not exist/);
    await expect(resolveRelease(deps, T, 'production')).rejects.toThrow(
      /no release is labelled "production"/,
    );
    await expect(resolveRelease(deps, 'other-tenant', r1.id)).rejects.toThrow(/does not exist/);
  });
});

describe('routeForModelPin', () => {
  it('a route pin resolves to the pinned route version, not the current one', async () => {
    await route('vllm-1');
    const pinned = await routeForModelPin(deps, T, { route: 'chat', routeVersion: 1, source: 'tenant' });
    expect(pinned).toEqual({
      name: 'chat',
      version: 1,
      route: { name: 'chat', strategy: 'single', targets: [{ ref: 'openai' }] },
    });
    await expect(
      routeForModelPin(deps, T, { route: 'chat', routeVersion: 9, source: 'tenant' }),
    ).rejects.toThrow(/route "chat" version 9, which does not exist/);
  });

  it('a model pin resolves through its spec: a route version, or one pool with a LoRA adapter', async () => {
    const common = {
      tenantId: T,
      lineage: {},
      message: null,
      createdAt: '2026-05-01T00:00:00.000Z',
      createdBy: null,
    };
    await deps.metadata.models.append({
      ...common,
      name: 'sql-assistant',
      spec: { pool: 'llama-pool', baseModel: 'meta-llama/Llama-3.1-8B-Instruct', adapter: 'sql-lora' },
    });
    await deps.metadata.models.append({
      ...common,
      name: 'sql-assistant',
      spec: { route: 'chat', routeVersion: 1, source: 'tenant' },
    });
    expect(await routeForModelPin(deps, T, { name: 'sql-assistant', version: 1 })).toEqual({
      name: 'sql-assistant',
      version: 1,
      route: {
        name: 'sql-assistant',
        strategy: 'single',
        targets: [{ ref: 'llama-pool', adapter: 'sql-lora' }],
      },
    });
    expect(await routeForModelPin(deps, T, { name: 'sql-assistant', version: 2 })).toMatchObject({
      name: 'chat',
      version: 1,
      route: { targets: [{ ref: 'openai' }] },
    });
    await expect(routeForModelPin(deps, T, { name: 'sql-assistant', version: 3 })).rejects.toThrow(
      /model "sql-assistant" has no version 3/,
    );
  });
});
