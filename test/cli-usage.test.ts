import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../packages/server/src/cli/main.js';
import type { UsageRecord } from '../packages/server/src/ports/cost-repositories.js';
import { ADMIN_KEY, createInProcessServer } from './support/test-server.js';

let server: Awaited<ReturnType<typeof createInProcessServer>>;

async function cli(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (s: string) => (stdout += s), isTTY: false, columns: 160 },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    env: { RAGLINE_URL: server.baseURL, RAGLINE_API_KEY: ADMIN_KEY },
    clientOptions: { fetch: server.fetch, sleep: async () => {} },
  });
  return { code, stdout, stderr };
}

function record(id: string, model: string, startedAtMs: number, costMicros: number): UsageRecord {
  return {
    tenantId: 'default',
    id,
    requestId: id,
    keyId: 'key_cli',
    kind: 'chat',
    route: 'chat',
    routeVersion: 1,
    target: 't',
    targetKind: 'openai-compatible',
    model,
    promptVersion: null,
    releaseId: null,
    inputTokens: 12_000,
    cachedInputTokens: 0,
    outputTokens: 345,
    reasoningTokens: 0,
    usageSource: 'upstream',
    estimateMethod: null,
    gpuBusyUs: null,
    stream: true,
    outcome: 'ok',
    startedAtMs,
    durationMs: 10,
    costMicros,
    priceVersion: 1,
    costBasis: 'tokens',
  };
}

beforeAll(async () => {
  server = await createInProcessServer({ withoutModel: true });
  const now = Date.now();
  await server.deps.metadata.ledger.append([
    record('r1', 'llama', now - 3_600_000, 1_250_000),
    record('r2', 'llama', now - 7_200_000, 3),
    record('r3', 'gpt-4o, mini', now - 1_800_000, 20_000),
    record('r_old', 'llama', now - 10 * 86_400_000, 999_999_999),
  ]);
});
afterAll(() => server?.close());

describe('ragline usage', () => {
  it('prints a table of the last 7 days by model with exact costs and a totals row', async () => {
    const { code, stdout, stderr } = await cli('usage', '--since', '7d', '--group-by', 'model');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^Usage .* \(tenant default\)$/);
    const row = (label: string) => lines.find((line) => line.includes(` ${label} `)) ?? '';
    expect(row('llama')).toMatch(/ 2 .* 24,000 .* 690 .* \$1\.250003 /);
    expect(row('gpt-4o, mini')).toMatch(/ 1 .* \$0\.020000 /);
    expect(row('total')).toMatch(/ 3 .* 36,000 .* \$1\.270003 /);
    expect(stdout).not.toContain('999.999999');
  });

  it('groups by several dimensions and prints CSV with --csv', async () => {
    const { code, stdout } = await cli(
      'usage',
      '--since',
      '24h',
      '--group-by',
      'model',
      '--group-by',
      'key',
      '--csv',
    );
    expect(code).toBe(0);
    const [header, ...rows] = stdout.trimEnd().split('\r\n');
    expect(header).toBe(
      'model,key,requests,inputTokens,cachedInputTokens,outputTokens,reasoningTokens,costMicros,cost,estimatedRequests,unpricedRequests',
    );
    expect(rows).toEqual([
      '"gpt-4o, mini",key_cli,1,12000,0,345,0,20000,0.020000,0,0',
      'llama,key_cli,2,24000,0,690,0,1250003,1.250003,0,0',
    ]);
  });

  it('refuses an unknown dimension before calling the server, and reports a bad time from it', async () => {
    const bad = await cli('usage', '--group-by', 'colour');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('colour');
    const badTime = await cli('usage', '--since', 'last tuesday');
    expect(badTime.code).toBe(1);
    expect(badTime.stderr).toMatch(/from: /);
  });
});
