import { APIConnectionError, BadRequestError, NotFoundError, Ragline } from '@ragline/sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADMIN_KEY, startSocketServer } from './support/test-server.js';

/**
 * The SDK's prompts resource against a real server on a socket: its schemas accept what the server
 * answers, and its cache keeps serving prompts after the server is stopped.
 */

let server: Awaited<ReturnType<typeof startSocketServer>> | undefined;
let app: Ragline;
let deployer: Ragline;

const NAME = 'support/answer';

beforeAll(async () => {
  server = await startSocketServer();
  const admin = new Ragline({ baseURL: server.url, apiKey: ADMIN_KEY });
  const { key } = await admin.keys.create({ tenant: 'acme' });
  // the application reads prompts; a second client (a CI job) pushes and labels them
  app = new Ragline({ baseURL: server.url, apiKey: key, maxRetries: 0, timeout: 2_000 });
  deployer = new Ragline({ baseURL: server.url, apiKey: key, maxRetries: 0 });
});
afterAll(async () => {
  await server?.close();
});

describe('SDK prompts resource', () => {
  it('creates, labels, lists, renders and diffs', async () => {
    const v1 = await deployer.prompts.create(NAME, {
      template: 'Hello {{name}}',
      variables: { properties: { name: { type: 'string' } }, required: ['name'] },
      message: 'first',
    });
    expect(v1).toMatchObject({ name: NAME, version: 1, created: true, labels: ['latest'] });
    expect(
      (await deployer.prompts.create(NAME, { template: 'Hello {{name}}', variables: v1.variables })).created,
    ).toBe(false);
    const moved = await deployer.prompts.label(NAME, 'production', 1);
    expect(moved).toMatchObject({
      version: 1,
      previousVersion: null,
      moved: true,
      decision: { allowed: true },
    });

    const rendered = await app.prompts.render(NAME, { label: 'production', variables: { name: 'Ada' } });
    expect(rendered).toEqual({
      prompt: { name: NAME, version: 1 },
      kind: 'text',
      text: 'Hello Ada',
      messages: null,
      model: null,
    });
    const bad = app.prompts.render(NAME, { variables: { name: 7 } });
    await expect(bad).rejects.toBeInstanceOf(BadRequestError);
    await expect(bad).rejects.toMatchObject({
      details: { issues: [{ field: 'variables.name', message: 'must be a string (got an integer)' }] },
    });
    await expect(deployer.prompts.label(NAME, 'latest', 1)).rejects.toBeInstanceOf(BadRequestError);
    await expect(app.prompts.get('nope', { cache: false })).rejects.toBeInstanceOf(NotFoundError);

    await deployer.prompts.create(NAME, {
      messages: [
        { role: 'system', content: 'Greet {{name}}.' },
        { role: 'placeholder', name: 'history' },
      ],
      variables: v1.variables,
      model: 'chat-default',
    });
    expect((await app.prompts.list()).data).toEqual([
      { name: NAME, latestVersion: 2, labels: { production: 1 }, updatedAt: expect.any(String) },
    ]);
    expect((await app.prompts.versions(NAME)).data.map((v) => v.kind)).toEqual(['text', 'chat']);
    const diff = await app.prompts.diff(NAME, { from: 'production', to: 2 });
    expect(diff).toMatchObject({
      from: 1,
      to: 2,
      kind: { from: 'text', to: 'chat' },
      model: { changed: true },
    });
    expect((await app.prompts.history(NAME)).data).toHaveLength(1);
  });

  it('serves a label from the cache and picks up a move in the background', async () => {
    expect((await app.prompts.get(NAME, { label: 'production', cacheTtlMs: 0 })).version).toBe(1);
    await deployer.prompts.label(NAME, 'production', 2);
    // stale-while-revalidate: this call still answers from the cache, and starts a refresh
    expect((await app.prompts.get(NAME, { label: 'production', cacheTtlMs: 0 })).version).toBe(1);
    await vi.waitFor(async () => {
      expect((await app.prompts.get(NAME, { label: 'production', cacheTtlMs: 0 })).version).toBe(2);
    });
  });

  it('keeps serving cached prompts after the server is stopped, and the fallback for the rest', async () => {
    const cached = await app.prompts.get(NAME, { label: 'production', cacheTtlMs: 0 });
    expect(cached).toMatchObject({ version: 2, kind: 'chat', isFallback: false });
    await server?.close();
    server = undefined;

    for (let i = 0; i < 3; i++) {
      // each call finds the copy stale and tries to refresh it; the failures never reach the caller
      expect(await app.prompts.get(NAME, { label: 'production', cacheTtlMs: 0 })).toEqual(cached);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await expect(app.prompts.get(NAME, { label: 'staging' })).rejects.toBeInstanceOf(APIConnectionError);
    expect(
      await app.prompts.get(NAME, { label: 'staging', fallback: { template: 'Hello {{name}} (offline)' } }),
    ).toMatchObject({ version: 0, kind: 'text', template: 'Hello {{name}} (offline)', isFallback: true });
    await expect(app.prompts.render(NAME, { variables: { name: 'Ada' } })).rejects.toBeInstanceOf(
      APIConnectionError,
    );
  });
});
