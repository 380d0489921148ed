import { describe, expect, it } from 'vitest';
import { vllmMetricsText } from '../../testing/openai-chat-fake/openai-chat-replies.js';
import { parsePrometheusText } from './health-prometheus.js';

describe('parsePrometheusText', () => {
  it('reads the vLLM exposition of vllm-samples.md §7', () => {
    const text = vllmMetricsText('meta-llama/Llama-3.1-8B-Instruct', {
      running: 2,
      waiting: 5,
      kvCacheUsage: 0.0421,
    });
    const samples = parsePrometheusText(text);
    const byName = (name: string) => samples.filter((s) => s.name === name);
    expect(byName('vllm:num_requests_running')).toEqual([
      {
        name: 'vllm:num_requests_running',
        labels: { engine: '0', model_name: 'meta-llama/Llama-3.1-8B-Instruct' },
        value: 2,
      },
    ]);
    expect(byName('vllm:num_requests_waiting')[0]?.value).toBe(5);
    expect(byName('vllm:kv_cache_usage_perc')[0]?.value).toBe(0.0421);
    const buckets = byName('vllm:time_to_first_token_seconds_bucket');
    expect(buckets.map((b) => b.labels.le)).toEqual(['0.001', '0.02', '0.1', '+Inf']);
    expect(samples.some((s) => s.name.startsWith('#') || s.name === 'HELP')).toBe(false);
  });

  it('handles escapes, odd spacing, timestamps, special values, CRLF and a trailing comma', () => {
    const text = [
      '# HELP odd A "quoted" help \\n text',
      'odd{path="C:\\\\dir",quote="say \\"hi\\", {ok}",nl="a\\nb",} 1.5e3 1731295402000\r',
      'spaced { a = "1" , b="2" }   7',
      'bare 3',
      'nan_metric NaN',
      'inf_metric{x="y"} +Inf',
      'neg_inf -Inf',
      '{"dotted.name",job="x"} 4',
      '# EOF',
    ].join('\n');
    const samples = parsePrometheusText(text);
    expect(samples[0]).toEqual({
      name: 'odd',
      labels: { path: 'C:\\dir', quote: 'say "hi", {ok}', nl: 'a\nb' },
      value: 1500,
    });
    expect(samples[1]).toEqual({ name: 'spaced', labels: { a: '1', b: '2' }, value: 7 });
    expect(samples[2]).toEqual({ name: 'bare', labels: {}, value: 3 });
    expect(Number.isNaN(samples[3]?.value)).toBe(true);
    expect(samples[4]?.value).toBe(Number.POSITIVE_INFINITY);
    expect(samples[5]?.value).toBe(Number.NEGATIVE_INFINITY);
    expect(samples[6]).toEqual({ name: 'dotted.name', labels: { job: 'x' }, value: 4 });
    expect(samples).toHaveLength(7);
  });

  it('skips lines that do not parse and keeps the rest', () => {
    const text = [
      'good_before 1',
      'broken{unterminated="x 2',
      'no_value{a="b"}',
      'bad_value not-a-number',
      '{} 5',
      'good_after{a="b"} 2',
    ].join('\n');
    expect(parsePrometheusText(text).map((s) => [s.name, s.value])).toEqual([
      ['good_before', 1],
      ['good_after', 2],
    ]);
  });
});
