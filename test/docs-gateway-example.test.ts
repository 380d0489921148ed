import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../packages/server/src/services/gateway/config-load.js';

describe('docs/guides/gateway.md', () => {
  it('has a full configuration example that loads and validates', async () => {
    const guide = await readFile(resolve(import.meta.dirname, '../docs/guides/gateway.md'), 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(guide)?.[1];
    expect(yaml).toBeDefined();
    const config = loadGatewayConfig(yaml ?? '', { env: { OPENAI_API_KEY: 'sk-test' } });
    expect(config.targets.length).toBeGreaterThan(3);
    expect(config.routes.length).toBeGreaterThan(1);
  });
});
