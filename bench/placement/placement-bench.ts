/**
 * bench/placement: a discrete-event simulation of a pool of vLLM replicas driven by the gateway's real
 * placement code (createPlacement, prefixKeyOf, the TargetHealth store and the /metrics parser), on a
 * prefix-heavy workload. Prints p50/p99 time to first token per policy. See bench/README.md, "Placement".
 *
 *   npx tsx --conditions=@ragline/source bench/placement/placement-bench.ts [--seed N] [--minutes M] [--tenants T]
 */
import { createPlacement } from '../../packages/server/src/services/gateway/create-placement.js';
import type {
  PlacementPolicy,
  PoolConfig,
} from '../../packages/server/src/services/gateway/gateway-config.js';
import { loadFromMetricsBody } from '../../packages/server/src/services/gateway/health-signals.js';
import { createTargetHealth } from '../../packages/server/src/services/gateway/health-store.js';
import { prefixKeyOf } from '../../packages/server/src/services/gateway/prefix-key.js';
import { vllmMetricsText } from '../../packages/server/src/testing/openai-chat-fake/openai-chat-replies.js';
import { printMachine } from '../lib/env.js';
import { mulberry32, type Rng } from '../lib/random.js';
import { percentile, printTable } from '../lib/table.js';
import { createEventQueue } from './event-queue.js';
import { createSimReplica, type ReplicaSpec, type SimRequest } from './sim-replica.js';
import { buildWorkload, type WorkloadSpec } from './workload.js';

export interface BenchSpec {
  replicas: number;
  replica: ReplicaSpec;
  /** TargetConfig.maxInFlight of each replica (placement's saturation point). */
  maxInFlight: number;
  scrapeIntervalMs: number;
  /** Scrape latency: the signals reach the store this long (uniform range) after the replica read them. */
  scrapeDelayMs: [number, number];
  workload: WorkloadSpec;
  /** Poisson arrivals at this fraction of the pool's capacity under round robin (see capacityPerSec). */
  utilisation: number;
  /** Requests arriving before this are not measured (cold caches). */
  warmupMs: number;
  durationMs: number;
}

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

export const DEFAULT_SPEC: BenchSpec = {
  replicas: 8,
  replica: {
    maxSeqs: 64,
    tokenBudget: 4096,
    kvTokens: 160_000,
    stepOverheadMs: 4,
    prefillMsPerToken: 0.035,
    decodeMsPerSeq: 0.12,
  },
  maxInFlight: 32,
  scrapeIntervalMs: 1_000,
  scrapeDelayMs: [2, 30],
  workload: {
    tenants: 200,
    zipf: 0.9,
    prefixTokens: [1_500, 6_000],
    userTokens: [50, 400],
    outputTokens: [32, 256],
  },
  utilisation: 0.7,
  warmupMs: 60_000,
  durationMs: 4 * 60_000,
};

export interface PolicyResult {
  policy: PlacementPolicy;
  requests: number;
  p50: number;
  p99: number;
  mean: number;
  hitRate: number;
}

/**
 * Simulates one policy with Poisson arrivals. `completedPerSec`: requests finished per second between
 * warm-up and the end of arrivals.
 */
