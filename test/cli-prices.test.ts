import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../packages/server/src/cli/main.js';
import { ADMIN_KEY, createInProcessServer } from './support/test-server.js';

/** `ragline prices show|set|versions` against the real app. */

let server: Awaited<ReturnType<typeof createInProcessServer>>;
let folder: string;
let tenantKey: string;

function capture() {
  let text = '';
  return {
    stream: {
      write: (chunk: string) => {
        text += chunk;
        return true;
      },
      isTTY: false,
    },
    text: () => text,
  };
}

async function cli(args: string[], apiKey = ADMIN_KEY) {
  const out = capture();
  const err = capture();
  const code = await runCli(args, {
    stdout: out.stream,
    stderr: err.stream,
    env: { RAGLINE_URL: server.baseURL, RAGLINE_API_KEY: apiKey },
    cwd: folder,
    clientOptions: { fetch: server.fetch as typeof fetch, maxRetries: 0 },
  });
  return { code, stdout: out.text(), stderr: err.text() };
}

beforeAll(async () => {
  server = await createInProcessServer();
  folder = await mkdtemp(join(tmpdir(), 'ragline-cli-prices-'));
  const created = await server.fetch(`${server.baseURL}/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenant: 'acme' }),
  });
  tenantKey = ((await created.json()) as { key: string }).key;
  await writeFile(
    join(folder, 'prices.yaml'),
    `# dollars per million tokens, or per GPU-hour
- { model: gpt-4o, input: "2.50", cachedInput: "1.25", output: "10.00" }
- { model: text-embedding-3-small, input: 0.02, output: 0 }
- { target: vllm-a, gpuHour: "2.40", gpus: 2 }
`,
  );
  await writeFile(
    join(folder, 'ragline.yaml'),
    `targets: []
prices:
  effectiveFrom: 2099-01-01
  entries:
    - { model: gpt-4o, input: "2.00", output: "8.00" }
`,
  );
  await writeFile(
    join(folder, 'bad.json'),
    JSON.stringify({ entries: [{ model: 'gpt-4o', input: '2.5', output: '0.0000001' }] }),
  );
  await writeFile(join(folder, 'empty.yaml'), 'hello: world\n');
});
afterAll(async () => {
  await server?.close();
  await rm(folder, { recursive: true, force: true });
});

describe('ragline prices', () => {
  it('says when no prices are in force', async () => {
    const res = await cli(['prices', 'show'], tenantKey);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/No price version is in force/);
  });

  it('needs an admin key to set prices', async () => {
    const res = await cli(['prices', 'set', 'prices.yaml'], tenantKey);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/403 FORBIDDEN/);
  });

  it('sets a version from a YAML list and shows it as a table', async () => {
    const set = await cli(['prices', 'set', 'prices.yaml', '--note', 'list prices']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/^Price version 1 \(api\), effective from \S+ - list prices\n/);

    const show = await cli(['prices', 'show'], tenantKey);
    expect(show.code).toBe(0);
    const rows = show.stdout
      .split('\n')
      .filter((line) => line.includes('│'))
      .map((line) =>
        line
          .split('│')
          .map((cell) => cell.trim())
          .filter(Boolean),
      );
    expect(rows).toEqual([
      ['match', 'input /1M', 'cached /1M', 'output /1M', 'reasoning /1M', 'gpu-hour', 'gpus'],
      ['model gpt-4o', '$2.50', '$1.25', '$10.00', '$10.00', '-', '-'],
      ['model text-embedding-3-small', '$0.02', '$0.02', '$0.00', '$0.00', '-', '-'],
      ['target vllm-a', '-', '-', '-', '-', '$2.40', '2'],
    ]);
  });

  it('takes the prices: section of a config file, and shows a version by number or time', async () => {
    const set = await cli(['prices', 'set', 'ragline.yaml', '--json']);
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({
      version: 2,
      effectiveFrom: '2099-01-01T00:00:00.000Z',
      entries: [{ model: 'gpt-4o', inputPerMillionMicros: 2_000_000, input: '2.000000' }],
    });
    expect((await cli(['prices', 'show'])).stdout).toMatch(/^Price version 1 /);
    expect((await cli(['prices', 'show', '--at', '2099-02-01'])).stdout).toMatch(/^Price version 2 /);
    const byNumber = await cli(['prices', 'show', '2', '--json']);
    expect(JSON.parse(byNumber.stdout).version).toBe(2);

    const versions = await cli(['prices', 'versions']);
    expect(versions.code).toBe(0);
    expect(versions.stdout).toMatch(/│ 1 +│ \S+ +│ api +│ 3 /);
    expect(versions.stdout).toMatch(/│ 2 +│ 2099-01-01T00:00:00.000Z +│ api +│ 1 /);
  });

  it('reports the server naming a bad price, and a file without prices, storing nothing', async () => {
    const bad = await cli(['prices', 'set', 'bad.json']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/400 INVALID_REQUEST: entries\[0\]\.output: .*more than 6 decimals/);
    const empty = await cli(['prices', 'set', 'empty.yaml']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/holds no prices/);
    const missing = await cli(['prices', 'set', 'nope.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read/);
    const versions = JSON.parse((await cli(['prices', 'versions', '--json'])).stdout);
    expect(versions).toHaveLength(2);
  });
});
