import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@ragline/source', 'import', 'node', 'default'] },
  ssr: { resolve: { conditions: ['@ragline/source', 'import', 'node', 'default'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