export function runPolicy(
  policy: PlacementPolicy,
  spec: BenchSpec,
  seed: number,
  arrivalsPerSec: number,
): PolicyResult & { completedPerSec: number; meanGapMs: number } {
  const events = createEventQueue();
  const clock = { now: () => new Date(events.now()) };
  const health = createTargetHealth({ clock, staleAfterMs: 3 * spec.scrapeIntervalMs });
  const ids = Array.from({ length: spec.replicas }, (_, i) => `vllm-${i + 1}`);
  const placement = createPlacement(
    { targets: ids.map((id) => ({ id, maxInFlight: spec.maxInFlight })) },
    health,
  );
  const pool: PoolConfig = { id: 'llama-pool', replicas: ids, placement: policy };

  const end = spec.warmupMs + spec.durationMs;
  let outstanding = 0;
  let completed = 0;
  const firstTokens = new Map<number, number>();
  const servedBy = new Map<number, string>();
  const replicas = new Map(
    ids.map((id) => [
      id,
      createSimReplica(id, spec.replica, events, {
        firstToken(request, at) {
          firstTokens.set(request.id, at - request.arrival);
        },
        finished(request, at) {
          outstanding--;
          if (at >= spec.warmupMs && at < end) completed++;
          placement.finished(id, { ok: true, firstTokenMs: firstTokens.get(request.id) as number });
        },
      }),
    ]),
  );

  // Scrapes: each replica on its own phase; the text goes through vLLM's exposition and our parser.
  const scrapeRng = mulberry32(seed ^ 0x5eed);
  for (const id of ids) {
    const replica = replicas.get(id);
    if (!replica) continue;
    const scrape = () => {
      const text = vllmMetricsText(MODEL, replica.metrics());
      const [lo, hi] = spec.scrapeDelayMs;
      events.after(lo + scrapeRng() * (hi - lo), () => {
        const signals = loadFromMetricsBody(text, MODEL);
        if (signals) health.recordLoad(id, signals);
      });
      if (events.now() < end || outstanding > 0) events.after(spec.scrapeIntervalMs, scrape);
    };
    events.at(scrapeRng() * spec.scrapeIntervalMs, scrape);
  }

  const rng: Rng = mulberry32(seed);
  const workload = buildWorkload(spec.workload, rng);
  const gapMs = 1_000 / arrivalsPerSec;
  let nextId = 0;
  const arrive = () => {
    const { request, chat } = workload.next(nextId++, events.now());
    const order = placement.order(pool, { prefixKey: prefixKeyOf(chat) });
    const target = order?.[0];
    const replica = target ? replicas.get(target) : undefined;
    if (!target || !replica) throw new Error(`no replica for request ${request.id}`);
    placement.started(target);
    outstanding++;
    servedBy.set(request.id, target);
    replica.enqueue(request);
    const gap = -Math.log(1 - rng()) * gapMs;
    if (events.now() + gap < end) events.after(gap, arrive);
  };
  events.at(0, arrive);
  events.runUntil(Number.POSITIVE_INFINITY);

  const measured: number[] = [];
  for (const [id, ttft] of firstTokens) {
    const request = workload.request(id) as SimRequest;
    if (request.arrival >= spec.warmupMs) measured.push(ttft);
  }
  let prompt = 0;
  let cached = 0;
  for (const replica of replicas.values()) {
    const s = replica.stats();
    prompt += s.promptTokens;
    cached += s.cachedTokens;
  }
  return {
    policy,
    requests: measured.length,
    p50: percentile(measured, 50),
    p99: percentile(measured, 99),
    mean: measured.reduce((a, b) => a + b, 0) / measured.length,
    hitRate: cached / prompt,
    completedPerSec: completed / (spec.durationMs / 1_000),
    meanGapMs: gapMs,
  };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/**
 * The pool's capacity: the completion rate of round robin when it is overloaded (arrivals at 3x the rate
 * the pool could serve if nothing were cached... a rate it cannot keep up with), over 2 simulated minutes.
 */
export function capacityPerSec(spec: BenchSpec, seed: number): number {
  const probe: BenchSpec = { ...spec, warmupMs: 30_000, durationMs: 90_000 };
  return runPolicy('round-robin', probe, seed, 400).completedPerSec;
}

async function main() {
  const seed = Number(arg('seed') ?? 42);
  const minutes = Number(arg('minutes') ?? DEFAULT_SPEC.durationMs / 60_000);
  const tenants = Number(arg('tenants') ?? DEFAULT_SPEC.workload.tenants);
  const spec: BenchSpec = {
    ...DEFAULT_SPEC,
    durationMs: minutes * 60_000,
    workload: { ...DEFAULT_SPEC.workload, tenants },
  };
  printMachine();
  const w = spec.workload;
  console.log(
    `pool: ${spec.replicas} simulated vLLM replicas (max_num_seqs ${spec.replica.maxSeqs}, ` +
      `token budget ${spec.replica.tokenBudget}, KV ${spec.replica.kvTokens.toLocaleString('en')} tokens), ` +
      `maxInFlight ${spec.maxInFlight}, scrape every ${spec.scrapeIntervalMs} ms`,
  );
  console.log(
    `workload: ${w.tenants} tenants (Zipf ${w.zipf}), system prompts ${w.prefixTokens.join('-')} tokens, ` +
      `user ${w.userTokens.join('-')}, output ${w.outputTokens.join('-')}; ${minutes} min measured after ` +
      `${spec.warmupMs / 60_000} min warm-up; seed ${seed}`,
  );
  const started = performance.now();
  const capacity = capacityPerSec(spec, seed);
  const rate = capacity * spec.utilisation;
  console.log(
    `capacity under round robin (overloaded probe): ${capacity.toFixed(1)} requests/s; ` +
      `arrivals at ${Math.round(spec.utilisation * 100)}%: ${rate.toFixed(1)} requests/s`,
  );
  const results: PolicyResult[] = [];
  for (const policy of ['round-robin', 'least-loaded', 'prefix-affinity'] as const) {
    results.push(runPolicy(policy, spec, seed, rate));
  }
  const base = results[0] as PolicyResult;
  const fmt = (v: number) => `${Math.round(v).toLocaleString('en')} ms`;
  printTable(
    'Time to first token (simulated)',
    ['policy', 'requests', 'p50', 'p99', 'mean', 'round-robin p99 / p99', 'prompt tokens from cache'],
    results.map((r) => [
      r.policy,
      r.requests.toLocaleString('en'),
      fmt(r.p50),
      fmt(r.p99),
      fmt(r.mean),
      `${(base.p99 / r.p99).toFixed(2)}x`,
      `${(r.hitRate * 100).toFixed(1)}%`,
    ]),
  );
  const affinity = results[2] as PolicyResult;
  const ratio = base.p99 / affinity.p99;
  console.log(
    `target: prefix-affinity p99 at least 2x lower than round robin: ${ratio.toFixed(2)}x, ${ratio >= 2 ? 'met' : 'NOT met'}`,
  );
  console.log(`wall time ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main();
}
