import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../runtime/config.js';
import { loadGatewayConfig } from '../gateway/config-load.js';
import { loadConfigPrices, PriceConfigError } from './config-prices.js';

const TARGETS = `
targets:
  - { id: vllm-a, kind: vllm, model: llama, baseURL: "http://vllm-a.test/v1" }
routes:
  - { name: llama, targets: [{ ref: vllm-a }] }
`;

function issuesOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof PriceConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a PriceConfigError');
}

describe('the config file prices: section', () => {
  it('reads a list of entries, in micro-dollars', () => {
    const prices = loadConfigPrices(
      `${TARGETS}
prices:
  - { model: gpt-4o, input: "2.50", cachedInput: "1.25", output: "10.00" }
  - { model: text-embedding-3-small, input: 0.02, output: 0 }
  - { target: vllm-a, gpuHour: "2.40", gpus: 2 }
`,
      ['vllm-a'],
    );
    expect(prices).toEqual({
      entries: [
        {
          model: 'gpt-4o',
          inputPerMillionMicros: 2_500_000,
          cachedInputPerMillionMicros: 1_250_000,
          outputPerMillionMicros: 10_000_000,
        },
        { model: 'text-embedding-3-small', inputPerMillionMicros: 20_000, outputPerMillionMicros: 0 },
        { target: 'vllm-a', gpuHourMicros: 2_400_000, gpus: 2 },
      ],
    });
  });

  it('reads the API body form with effectiveFrom and note', () => {
    const prices = loadConfigPrices(
      `
prices:
  effectiveFrom: 2026-07-01
  note: July list prices
  entries:
    - { model: gpt-4o, input: "2.50", output: "10.00" }
`,
      [],
    );
    expect(prices).toMatchObject({ effectiveFrom: '2026-07-01T00:00:00.000Z', note: 'July list prices' });
  });

  it('is null without a section, and an empty list with an empty one', () => {
    expect(loadConfigPrices(TARGETS, ['vllm-a'])).toBeNull();
    expect(loadConfigPrices('', [])).toBeNull();
    expect(loadConfigPrices('prices: []\n', [])).toEqual({ entries: [] });
  });

  it('names each bad field by the path the file uses', () => {
    expect(
      issuesOf(() =>
        loadConfigPrices(
          `
prices:
  - { model: a, input: "0.0000001", output: 1 }
  - { model: b, input: 1 }
`,
          [],
        ),
      ),
    ).toEqual([
      'prices[0].input: "0.0000001" has more than 6 decimals (the ledger counts micro-dollars)',
      'prices[1].output: required with token prices (0 for embedding models)',
    ]);
    expect(
      issuesOf(() => loadConfigPrices('prices:\n  entries:\n    - { model: a, gpuHour: "x" }\n', [])),
    ).toEqual(['prices.entries[0].gpuHour: "x" is not a non-negative decimal amount of dollars']);
    expect(issuesOf(() => loadConfigPrices('prices: 3\n', []))[0]).toMatch(/^prices: /);
  });

  it('refuses a target the file does not define', () => {
    expect(
      issuesOf(() =>
        loadConfigPrices(`${TARGETS}\nprices:\n  - { target: vllm-b, gpuHour: 2 }\n`, ['vllm-a']),
      ),
    ).toEqual(['prices[0].target: "vllm-b" is not a target in this file']);
  });

  it('leaves the gateway loader working on a file with prices', () => {
    const gateway = loadGatewayConfig(`${TARGETS}\nprices:\n  - { model: gpt-4o, input: 1, output: 2 }\n`);
    expect(gateway.targets.map((t) => t.id)).toEqual(['vllm-a']);
    expect(() => loadGatewayConfig(`${TARGETS}\nprizes: []\n`)).toThrow(/prizes/);
  });
});

describe('parseConfig with prices', () => {
  it('returns the file prices next to the gateway config', () => {
    const config = parseConfig({
      RAGLINE_CONFIG_YAML: `${TARGETS}\nprices:\n  - { target: vllm-a, gpuHour: "1.5" }\n`,
    });
    expect(config.gateway.routes.map((r) => r.name)).toEqual(['llama']);
    expect(config.prices).toEqual({ entries: [{ target: 'vllm-a', gpuHourMicros: 1_500_000 }] });
    expect(parseConfig({}).prices).toBeNull();
    expect(parseConfig({ RAGLINE_CONFIG_YAML: TARGETS }).prices).toBeNull();
  });

  it('reports a bad price as a configuration error naming the source and field', () => {
    expect(() =>
      parseConfig({ RAGLINE_CONFIG_YAML: 'prices:\n  - { model: a, input: "1.2.3", output: 1 }\n' }),
    ).toThrow(
      new ConfigError(
        'invalid configuration:\n  RAGLINE_CONFIG_YAML: prices[0].input: "1.2.3" is not a non-negative decimal amount of dollars',
      ),
    );
  });
});
