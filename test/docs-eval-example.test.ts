import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadSuite, parseRun, readDataset } from '@ragline/eval';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

const example = resolve(import.meta.dirname, '../examples/eval-in-ci');
const read = (path: string) => readFile(resolve(import.meta.dirname, '..', path), 'utf8');

describe('examples/eval-in-ci', () => {
  it('has a suite that loads and a dataset that parses', async () => {
    const suite = await loadSuite(resolve(example, 'suite.yaml'));
    expect(suite.target).toMatchObject({ kind: 'endpoint', apiKeyEnv: 'RAGLINE_API_KEY' });
    expect(suite.target).toMatchObject({ baseURL: expect.stringMatching(/\/v1$/) });
    const cases = await readDataset(suite.dataset ?? '');
    expect(cases.length).toBeGreaterThanOrEqual(5);
  });

  it('has a baseline that parses and pairs with every case and metric of the suite', async () => {
    const suite = await loadSuite(resolve(example, 'suite.yaml'));
    const cases = await readDataset(suite.dataset ?? '');
    const baseline = parseRun(await readFile(resolve(example, 'baseline.json'), 'utf8'));
    expect(baseline.suite.name).toBe(suite.name);
    expect(baseline.summary).toMatchObject({ incomplete: false, passed: true, errors: 0 });
    expect(baseline.metrics.map((metric) => metric.name)).toEqual(suite.metrics.map((metric) => metric.name));
    expect(baseline.cases.map((item) => item.id).sort()).toEqual(cases.map((item) => item.id).sort());
  });

  it('has a workflow that runs commands that exist', async () => {
    const workflow = await read('examples/eval-in-ci/eval-gate.yml');
    const steps = (parseYaml(workflow) as { jobs: Record<string, { steps: { run?: string }[] }> }).jobs.eval
      ?.steps;
    const commands = (steps ?? []).flatMap((step) => (step.run === undefined ? [] : [step.run])).join('\n');

    const evalPackage = JSON.parse(await read('packages/eval/package.json')) as {
      bin: Record<string, string>;
    };
    const rootPackage = JSON.parse(await read('package.json')) as { scripts: Record<string, string> };
    const bins = Object.keys(evalPackage.bin);
    const invoked = [...commands.matchAll(/npx (ragline-[\w-]+)/g)].map((match) => match[1]);
    expect(invoked.length).toBeGreaterThan(0);
    for (const bin of invoked) expect(bins).toContain(bin);
    const scripts = [...commands.matchAll(/npm (?:run )?(\w[\w:-]*)/g)]
      .map((match) => match[1])
      .filter((name) => name !== 'ci');
    expect(scripts).toEqual(expect.arrayContaining(['build', 'start']));
    for (const name of scripts) expect(Object.keys(rootPackage.scripts)).toContain(name);

    for (const path of commands.matchAll(/(examples\/[\w./-]+)/g)) {
      await expect(read(path[1] ?? ''), path[1]).resolves.toBeDefined();
    }
    expect(workflow).toContain('actions/upload-artifact');
    expect(workflow).toMatch(/--junit eval-reports\/junit\.xml/);
    expect(workflow).toMatch(/--markdown eval-reports\/comment\.md/);
  });
});
