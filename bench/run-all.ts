/**
 * Runs every benchmark in one process, one after the other, and prints each one's tables.
 *
 *   npx tsx --conditions=@ragline/source bench/run-all.ts                 # all
 *   npx tsx --conditions=@ragline/source bench/run-all.ts quality latency # a subset: quality, ingest, latency, gateway, ledger, metering, eval
 */
import { runEvalBench } from './eval/eval-runner.js';
import { runGatewayLatency } from './gateway/gateway-latency.js';
import { runIngestThroughput } from './ingest-throughput.js';
import { runLedgerWrite } from './ledger/ledger-write.js';
import { runMeteringOverhead } from './ledger/metering-overhead.js';
import { checkSourceCondition, printMachine } from './lib/env.js';
import { runQueryLatency } from './query-latency.js';
import { runRetrievalQuality } from './retrieval-quality.js';

const BENCHES: Record<string, () => Promise<unknown>> = {
  quality: runRetrievalQuality,
  ingest: runIngestThroughput,
  latency: runQueryLatency,
  gateway: runGatewayLatency,
  ledger: runLedgerWrite,
  metering: runMeteringOverhead,
  eval: runEvalBench,
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in BENCHES));
if (unknown.length > 0) {
  console.error(
    `unknown benchmark(s): ${unknown.join(', ')}; choose from ${Object.keys(BENCHES).join(', ')}`,
  );
  process.exit(2);
}

checkSourceCondition();
printMachine();
const failed: string[] = [];
for (const [name, run] of Object.entries(BENCHES)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log(`\n=== ${name} ===`);
  const started = performance.now();
  try {
    await run();
  } catch (err) {
    failed.push(name);
    console.error(`${name} failed:`, err);
  }
  console.log(`=== ${name}: ${((performance.now() - started) / 1000).toFixed(0)} s ===`);
}
if (failed.length > 0) {
  console.error(`\nfailed: ${failed.join(', ')}`);
  process.exit(1);
}
