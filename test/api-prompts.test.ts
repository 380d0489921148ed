import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from './support/http.js';
import { ADMIN_KEY, createInProcessServer } from './support/test-server.js';

/** The prompt registry over HTTP, on the real app and embedded stores. */

let server: Awaited<ReturnType<typeof createInProcessServer>>;
let acme: ReturnType<typeof client>;
let other: ReturnType<typeof client>;
let acmeKeyId: string;

const NAME = 'support/answer';
const PATH = `/v1/prompts/${encodeURIComponent(NAME)}`;

const put = (api: ReturnType<typeof client>, path: string, body: unknown) => api.call('PUT', path, body);

beforeAll(async () => {
  server = await createInProcessServer();
  const admin = client(server.fetch, server.baseURL, ADMIN_KEY);
  const acmeKey = (await admin.post('/v1/keys', { tenant: 'acme' })).json;
  acme = client(server.fetch, server.baseURL, acmeKey.key);
  acmeKeyId = acmeKey.id;
  other = client(server.fetch, server.baseURL, (await admin.post('/v1/keys', { tenant: 'other' })).json.key);
});
afterAll(() => server?.close());

describe('prompt versions', () => {
  it('creates versions 1, 2, ...; an unchanged push returns the latest', async () => {
    const first = await acme.post(`${PATH}/versions`, {
      template: 'Answer {{question}} using:\n{{context}}',
      message: 'first draft',
    });
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({
      name: NAME,
      version: 1,
      kind: 'text',
      template: 'Answer {{question}} using:\n{{context}}',
      messages: null,
      variables: {
        type: 'object',
        properties: { context: {}, question: {} },
        required: ['context', 'question'],
      },
      model: null,
      message: 'first draft',
      labels: ['latest'],
      createdBy: acmeKeyId,
      created: true,
    });
    expect(first.json.contentHash).toMatch(/^[0-9a-f]{64}$/);

    const same = await acme.post(`${PATH}/versions`, {
      template: 'Answer {{question}} using:\n{{context}}',
      message: 'pushed again',
    });
    expect(same.status).toBe(200);
    expect(same.json).toMatchObject({ version: 1, message: 'first draft', created: false });

    const second = await acme.post(`${PATH}/versions`, {
      messages: [
        { role: 'system', content: 'Answer from the context only.\n{{context}}' },
        { role: 'placeholder', name: 'history' },
        { role: 'user', content: '{{question}}' },
      ],
      variables: {
        properties: {
          context: { type: 'string' },
          question: { type: 'string', description: 'the user question' },
          tone: { type: 'string', enum: ['brief', 'detailed'] },
        },
        required: ['context', 'question'],
      },
      model: { model: 'chat-default', parameters: { temperature: 0.1 } },
      message: 'chat version',
    });
    expect(second.status).toBe(201);
    expect(second.json).toMatchObject({ version: 2, kind: 'chat', template: null, labels: ['latest'] });

    const versions = await acme.get(`${PATH}/versions`);
    expect(
      versions.json.data.map((v: { version: number; labels: string[] }) => [v.version, v.labels]),
    ).toEqual([
      [1, []],
      [2, ['latest']],
    ]);
  });

  it('refuses bad input with a 400 naming the field', async () => {
    const badTag = await acme.post(`${PATH}/versions`, { template: 'ok\n{{> footer}}' });
    expect(badTag.status).toBe(400);
    expect(badTag.json.error.message).toMatch(/^template: line 2, column 1: partials/);

    const undeclared = await acme.post(`${PATH}/versions`, {
      template: '{{questoin}}',
      variables: { properties: { question: { type: 'string' } } },
    });
    expect(undeclared.status).toBe(400);
    expect(undeclared.json.error.details.issues).toEqual([
      { field: 'template', message: expect.stringContaining('{{questoin}}') },
    ]);

    const badName = await acme.post(`/v1/prompts/${encodeURIComponent('bad name!')}/versions`, {
      template: 'x',
    });
    expect(badName.status).toBe(400);
    expect(badName.json.error.message).toMatch(/^name: /);

    const both = await acme.post(`${PATH}/versions`, {
      template: 'x',
      messages: [{ role: 'user', content: 'y' }],
    });
    expect(both.json.error.message).toMatch(/^template: give either template/);
    expect((await acme.get(`${PATH}/versions`)).json.data).toHaveLength(2);
  });

  it('gets a version by number, label or latest, with 404s that say what is missing', async () => {
    expect((await acme.get(PATH)).json.version).toBe(2);
    expect((await acme.get(`${PATH}?version=1`)).json.version).toBe(1);
    expect((await acme.get(`${PATH}?label=latest`)).json.version).toBe(2);

    const noVersion = await acme.get(`${PATH}?version=9`);
    expect([noVersion.status, noVersion.json.error.message]).toEqual([
      404,
      'prompt "support/answer" has no version 9 (the latest is 2)',
    ]);
    expect((await acme.get(`${PATH}?label=nope`)).json.error.message).toBe(
      'prompt "support/answer" has no label "nope"',
    );
    expect((await acme.get('/v1/prompts/unknown')).json.error).toMatchObject({
      code: 'NOT_FOUND',
      message: 'prompt "unknown" does not exist',
    });
    expect((await acme.get(`${PATH}?version=1&label=latest`)).status).toBe(400);
    expect((await acme.get(`${PATH}?version=zero`)).json.error.message).toMatch(/^version: /);
  });
});

