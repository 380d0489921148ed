import { describe, expect, it } from 'vitest';
import { Ragline } from '../client.js';

const doc = (id: string) => ({
  id,
  source: 's',
  contentType: 'text/plain',
  contentHash: 'h',
  chunkCount: 1,
  characters: 10,
  metadata: {},
  createdAt: 'a',
  updatedAt: 'b',
});
const ingestResult = {
  added: 1,
  updated: 0,
  unchanged: 0,
  deleted: 0,
  chunks: 2,
  usage: { embeddingTokens: 5 },
};

function setup(bodies: unknown[]) {
  const calls: { url: string; method: string; headers: Headers; body: BodyInit | null | undefined }[] = [];
  const fetch = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    calls.push({
      url: String(input),
      method: init.method ?? 'GET',
      headers: new Headers(init.headers),
      body: init.body,
    });
    const body = bodies[calls.length - 1];
    return new Response(JSON.stringify(body), { status: 200 });
  }) as typeof globalThis.fetch;
  return { ragline: new Ragline({ baseURL: 'http://api.test', apiKey: 'k', fetch }), calls };
}

describe('documents resource', () => {
  it('ingests a JSON request', async () => {
    const { ragline, calls } = setup([ingestResult]);
    const request = { documents: [{ id: 'a', text: 'hello' }], source: 'src', sync: true };
    expect(await ragline.documents.ingest('docs', request)).toEqual(ingestResult);
    expect(calls[0]?.url).toBe('http://api.test/v1/collections/docs/documents');
    expect(calls[0]?.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(String(calls[0]?.body))).toEqual(request);
  });

  it('ingests JSON Lines with source and sync as query parameters', async () => {
    const { ragline, calls } = setup([ingestResult]);
    const jsonl = '{"id":"a","text":"x"}\n{"id":"b","text":"y"}\n';
    await ragline.documents.ingest('docs', { jsonl, source: '/data/my docs', sync: true });
    expect(calls[0]?.url).toBe(
      'http://api.test/v1/collections/docs/documents?source=%2Fdata%2Fmy+docs&sync=true',
    );
    expect(calls[0]?.headers.get('content-type')).toBe('application/x-ndjson');
    expect(calls[0]?.body).toBe(jsonl);
  });

  it('ingests files as multipart with names as ids and content types', async () => {
    const { ragline, calls } = setup([ingestResult]);
    await ragline.documents.ingest('docs', {
      files: [
        { name: 'guide/intro.md', content: '# Hi', contentType: 'text/markdown' },
        { name: 'paper.pdf', content: new Uint8Array([37, 80, 68, 70]), contentType: 'application/pdf' },
        { name: 'plain.txt', content: new Blob(['plain'], { type: 'text/plain' }) },
      ],
      source: 'src',
      sync: false,
      metadata: { team: 'a' },
    });
    const form = calls[0]?.body;
    expect(form).toBeInstanceOf(FormData);
    expect(calls[0]?.headers.get('content-type')).toBeNull();
    // Serialise as fetch would, then read it back the way the server does.
    const parsed = await new Response(form as FormData).formData();
    const files = parsed.getAll('file') as File[];
    expect(files.map((f) => [f.name, f.type])).toEqual([
      ['guide/intro.md', 'text/markdown'],
      ['paper.pdf', 'application/pdf'],
      ['plain.txt', 'text/plain'],
    ]);
    expect(await files[0]?.text()).toBe('# Hi');
    expect(new Uint8Array(await (files[1] as File).arrayBuffer())).toEqual(new Uint8Array([37, 80, 68, 70]));
    expect(parsed.get('source')).toBe('src');
    expect(parsed.get('sync')).toBe('false');
    expect(JSON.parse(String(parsed.get('metadata')))).toEqual({ team: 'a' });
  });

  it('lists a page and iterates every page with listAll', async () => {
    const { ragline, calls } = setup([
      { data: [doc('a'), doc('b')], nextCursor: 'c1' },
      { data: [doc('c')], nextCursor: 'c2' },
      { data: [], nextCursor: null },
    ]);
    const ids: string[] = [];
    for await (const d of ragline.documents.listAll('docs', { limit: 2, source: 's' })) ids.push(d.id);
    expect(ids).toEqual(['a', 'b', 'c']);
    expect(calls.map((c) => c.url)).toEqual([
      'http://api.test/v1/collections/docs/documents?limit=2&source=s',
      'http://api.test/v1/collections/docs/documents?limit=2&cursor=c1&source=s',
      'http://api.test/v1/collections/docs/documents?limit=2&cursor=c2&source=s',
    ]);
  });

  it('encodes document ids in get and delete', async () => {
    const { ragline, calls } = setup([doc('a b/c?.md'), undefined]);
    expect((await ragline.documents.get('docs', 'a b/c?.md')).id).toBe('a b/c?.md');
    expect(calls[0]?.url).toBe('http://api.test/v1/collections/docs/documents/a%20b%2Fc%3F.md');
  });
});
