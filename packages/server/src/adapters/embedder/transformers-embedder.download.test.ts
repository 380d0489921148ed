import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbedderUnavailableError } from '../../ports/embedder.js';
import { writeTinyEmbeddingModel } from '../../testing/tiny-embedding-model.js';
import { createTransformersEmbedder, type ModelDownloadProgress } from './transformers-embedder.js';

// The Hugging Face Hub, faked: files are served from `hub/<org>/<name>/` like
// https://huggingface.co/<org>/<name>/resolve/main/<file>, and anything else is a 404.
// transformers.js captures `fetch` when it is first imported, which the adapter does lazily,
// so msw is listening before that happens.
const requested: string[] = [];
let hubDir: string;
let root: string;
let hubDown = false;

const server = setupServer(
  http.all('https://huggingface.co/:org/:name/resolve/main/*', async ({ request, params }) => {
    requested.push(new URL(request.url).pathname);
    if (hubDown) return HttpResponse.error();
    const file = decodeURIComponent(new URL(request.url).pathname.split('/resolve/main/')[1] ?? '');
    try {
      const body = await readFile(join(hubDir, String(params.org), String(params.name), file));
      // Like the Hub, answer a Range request (transformers.js sends one to read a file's size).
      const range = /^bytes=(\d+)-(\d+)$/.exec(request.headers.get('range') ?? '');
      if (range) {
        const part = body.subarray(Number(range[1]), Number(range[2]) + 1);
        return new HttpResponse(part, {
          status: 206,
          headers: {
            'content-length': String(part.byteLength),
            'content-range': `bytes ${range[1]}-${range[2]}/${body.byteLength}`,
          },
        });
      }
      return new HttpResponse(body, {
        headers: { 'content-length': String(body.byteLength), 'content-type': 'application/octet-stream' },
      });
    } catch {
      return HttpResponse.text('Entry not found', {
        status: 404,
        headers: { 'x-error-code': 'EntryNotFound' },
      });
    }
  }),
);

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  root = await mkdtemp(join(tmpdir(), 'ragline-hub-'));
  hubDir = join(root, 'hub');
  await writeTinyEmbeddingModel(join(hubDir, 'test-org/tiny-hub'), { dimensions: 24 });
});

afterAll(async () => {
  server.close();
  await rm(root, { recursive: true, force: true });
});

describe('createTransformersEmbedder downloading from the Hub', () => {
  it('downloads into <cacheDir>/<model id>, reports progress, and then works offline', async () => {
    const cacheDir = join(root, 'cache');
    const progress: ModelDownloadProgress[] = [];
    const online = createTransformersEmbedder({
      name: 'local',
      model: 'test-org/tiny-hub',
      cacheDir,
      allowRemoteModels: true,
      onProgress: (event) => progress.push(event),
    });
    expect(await online.dimensions()).toBe(24);
    const [vector] = (await online.embed(['hello world'])).vectors;

    for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']) {
      await access(join(cacheDir, 'test-org/tiny-hub', file));
      expect(requested).toContain(`/test-org/tiny-hub/resolve/main/${file}`);
    }
    const weights = progress.filter((event) => event.file === 'onnx/model.onnx');
    expect(weights.length).toBeGreaterThan(0);
    const last = weights[weights.length - 1] as ModelDownloadProgress;
    expect(last).toMatchObject({ model: 'test-org/tiny-hub', progress: 100 });
    expect(last.loaded).toBe(last.total);
    expect(last.total).toBeGreaterThan(24 * 100 * 4);

    const before = requested.length;
    const offline = createTransformersEmbedder({
      name: 'local',
      model: 'test-org/tiny-hub',
      cacheDir,
      allowRemoteModels: false,
      onProgress: () => expect.fail('nothing to download'),
    });
    expect((await offline.embed(['hello world'])).vectors[0]).toEqual(vector);
    expect(requested.length).toBe(before);
  });

  it('says how to provide the model when the Hub cannot be reached', async () => {
    hubDown = true;
    try {
      const cacheDir = join(root, 'cache-offline');
      const embedder = createTransformersEmbedder({
        name: 'local',
        model: 'test-org/unreachable',
        cacheDir,
        allowRemoteModels: true,
      });
      const error = await embedder.dimensions().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EmbedderUnavailableError);
      const message = (error as Error).message;
      expect(message).toContain('Could not load embedding model "test-org/unreachable"');
      expect(message).toContain(`${join(cacheDir, 'test-org/unreachable')}/`);
      expect(message).toContain('onnx/model.onnx');
    } finally {
      hubDown = false;
    }
  });
});
