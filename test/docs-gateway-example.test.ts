import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../packages/server/src/services/gateway/config-load.js';

const env = {
  OPENAI_API_KEY: 'sk-test',
  BEDROCK_ACCESS_KEY_ID: 'AKIDTEST',
  BEDROCK_SECRET_ACCESS_KEY: 'secret',
};

async function yamlBlocks(): Promise<string[]> {
  const guide = await readFile(resolve(import.meta.dirname, '../docs/guides/gateway.md'), 'utf8');
  return [...guide.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

describe('docs/guides/gateway.md', () => {
  it('has a full configuration example that loads and validates', async () => {
    const [yaml] = await yamlBlocks();
    expect(yaml).toBeDefined();
    const config = loadGatewayConfig(yaml ?? '', { env });
    expect(config.targets.length).toBeGreaterThan(3);
    expect(config.routes.length).toBeGreaterThan(1);
  });

  it('has only YAML examples that load and validate', async () => {
    const blocks = await yamlBlocks();
    expect(blocks.length).toBeGreaterThan(2);
    for (const yaml of blocks) expect(() => loadGatewayConfig(yaml, { env }), yaml).not.toThrow();
  });

  it('shows a LoRA route and Triton and Bedrock target options as they are read', async () => {
    const configs = (await yamlBlocks()).map((yaml) => loadGatewayConfig(yaml, { env }));
    const routes = configs.flatMap((c) => c.routes);
    const targets = configs.flatMap((c) => c.targets);
    expect(routes.find((r) => r.name === 'sql-assistant')?.targets).toEqual([
      { ref: 'llama-pool', adapter: 'sql-lora' },
    ]);
    const triton = targets.find((t) => t.kind === 'triton' && t.promptTemplate);
    expect(triton).toMatchObject({ modelVersion: '1', defaultMaxTokens: 512, inputs: { end_id: 128009 } });
    expect(triton?.promptTemplate?.roles?.user).toBe('<|start_header_id|>user<|end_header_id|>\n\n');
    expect(targets.find((t) => t.credentials)?.credentials).toEqual({
      accessKeyId: 'AKIDTEST',
      secretAccessKey: 'secret',
    });
  });
});