describe('labels', () => {
  it('moves a label forward and back (rollback), keeping every move in the history', async () => {
    const created = await put(acme, `${PATH}/labels/production`, { version: 1 });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({
      name: NAME,
      label: 'production',
      version: 1,
      previousVersion: null,
      moved: true,
      decision: { allowed: true, checks: [] },
      updatedBy: acmeKeyId,
    });
    expect((await put(acme, `${PATH}/labels/production`, { version: 2 })).json).toMatchObject({
      version: 2,
      previousVersion: 1,
    });
    expect((await acme.get(`${PATH}?label=production`)).json).toMatchObject({
      version: 2,
      labels: ['production', 'latest'],
    });

    const rollback = await put(acme, `${PATH}/labels/production`, { version: 1 });
    expect(rollback.json).toMatchObject({ version: 1, previousVersion: 2, moved: true });
    expect((await acme.get(`${PATH}?label=production`)).json.version).toBe(1);

    // already there: nothing moves, nothing is recorded
    expect((await put(acme, `${PATH}/labels/production`, { version: 1 })).json).toMatchObject({
      moved: false,
      decision: null,
    });

    const history = (await acme.get(`${PATH}/labels/history`)).json.data;
    expect(
      history.map((m: { label: string; fromVersion: number | null; toVersion: number }) => [
        m.label,
        m.fromVersion,
        m.toVersion,
      ]),
    ).toEqual([
      ['production', 2, 1],
      ['production', 1, 2],
      ['production', null, 1],
    ]);
    expect(history[0]).toMatchObject({ by: acmeKeyId, decision: { allowed: true } });
    expect(history[0].decision.reason).toMatch(/allowed and recorded/);
  });

  it('lists prompts with their latest version and labels', async () => {
    await put(acme, `${PATH}/labels/staging`, { version: 2 });
    expect((await acme.get(`${PATH}/labels/history?label=staging`)).json.data).toHaveLength(1);
    const list = await acme.get('/v1/prompts');
    expect(list.json.data).toEqual([
      {
        name: NAME,
        latestVersion: 2,
        labels: { production: 1, staging: 2 },
        updatedAt: expect.any(String),
      },
    ]);
  });

  it('refuses `latest`, bad label names and versions that do not exist', async () => {
    const latest = await put(acme, `${PATH}/labels/latest`, { version: 1 });
    expect([latest.status, latest.json.error.message]).toEqual([
      400,
      'label: "latest" always points at the highest version and cannot be set',
    ]);
    expect((await put(acme, `${PATH}/labels/Prod`, { version: 1 })).json.error.message).toMatch(/^label: /);
    const missing = await put(acme, `${PATH}/labels/canary`, { version: 7 });
    expect([missing.status, missing.json.error.message]).toEqual([
      404,
      'prompt "support/answer" has no version 7 (the latest is 2)',
    ]);
    expect((await put(acme, '/v1/prompts/ghost/labels/production', { version: 1 })).status).toBe(404);
    expect((await acme.get('/v1/prompts/ghost/labels/history')).status).toBe(404);
  });

  it('concurrent moves never lose a move: each 200 is one recorded move, the rest are 409 CONFLICT', async () => {
    await acme.post('/v1/prompts/race/versions', { template: 'v1' });
    for (let v = 2; v <= 6; v++) await acme.post('/v1/prompts/race/versions', { template: `v${v}` });
    await put(acme, '/v1/prompts/race/labels/production', { version: 1 });
    const results = await Promise.all(
      [2, 3, 4, 5, 6].map((version) => put(acme, '/v1/prompts/race/labels/production', { version })),
    );
    for (const res of results) {
      if (res.status !== 200) expect([res.status, res.json.error.code]).toEqual([409, 'CONFLICT']);
    }
    const won = results.filter((r) => r.status === 200).map((r) => r.json);
    expect(won.length).toBeGreaterThanOrEqual(1);
    const history = (await acme.get('/v1/prompts/race/labels/history')).json.data.reverse();
    expect(history).toHaveLength(won.length + 1);
    // each recorded move starts where the one before it ended
    for (let i = 1; i < history.length; i++) expect(history[i].fromVersion).toBe(history[i - 1].toVersion);
    const current = (await acme.get('/v1/prompts/race?label=production')).json.version;
    expect(current).toBe(history.at(-1).toVersion);
  });
});

