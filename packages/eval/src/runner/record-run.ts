import { readFile } from 'node:fs/promises';
import type { SuiteDefinition } from '../suite/suite-definition.js';
import { callServer, serverConnection } from '../targets/server-client.js';
import type { TargetContext } from '../targets/target.js';

/** What the server answered for a recorded run. */
export interface RecordedRun {
  id: string;
  passed: boolean;
}

/**
 * Stores a finished run (its JSON report, read back from `jsonFile`) on the Ragline server of the suite's
 * target (`POST /v1/evals/runs`), where a passing gated run on a release lets `production` move to it.
 * Endpoint suites have no server: `server` must be given. Failures are `EndpointError`s (infrastructure).
 */
export async function recordRun(
  suite: SuiteDefinition,
  jsonFile: string,
  context: TargetContext,
  server?: string,
): Promise<RecordedRun> {
  const target = suite.target;
  const connection =
    target.kind === 'endpoint'
      ? serverConnection({ server: server ?? '' }, context)
      : serverConnection(server === undefined ? target : { ...target, server }, context);
  const document = JSON.parse(await readFile(jsonFile, 'utf8')) as object;
  const { value } = await callServer(connection, (client) => client.evals.runs.record(document));
  return { id: value.id, passed: value.passed === true };
}
