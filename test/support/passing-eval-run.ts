import { expect } from 'vitest';
import { evalRunFixture } from '../../packages/server/src/ports/eval-run-document.fixture.js';

// biome-ignore lint/suspicious/noExplicitAny: tests assert on arbitrary response shapes
type Call = (method: string, path: string, body?: unknown) => Promise<{ status: number; json: any }>;

/**
 * Records a passing eval run on a release (as `ragline eval run` would, then POST /v1/evals/runs), so the
 * promotion gate lets `production` move to it. Returns the run id.
 */
export async function recordPassingRun(call: Call, releaseId: string): Promise<string> {
  const res = await call('POST', '/v1/evals/runs', { run: evalRunFixture({ contentHash: releaseId }) });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  expect(res.json.passed).toBe(true);
  return res.json.id as string;
}
