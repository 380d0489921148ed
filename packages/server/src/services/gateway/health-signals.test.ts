import { describe, expect, it } from 'vitest';
import {
  modelsBody,
  trtllmMetricsBody,
  vllmMetricsText,
} from '../../testing/openai-chat-fake/openai-chat-replies.js';
import { parsePrometheusText } from './health-prometheus.js';
import {
  adaptersFromModelList,
  loadFromMetricsBody,
  loadFromPrometheus,
  loadFromTrtllmStats,
} from './health-signals.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

describe('load signals', () => {
  it('reads the vLLM gauges', () => {
    const text = vllmMetricsText(MODEL, { running: 3, waiting: 7, kvCacheUsage: 0.61 });
    expect(loadFromMetricsBody(text, MODEL)).toEqual({ waiting: 7, running: 3, kvCacheUsage: 0.61 });
  });

  it('sums data-parallel engines, averages their KV usage and prefers the target model', () => {
    const text = `
vllm:num_requests_running{engine="0",model_name="${MODEL}"} 2.0
vllm:num_requests_running{engine="1",model_name="${MODEL}"} 5.0
vllm:num_requests_running{engine="0",model_name="other"} 40.0
vllm:num_requests_waiting{engine="0",model_name="${MODEL}"} 1.0
vllm:num_requests_waiting{engine="1",model_name="${MODEL}"} 3.0
vllm:kv_cache_usage_perc{engine="0",model_name="${MODEL}"} 0.2
vllm:kv_cache_usage_perc{engine="1",model_name="${MODEL}"} 0.6
`;
    const signals = loadFromPrometheus(parsePrometheusText(text), MODEL);
    expect(signals?.running).toBe(7);
    expect(signals?.waiting).toBe(4);
    expect(signals?.kvCacheUsage).toBeCloseTo(0.4);
  });

  it('uses every sample when none is labelled with the target model (served under an alias)', () => {
    const text = 'vllm:num_requests_running{model_name="alias"} 2\nvllm:num_requests_waiting 1\n';
    expect(loadFromPrometheus(parsePrometheusText(text), MODEL)).toEqual({
      waiting: 1,
      running: 2,
      kvCacheUsage: null,
    });
  });

  it("falls back to vLLM's older gpu_cache_usage_perc and reads trtllm's Prometheus names", () => {
    const old = 'vllm:num_requests_running 1\nvllm:num_requests_waiting 0\nvllm:gpu_cache_usage_perc 0.3\n';
    expect(loadFromMetricsBody(old, MODEL)?.kvCacheUsage).toBe(0.3);
    const trt =
      'trtllm_num_requests_running{model_name="m",engine_type="trtllm"} 4\n' +
      'trtllm_num_requests_waiting{model_name="m",engine_type="trtllm"} 2\n' +
      'trtllm_kv_cache_utilization{model_name="m",engine_type="trtllm"} 0.5\n';
    expect(loadFromMetricsBody(trt, 'm')).toEqual({ waiting: 2, running: 4, kvCacheUsage: 0.5 });
  });

  it('returns null when the text has no load gauge', () => {
    expect(loadFromMetricsBody('http_requests_total{status="2xx"} 10\n', MODEL)).toBeNull();
    expect(loadFromMetricsBody('', MODEL)).toBeNull();
  });

  it("reads trtllm-serve's JSON iteration stats (the last entry) and KV blocks", () => {
    const older = trtllmMetricsBody({ running: 1, waiting: 1, kvCacheUsage: 0.1 }, 1);
    const newer = trtllmMetricsBody({ running: 6, waiting: 2, kvCacheUsage: 0.25 }, 2);
    expect(loadFromMetricsBody(JSON.stringify([...older, ...newer]), MODEL)).toEqual({
      waiting: 2,
      running: 6,
      kvCacheUsage: 0.25,
    });
    expect(loadFromTrtllmStats([])).toBeNull();
    expect(loadFromTrtllmStats([{ iter: 1 }])).toBeNull();
    expect(loadFromTrtllmStats([{ numActiveRequests: 3, kvCacheStats: { maxNumBlocks: 0 } }])).toEqual({
      waiting: 0,
      running: 3,
      kvCacheUsage: null,
    });
    expect(() => loadFromMetricsBody('[{"truncated', MODEL)).toThrow();
  });
});

describe('adaptersFromModelList', () => {
  it('lists the LoRA adapters whose parent is the base model', () => {
    const body = modelsBody('vllm', [MODEL], ['sql-lora', 'chat-lora'], 1);
    expect(adaptersFromModelList(body, MODEL)).toEqual(['sql-lora', 'chat-lora']);
    expect(adaptersFromModelList(modelsBody('vllm', [MODEL], [], 1), MODEL)).toEqual([]);
  });

  it('ignores adapters of another base model, unless the base is not listed by that name', () => {
    const body = {
      object: 'list',
      data: [
        { id: MODEL, parent: null },
        { id: 'mine', parent: MODEL },
        { id: 'theirs', parent: 'other-base' },
      ],
    };
    expect(adaptersFromModelList(body, MODEL)).toEqual(['mine']);
    expect(adaptersFromModelList(body, 'served-alias')).toEqual(['mine', 'theirs']);
  });

  it('returns null for something that is not a model list', () => {
    expect(adaptersFromModelList({ error: 'Unauthorized' }, MODEL)).toBeNull();
    expect(adaptersFromModelList(null, MODEL)).toBeNull();
  });
});
