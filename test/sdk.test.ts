import {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  NotFoundError,
  PayloadTooLargeError,
  Ragline,
  UnsupportedMediaTypeError,
} from '@ragline/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, createInProcessServer, startSocketServer } from './support/test-server.js';

interface Transport {
  name: string;
  start(): Promise<{ client: (apiKey?: string) => Ragline; close(): Promise<void> }>;
}

const transports: Transport[] = [
  {
    name: 'in process',
    async start() {
      const server = await createInProcessServer();
      return {
        client: (apiKey = ADMIN_KEY) =>
          new Ragline({ baseURL: server.baseURL, apiKey, fetch: server.fetch as typeof fetch }),
        close: () => server.close(),
      };
    },
  },
  {
    name: 'over a socket',
    async start() {
      const server = await startSocketServer();
      return {
        client: (apiKey = ADMIN_KEY) => new Ragline({ baseURL: server.url, apiKey }),
        close: () => server.close(),
      };
    },
  },
];

describe.each(transports)('SDK against the real server ($name)', (transport) => {
  let handle: Awaited<ReturnType<Transport['start']>>;
  let ragline: Ragline;

  beforeAll(async () => {
    handle = await transport.start();
    ragline = handle.client();
  });
  afterAll(() => handle?.close());

  it('checks health without a key', async () => {
    expect(await handle.client('').health()).toMatchObject({ status: 'ok' });
  });

  it('creates, lists and gets collections', async () => {
    const created = await ragline.collections.create({ name: 'handbook', embedder: 'local' });
    expect(created).toMatchObject({ name: 'handbook', embedder: 'local', documentCount: 0 });
    await ragline.collections.create({ name: 'lexical', embedder: null });
    const { data } = await ragline.collections.list();
    expect(data.map((c) => c.name).sort()).toEqual(['handbook', 'lexical']);
    expect((await ragline.collections.get('lexical')).dimensions).toBeNull();
  });

  it('ingests JSON, JSON Lines and files, incrementally', async () => {
    const first = await ragline.documents.ingest('handbook', {
      source: 'sdk',
      documents: [
        {
          id: 'onboarding/week-1.md',
          text: '# Week one\n\nMeet the team and set up your laptop.',
          contentType: 'text/markdown',
        },
        {
          id: 'policies.txt',
          text: 'Expenses are reimbursed within thirty days.',
          metadata: { kind: 'policy' },
        },
      ],
    });
    expect(first).toMatchObject({ added: 2, unchanged: 0 });
    const jsonl = await ragline.documents.ingest('handbook', {
      jsonl: `${JSON.stringify({ id: 'faq', text: 'Lunch is served at noon.' })}\n`,
      source: 'sdk-jsonl',
    });
    expect(jsonl.added).toBe(1);
    const files = await ragline.documents.ingest('handbook', {
      files: [
        {
          name: 'page.html',
          content: '<h1>Office</h1><p>The office opens at eight.</p>',
          contentType: 'text/html',
        },
      ],
    });
    expect(files.added).toBe(1);
    const again = await ragline.documents.ingest('handbook', {
      source: 'sdk',
      documents: [
        {
          id: 'onboarding/week-1.md',
          text: '# Week one\n\nMeet the team and set up your laptop.',
          contentType: 'text/markdown',
        },
      ],
    });
    expect(again).toMatchObject({ added: 0, unchanged: 1 });
  });

  it('queries with modes and filters', async () => {
    const { results, mode } = await ragline.retrieval.query('handbook', {
      query: 'when are expenses reimbursed',
      topK: 3,
    });
    expect(mode).toBe('hybrid');
    expect(results[0]?.documentId).toBe('policies.txt');
    const filtered = await ragline.retrieval.query('handbook', {
      query: 'office',
      mode: 'lexical',
      filter: { kind: 'policy' },
    });
    expect(filtered.results.map((r) => r.documentId)).toEqual([]);
    const cited = await ragline.retrieval.query('handbook', { query: 'laptop', mode: 'lexical', topK: 1 });
    expect(cited.results[0]).toMatchObject({ documentId: 'onboarding/week-1.md', headingPath: ['Week one'] });
  });

  it('pages through documents and gets and deletes one with a slash in its id', async () => {
    const ids: string[] = [];
    for await (const doc of ragline.documents.listAll('handbook', { limit: 2 })) ids.push(doc.id);
    expect(ids.sort()).toEqual(['faq', 'onboarding/week-1.md', 'page.html', 'policies.txt']);
    expect((await ragline.documents.get('handbook', 'onboarding/week-1.md')).chunkCount).toBe(1);
    await ragline.documents.delete('handbook', 'onboarding/week-1.md');
    await expect(ragline.documents.get('handbook', 'onboarding/week-1.md')).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('maps server errors to typed errors with the request id', async () => {
    const error = await ragline.collections.get('missing').catch((e) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({
      status: 404,
      code: 'COLLECTION_NOT_FOUND',
      requestId: expect.stringMatching(/^req_/),
    });
    await expect(ragline.collections.create({ name: 'handbook', embedder: null })).rejects.toBeInstanceOf(
      ConflictError,
    );
    await expect(handle.client('rl_wrong').collections.list()).rejects.toBeInstanceOf(AuthenticationError);
    await expect(
      ragline.retrieval.query('handbook', { query: 'x', filter: { a: { $nope: 1 } } }),
    ).rejects.toBeInstanceOf(BadRequestError);
    await expect(
      ragline.documents.ingest('handbook', {
        documents: [{ id: 'w', content: 'x', contentType: 'application/msword' }],
      }),
    ).rejects.toBeInstanceOf(UnsupportedMediaTypeError);
    await expect(
      ragline.documents.ingest('handbook', {
        documents: [{ id: 'big', text: 'x'.repeat(11 * 1024 * 1024) }],
      }),
    ).rejects.toBeInstanceOf(PayloadTooLargeError);
  });

  it('creates a tenant key that sees only its own tenant', async () => {
    const created = await ragline.keys.create({ tenant: 'acme', name: 'ci' });
    expect(created.key).toMatch(/^rl_/);
    const acme = handle.client(created.key);
    expect((await acme.collections.list()).data).toEqual([]);
    await expect(acme.collections.get('handbook')).rejects.toBeInstanceOf(NotFoundError);
  });
});
