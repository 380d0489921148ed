import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../packages/server/src/runtime/config.js';
import { loadConfigPrices } from '../packages/server/src/services/pricing/config-prices.js';

const env = {
  OPENAI_API_KEY: 'sk-test',
  BEDROCK_ACCESS_KEY_ID: 'AKIDTEST',
  BEDROCK_SECRET_ACCESS_KEY: 'secret',
};

async function yamlBlocks(guide: string): Promise<string[]> {
  const text = await readFile(resolve(import.meta.dirname, '../docs/guides', guide), 'utf8');
  return [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

describe('price examples in the guides', () => {
  it("the gateway guide's full configuration has prices the server loads", async () => {
    const [full] = await yamlBlocks('gateway.md');
    const config = parseConfig({ ...env, RAGLINE_CONFIG_YAML: full ?? '' });
    expect(config.prices?.entries).toContainEqual({ target: 'vllm-a100-1', gpuHourMicros: 2_400_000 });
    expect(config.prices?.entries).toContainEqual({
      model: 'gpt-4o-mini',
      inputPerMillionMicros: 150_000,
      cachedInputPerMillionMicros: 75_000,
      outputPerMillionMicros: 600_000,
    });
  });

  it("every prices: example of the costs guide loads against the gateway guide's targets", async () => {
    const [full] = await yamlBlocks('gateway.md');
    const targets = parseConfig({ ...env, RAGLINE_CONFIG_YAML: full ?? '' }).gateway.targets.map((t) => t.id);
    const blocks = (await yamlBlocks('costs-and-budgets.md')).filter((yaml) => /^prices:/m.test(yaml));
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    for (const yaml of blocks)
      expect(loadConfigPrices(yaml, targets)?.entries.length, yaml).toBeGreaterThan(0);
  });
});
