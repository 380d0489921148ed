import { readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { type SuiteDefinition, SuiteError, validateSuite } from './suite-definition.js';

/**
 * Loads a suite file: YAML (`.yaml`, `.yml`), JSON, or a module (`.js`, `.mjs`, and `.ts` under a runtime
 * that loads TypeScript) whose default export is a suite. The dataset path comes back resolved against the
 * suite file's folder.
 */
export async function loadSuite(path: string): Promise<SuiteDefinition> {
  const extension = extname(path).toLowerCase();
  let raw: unknown;
  if (['.js', '.mjs', '.ts', '.mts'].includes(extension)) {
    try {
      raw = ((await import(pathToFileURL(resolve(path)).href)) as { default?: unknown }).default;
    } catch (error) {
      throw new SuiteError(path, '', `cannot load module (${(error as Error).message})`);
    }
  } else {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new SuiteError(path, '', `cannot read suite (${(error as Error).message})`);
    }
    try {
      raw = extension === '.json' ? JSON.parse(text) : parseYaml(text);
    } catch (error) {
      throw new SuiteError(
        path,
        '',
        `not valid ${extension === '.json' ? 'JSON' : 'YAML'} (${(error as Error).message})`,
      );
    }
  }
  const suite = validateSuite(raw, path);
  if (suite.dataset === undefined || isAbsolute(suite.dataset)) return suite;
  return { ...suite, dataset: resolve(dirname(path), suite.dataset) };
}
