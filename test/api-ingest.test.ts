import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPdf } from '../packages/server/src/testing/tiny-pdf.js';
import { client } from './support/http.js';
import { ADMIN_KEY, createInProcessServer } from './support/test-server.js';

let server: Awaited<ReturnType<typeof createInProcessServer>>;
let api: ReturnType<typeof client>;

const guide = `# Install

Run the installer and follow the prompts.

## Linux

Use the tarball. Unpack it into /opt and add it to PATH.

## Windows

Use the MSI package.

# Configure

Edit the configuration file; every key is documented.
`;

beforeAll(async () => {
  server = await createInProcessServer();
  api = client(server.fetch, server.baseURL, ADMIN_KEY);
  await api.post('/v1/collections', { name: 'kb', embedder: 'local' });
});
afterAll(() => server?.close());

async function chunkIdsOf(documentId: string): Promise<string[]> {
  const res = await api.post('/v1/collections/kb/query', {
    query: 'the',
    mode: 'dense',
    topK: 1000,
    filter: { doc: documentId },
  });
  return res.json.results.map((r: { chunkId: string }) => r.chunkId).sort();
}

describe('ingestion', () => {
  it('adds documents and reports counts and embedding usage', async () => {
    const res = await api.post('/v1/collections/kb/documents', {
      source: 'manual',
      documents: [
        { id: 'guide.md', text: guide, contentType: 'text/markdown', metadata: { doc: 'guide', year: 2024 } },
        { id: 'note.txt', text: 'A short plain note about tarballs.', metadata: { doc: 'note', year: 2020 } },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ added: 2, updated: 0, unchanged: 0, deleted: 0 });
    expect(res.json.chunks).toBeGreaterThanOrEqual(2);
    expect(res.json.usage.embeddingTokens).toBeGreaterThan(0);
    const collection = await api.get('/v1/collections/kb');
    expect(collection.json.documentCount).toBe(2);
    expect(collection.json.chunkCount).toBe(res.json.chunks);
  });

  it('skips unchanged documents without re-embedding', async () => {
    const res = await api.post('/v1/collections/kb/documents', {
      source: 'manual',
      documents: [
        { id: 'guide.md', text: guide, contentType: 'text/markdown', metadata: { doc: 'guide', year: 2024 } },
      ],
    });
    expect(res.json).toMatchObject({
      added: 0,
      updated: 0,
      unchanged: 1,
      chunks: 0,
      usage: { embeddingTokens: 0 },
    });
  });

  it('keeps heading paths and offsets that cite the exact source span', async () => {
    const res = await api.post('/v1/collections/kb/query', {
      query: 'MSI package windows',
      mode: 'lexical',
      topK: 3,
    });
    const hit = res.json.results.find((r: { documentId: string }) => r.documentId === 'guide.md');
    expect(hit).toBeDefined();
    expect(hit.headingPath).toEqual(['Install', 'Windows']);
    expect(guide.slice(hit.start, hit.end)).toBe(hit.text);
  });

  it('replaces a changed document’s chunks with no leftovers', async () => {
    const before = await chunkIdsOf('guide');
    expect(before.length).toBeGreaterThan(0);
    const res = await api.post('/v1/collections/kb/documents', {
      source: 'manual',
      documents: [{ id: 'guide.md', text: 'Now just one line.', metadata: { doc: 'guide', year: 2025 } }],
    });
    expect(res.json).toMatchObject({ added: 0, updated: 1, unchanged: 0, chunks: 1 });
    expect(await chunkIdsOf('guide')).toEqual(['guide.md#0']);
    const doc = await api.get('/v1/collections/kb/documents/guide.md');
    expect(doc.json).toMatchObject({ id: 'guide.md', chunkCount: 1, metadata: { doc: 'guide', year: 2025 } });
  });

  it('sync deletes the source’s documents missing from the batch, and only that source', async () => {
    await api.post('/v1/collections/kb/documents', {
      source: 'other',
      documents: [{ id: 'other.txt', text: 'Another source entirely.', metadata: { doc: 'other' } }],
    });
    const res = await api.post('/v1/collections/kb/documents', {
      source: 'manual',
      sync: true,
      documents: [
        { id: 'note.txt', text: 'A short plain note about tarballs.', metadata: { doc: 'note', year: 2020 } },
      ],
    });
    expect(res.json).toMatchObject({ unchanged: 1, deleted: 1 });
    expect((await api.get('/v1/collections/kb/documents/guide.md')).status).toBe(404);
    expect(await chunkIdsOf('guide')).toEqual([]);
    expect((await api.get('/v1/collections/kb/documents/other.txt')).status).toBe(200);
  });

  it('accepts JSON Lines batches', async () => {
    const lines = [
      JSON.stringify({ id: 'l1', text: 'first line document', metadata: { doc: 'l1' } }),
      JSON.stringify({ id: 'l2', text: '<h1>Title</h1><p>second &amp; last</p>', contentType: 'text/html' }),
    ].join('\n');
    const res = await api.post('/v1/collections/kb/documents?source=jsonl', lines, {
      'content-type': 'application/x-ndjson',
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ added: 2 });
    const hit = await api.post('/v1/collections/kb/query', {
      query: 'second last',
      mode: 'lexical',
      topK: 1,
    });
    expect(hit.json.results[0]).toMatchObject({ documentId: 'l2', headingPath: ['Title'] });
    expect(hit.json.results[0].text).toContain('second & last');
  });

  it('accepts multipart uploads with the file name as id', async () => {
    const form = new FormData();
    form.append(
      'file',
      new Blob(['# Upload\n\nUploaded through multipart.'], { type: 'text/markdown' }),
      'up.md',
    );
    form.append('source', 'uploads');
    const res = await api.post('/v1/collections/kb/documents', form);
    expect(res.status).toBe(200);
    expect(res.json.added).toBe(1);
    const doc = await api.get('/v1/collections/kb/documents/up.md');
    expect(doc.json).toMatchObject({ source: 'uploads', contentType: 'text/markdown' });
  });

  it('lists documents with paging', async () => {
    const first = await api.get('/v1/collections/kb/documents?limit=2');
    expect(first.json.data).toHaveLength(2);
    expect(first.json.nextCursor).toEqual(expect.any(String));
    const seen = [...first.json.data.map((d: { id: string }) => d.id)];
    let cursor = first.json.nextCursor;
    while (cursor) {
      const page = await api.get(`/v1/collections/kb/documents?limit=2&cursor=${cursor}`);
      seen.push(...page.json.data.map((d: { id: string }) => d.id));
      cursor = page.json.nextCursor;
    }
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe((await api.get('/v1/collections/kb')).json.documentCount);
  });

  it('deletes one document and its chunks', async () => {
    expect((await api.delete('/v1/collections/kb/documents/l1')).status).toBe(204);
    expect(await chunkIdsOf('l1')).toEqual([]);
    expect((await api.delete('/v1/collections/kb/documents/l1')).status).toBe(404);
  });
});

describe('bad input is refused and loses nothing', () => {
  async function snapshot() {
    const docs = await api.get('/v1/collections/kb/documents?limit=1000');
    return { docs: docs.json.data, collection: (await api.get('/v1/collections/kb')).json.chunkCount };
  }

  it('400 names the bad field', async () => {
    const before = await snapshot();
    const res = await api.post('/v1/collections/kb/documents', {
      documents: [
        { id: 'ok', text: 'fine' },
        { id: 'bad', text: 'x', metadata: { nested: { no: 1 } } },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/^documents\[1\]\.metadata\.nested/);
    const both = await api.post('/v1/collections/kb/documents', {
      documents: [{ id: 'x', text: 'a', content: 'b' }],
    });
    expect(both.json.error.message).toMatch(/documents\[0\]\.text: give exactly one/);
    const dup = await api.post('/v1/collections/kb/documents', {
      documents: [
        { id: 'same', text: 'a' },
        { id: 'same', text: 'b' },
      ],
    });
    expect(dup.json.error.message).toMatch(/documents\[1\]\.id: "same" appears twice/);
    const sync = await api.post('/v1/collections/kb/documents', {
      sync: true,
      documents: [{ id: 'a', text: 'a' }],
    });
    expect(sync.json.error.message).toMatch(/^sync: needs "source"/);
    expect(await snapshot()).toEqual(before);
  });

  it('415 for an unsupported content type, 422 for an unreadable PDF', async () => {
    const before = await snapshot();
    const res = await api.post('/v1/collections/kb/documents', {
      documents: [
        { id: 'fine', text: 'fine' },
        { id: 'doc', content: 'abc', contentType: 'application/msword' },
      ],
    });
    expect(res.status).toBe(415);
    expect(res.json.error.message).toMatch(/documents\[1\]\.contentType/);
    const pdf = await api.post('/v1/collections/kb/documents', {
      documents: [
        { id: 'fine', text: 'fine' },
        { id: 'broken.pdf', content: btoa('not a pdf at all'), contentType: 'application/pdf' },
      ],
    });
    expect(pdf.status).toBe(422);
    expect(pdf.json.error.message).toMatch(/broken\.pdf/);
    const base64 = await api.post('/v1/collections/kb/documents', {
      documents: [{ id: 'b.pdf', content: '***', contentType: 'application/pdf' }],
    });
    expect(base64.status).toBe(400);
    expect(base64.json.error.message).toBe('documents[0].content: not valid base64');
    expect(await snapshot()).toEqual(before);
  });

  it('400 when a metadata field changes type', async () => {
    const before = await snapshot();
    const res = await api.post('/v1/collections/kb/documents', {
      documents: [{ id: 'typed', text: 'year as text', metadata: { year: 'twenty' } }],
    });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('INVALID_METADATA');
    expect(res.json.error.message).toMatch(/metadata\.year/);
    expect(await snapshot()).toEqual(before);
  });
});

describe('limits', () => {
  it('413 for a document or a batch over the limits', async () => {
    const small = await createInProcessServer({
      env: {
        RAGLINE_MAX_DOCUMENT_BYTES: '100',
        RAGLINE_MAX_BATCH_BYTES: '2000',
        RAGLINE_MAX_BATCH_DOCUMENTS: '3',
      },
    });
    try {
      const s = client(small.fetch, small.baseURL, ADMIN_KEY);
      await s.post('/v1/collections', { name: 'c', embedder: null });
      const big = await s.post('/v1/collections/c/documents', {
        documents: [{ id: 'big', text: 'x'.repeat(101) }],
      });
      expect(big.status).toBe(413);
      expect(big.json.error.message).toMatch(/documents\[0\]: document "big" is 101 bytes/);
      const many = await s.post('/v1/collections/c/documents', {
        documents: ['a', 'b', 'c', 'd'].map((id) => ({ id, text: id })),
      });
      expect(many.status).toBe(413);
      const body = await s.post('/v1/collections/c/documents', {
        documents: [{ id: 'a', text: 'y'.repeat(3000) }],
      });
      expect(body.status).toBe(413);
      expect(body.json.error.code).toBe('PAYLOAD_TOO_LARGE');
    } finally {
      await small.close();
    }
  });
});

describe('PDF ingestion', () => {
  it('ingests a PDF uploaded as a file and as base64, with page numbers on chunks', async () => {
    const pdf = buildPdf([
      ['Quarterly report.', 'Revenue grew in every region.'],
      ['Outlook: hiring engineers.'],
    ]);
    const form = new FormData();
    form.append(
      'file',
      new Blob([pdf as Uint8Array<ArrayBuffer>], { type: 'application/pdf' }),
      'report.pdf',
    );
    const upload = await api.post('/v1/collections/kb/documents', form);
    expect(upload.status).toBe(200);
    expect(upload.json.added).toBe(1);
    const hit = await api.post('/v1/collections/kb/query', {
      query: 'hiring engineers',
      mode: 'lexical',
      topK: 1,
    });
    // Both short pages fit one chunk; `page` is the page the chunk starts on.
    expect(hit.json.results[0]).toMatchObject({ documentId: 'report.pdf', metadata: { page: 1 } });
    expect(hit.json.results[0].text).toContain('Outlook: hiring engineers.');

    let binary = '';
    for (const byte of pdf) binary += String.fromCharCode(byte);
    const json = await api.post('/v1/collections/kb/documents', {
      documents: [{ id: 'report-copy.pdf', content: btoa(binary), contentType: 'application/pdf' }],
    });
    expect(json.json.added).toBe(1);
    const doc = await api.get('/v1/collections/kb/documents/report-copy.pdf');
    expect(doc.json).toMatchObject({ contentType: 'application/pdf', chunkCount: expect.any(Number) });
    expect(doc.json.chunkCount).toBeGreaterThan(0);
  });
});

describe('concurrent ingestion', () => {
  it('keeps each document’s chunks and hash row from the same request', async () => {
    await api.post('/v1/collections', { name: 'race', embedder: 'local' });
    const slow = 'version one, whose row write is slow';
    const fast = 'version two, a longer text that arrives second and writes quickly';
    // Make the first request's row write slow, so that without serialisation the second request's
    // chunks and row would land in between and the first row would end up over the second's chunks.
    const documents = server.deps.metadata.documents;
    const upsertMany = documents.upsertMany.bind(documents);
    documents.upsertMany = async (rows) => {
      if (rows.some((r) => r.characters === slow.length)) await new Promise((r) => setTimeout(r, 300));
      return upsertMany(rows);
    };
    try {
      const first = api.post('/v1/collections/race/documents', { documents: [{ id: 'doc', text: slow }] });
      await new Promise((r) => setTimeout(r, 100));
      const second = api.post('/v1/collections/race/documents', { documents: [{ id: 'doc', text: fast }] });
      expect((await first).status).toBe(200);
      expect((await second).status).toBe(200);
    } finally {
      documents.upsertMany = upsertMany;
    }
    const row = (await api.get('/v1/collections/race/documents/doc')).json;
    const chunks = await api.post('/v1/collections/race/query', {
      query: 'version',
      mode: 'lexical',
      topK: 10,
    });
    expect(chunks.json.results).toHaveLength(1);
    expect(row.characters).toBe(fast.length);
    expect(chunks.json.results[0].text).toBe(fast);
  });
});