describe('render and diff', () => {
  it('renders a chat prompt by label with history in place of the placeholder', async () => {
    const res = await acme.post(`${PATH}/render`, {
      label: 'staging',
      variables: { context: 'Ragline stores vectors in LanceDB.', question: 'Where are vectors?' },
      history: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!', refusal: null },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      prompt: { name: NAME, version: 2 },
      kind: 'chat',
      text: null,
      messages: [
        { role: 'system', content: 'Answer from the context only.\nRagline stores vectors in LanceDB.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
        { role: 'user', content: 'Where are vectors?' },
      ],
      model: { model: 'chat-default', parameters: { temperature: 0.1 } },
    });
  });

  it('renders a text prompt by version', async () => {
    const res = await acme.post(`${PATH}/render`, { version: 1, variables: { question: 'Q', context: 'C' } });
    expect(res.json).toMatchObject({ kind: 'text', text: 'Answer Q using:\nC', messages: null, model: null });
  });

  it('names each bad variable', async () => {
    const res = await acme.post(`${PATH}/render`, { version: 2, variables: { question: 42, tone: 'long' } });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('INVALID_REQUEST');
    expect(res.json.error.details.issues).toEqual([
      { field: 'variables.context', message: 'required' },
      { field: 'variables.question', message: 'must be a string (got an integer)' },
      { field: 'variables.tone', message: 'must be one of "brief", "detailed"' },
    ]);
    expect(res.json.error.message).toMatch(/variables\.context.*variables\.question.*variables\.tone/);
    expect((await acme.post(`${PATH}/render`, { version: 1, label: 'x' })).status).toBe(400);
    expect((await acme.post(`${PATH}/render`, { label: 'nope', variables: {} })).status).toBe(404);
  });

  it('diffs two versions given by number or label', async () => {
    const res = await acme.get(`${PATH}/diff?from=production&to=2`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      name: NAME,
      from: 1,
      to: 2,
      kind: { from: 'text', to: 'chat' },
      template: { changed: true },
      variables: { added: ['tone'], removed: [] },
      model: { changed: true, from: null, to: { model: 'chat-default' } },
    });
    expect(res.json.template.unified).toContain('+[placeholder: history]');
    expect(res.json.variables.changed.map((c: { name: string }) => c.name)).toEqual(['context', 'question']);
    expect((await acme.get(`${PATH}/diff?from=1`)).status).toBe(400);
    expect((await acme.get(`${PATH}/diff?from=1&to=40`)).status).toBe(404);
  });
});

describe('tenancy', () => {
  it('keeps each tenant to its own prompts and labels', async () => {
    expect((await other.get(PATH)).status).toBe(404);
    expect((await other.get('/v1/prompts')).json.data).toEqual([]);
    expect((await other.get(`${PATH}/labels/history`)).status).toBe(404);
    expect((await put(other, `${PATH}/labels/production`, { version: 1 })).status).toBe(404);
    expect((await other.post(`${PATH}/render`, { variables: {} })).status).toBe(404);
    const own = await other.post(`${PATH}/versions`, { template: 'other tenant' });
    expect(own.json).toMatchObject({ version: 1, labels: ['latest'] });
    expect((await acme.get(`${PATH}?version=1`)).json.template).toBe(
      'Answer {{question}} using:\n{{context}}',
    );
  });
});
