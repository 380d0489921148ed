import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { LIBRARY_VERSION } from './version.js';

it('LIBRARY_VERSION is the package version', async () => {
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  expect(LIBRARY_VERSION).toBe(pkg.version);
});
