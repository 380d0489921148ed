import { type PrometheusSample, parsePrometheusText } from './health-prometheus.js';
import type { LoadSignals } from './health-store.js';

/**
 * Load signals from a metrics response body: a JSON body is trtllm-serve's iteration stats, anything
 * else Prometheus text (vLLM's `vllm:*` gauges, or trtllm's `trtllm_*` ones at /prometheus/metrics).
 * Null when the body carries no load signal (trtllm with stats off answers `[]`). Throws on a body that
 * looks like JSON but does not parse.
 */
export function loadFromMetricsBody(body: string, model: string): LoadSignals | null {
  const head = body.trimStart()[0];
  if (head === '[' || head === '{') return loadFromTrtllmStats(JSON.parse(body));
  return loadFromPrometheus(parsePrometheusText(body), model);
}

const WAITING = ['vllm:num_requests_waiting', 'trtllm_num_requests_waiting'];
const RUNNING = ['vllm:num_requests_running', 'trtllm_num_requests_running'];
/** `gpu_cache_usage_perc` is the pre-0.10 name, kept for older servers (vllm-samples.md §7). */
const KV_USAGE = ['vllm:kv_cache_usage_perc', 'trtllm_kv_cache_utilization', 'vllm:gpu_cache_usage_perc'];
const ALL = new Set([...WAITING, ...RUNNING, ...KV_USAGE]);

/**
 * vLLM's (or trtllm's) Prometheus gauges. Samples labelled with `model_name` = `model` win over others
 * when present; queue and batch counts are summed over data-parallel engines (the `engine` label) and
 * KV-cache usage is their mean, since each engine has its own cache.
 */
export function loadFromPrometheus(samples: PrometheusSample[], model: string): LoadSignals | null {
  let relevant = samples.filter((s) => ALL.has(s.name) && Number.isFinite(s.value));
  if (relevant.some((s) => s.labels.model_name === model)) {
    relevant = relevant.filter((s) => s.labels.model_name === model);
  }
  const pick = (names: string[]) => {
    for (const name of names) {
      const values = relevant.filter((s) => s.name === name).map((s) => s.value);
      if (values.length > 0) return values;
    }
    return null;
  };
  const waiting = pick(WAITING);
  const running = pick(RUNNING);
  if (!waiting && !running) return null;
  const kv = pick(KV_USAGE);
  return {
    waiting: sum(waiting),
    running: sum(running),
    kvCacheUsage: kv ? clamp01(sum(kv) / kv.length) : null,
  };
}

/**
 * trtllm-serve's `/metrics`: a JSON array of iteration stats since the previous call, oldest first; the
 * last entry is the current state. `[]` means no stats (off, or no iteration since the last scrape):
 * null, so the previous signals age out and placement falls back to in-flight counts.
 */
export function loadFromTrtllmStats(json: unknown): LoadSignals | null {
  if (!Array.isArray(json) || json.length === 0) return null;
  const last = json[json.length - 1] as Record<string, unknown> | null;
  if (!last || typeof last !== 'object') return null;
  const queued = finite(last.numQueuedRequests);
  const active = finite(last.numActiveRequests);
  if (queued === null && active === null) return null;
  const kv = (last.kvCacheStats ?? null) as Record<string, unknown> | null;
  const used = finite(kv?.usedNumBlocks);
  const max = finite(kv?.maxNumBlocks);
  return {
    waiting: queued ?? 0,
    running: active ?? 0,
    kvCacheUsage: used !== null && max !== null && max > 0 ? clamp01(used / max) : null,
  };
}

/**
 * LoRA adapters in an OpenAI-style model list: the entries whose `parent` is the base model (vLLM,
 * vllm-samples.md §2). When the base model is not listed under that name (served under an alias), any
 * entry with a parent counts. Null when the body is not a model list.
 */
export function adaptersFromModelList(json: unknown, baseModel: string): string[] | null {
  const data = (json as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return null;
  const cards = data.filter(
    (c): c is { id: string; parent?: unknown } =>
      typeof c === 'object' && c !== null && typeof (c as { id?: unknown }).id === 'string',
  );
  const baseListed = cards.some((c) => c.id === baseModel);
  return cards
    .filter((c) => typeof c.parent === 'string' && (c.parent === baseModel || !baseListed))
    .map((c) => c.id);
}

function sum(values: number[] | null): number {
  return values ? values.reduce((a, b) => a + b, 0) : 0;
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}

function finite(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
