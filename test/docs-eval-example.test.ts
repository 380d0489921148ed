import { readdir, readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadSuite, parseRun, readDataset } from '@ragline/eval';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { buildProgram } from '../packages/server/src/cli/program.js';

/**
 * examples/eval-in-ci stays consistent: the suite loads, every case names documents of docs/, the
 * baseline pairs with the suite, and the workflow only runs commands, scripts and files that exist.
 * test/eval-e2e.test.ts runs the same suite against the real server.
 */

const example = resolve(import.meta.dirname, '../examples/eval-in-ci');
const read = (path: string) => readFile(resolve(import.meta.dirname, '..', path), 'utf8');

describe('examples/eval-in-ci', () => {
  it('has a release suite whose cases expect documents of docs/', async () => {
    const suite = await loadSuite(resolve(example, 'suite.yaml'));
    expect(suite.target).toMatchObject({
      kind: 'release',
      release: 'candidate',
      apiKeyEnv: 'RAGLINE_API_KEY',
    });
    const cases = await readDataset(suite.dataset ?? '');
    expect(cases.length).toBeGreaterThanOrEqual(8);
    const docs = new Set(await readdir(resolve(example, 'docs')));
    for (const item of cases) {
      expect(item.expectedDocuments?.length, item.id).toBeGreaterThan(0);
      for (const id of item.expectedDocuments ?? []) expect(docs, `${item.id}: ${id}`).toContain(id);
      const document = await readFile(resolve(example, 'docs', item.expectedDocuments?.[0] ?? ''), 'utf8');
      expect(document, `${item.id}: the expected fact is in its document`).toContain(item.expected);
    }
  });

  it('has a baseline that passed and pairs with every case and metric of the suite', async () => {
    const suite = await loadSuite(resolve(example, 'suite.yaml'));
    const cases = await readDataset(suite.dataset ?? '');
    const baseline = parseRun(await readFile(resolve(example, 'baseline.json'), 'utf8'));
    expect(baseline.suite.name).toBe(suite.name);
    expect(baseline.target.kind).toBe('release');
    expect(baseline.summary).toMatchObject({ incomplete: false, passed: true, errors: 0 });
    expect(baseline.metrics.map((metric) => metric.name)).toEqual(suite.metrics.map((metric) => metric.name));
    expect(baseline.cases.map((item) => item.id).sort()).toEqual(cases.map((item) => item.id).sort());
  });

  it('has two prompts that differ only in whether the retrieved passages reach the model', async () => {
    const good = parseYaml(await readFile(resolve(example, 'prompt.yaml'), 'utf8'));
    const regressed = parseYaml(await readFile(resolve(example, 'prompt-regressed.yaml'), 'utf8'));
    expect(good.name).toBe(regressed.name);
    expect(good.template).toContain('{{context}}');
    expect(regressed.template).not.toContain('{{context}}');
  });

  it('has a workflow that runs commands, scripts and files that exist', async () => {
    const workflow = await read('examples/eval-in-ci/eval-gate.yml');
    const steps = (parseYaml(workflow) as { jobs: Record<string, { steps: { run?: string }[] }> }).jobs.eval
      ?.steps;
    const commands = (steps ?? []).flatMap((step) => (step.run === undefined ? [] : [step.run])).join('\n');

    const evalPackage = JSON.parse(await read('packages/eval/package.json')) as {
      bin: Record<string, string>;
    };
    const rootPackage = JSON.parse(await read('package.json')) as { scripts: Record<string, string> };
    const invoked = [...commands.matchAll(/npx (ragline-[\w-]+)/g)].map((match) => match[1]);
    expect(invoked).toContain('ragline-eval');
    for (const bin of invoked) expect(Object.keys(evalPackage.bin)).toContain(bin);

    const program = buildProgram({ stdout: { write: () => true }, stderr: { write: () => true } } as never);
    const ragline = [...commands.matchAll(/npx ragline ([a-z]+)(?: ([a-z]+))?/g)];
    expect(ragline.length).toBeGreaterThanOrEqual(4);
    for (const [line, name, sub] of ragline) {
      const command = program.commands.find((candidate: Command) => candidate.name() === name);
      expect(command, line).toBeDefined();
      if (sub !== undefined && (command?.commands.length ?? 0) > 0) {
        expect(
          command?.commands.map((candidate: Command) => candidate.name()),
          line,
        ).toContain(sub);
      }
    }

    const scripts = [...commands.matchAll(/npm (?:run )?(\w[\w:-]*)/g)]
      .map((match) => match[1])
      .filter((name) => name !== 'ci');
    expect(scripts).toEqual(expect.arrayContaining(['build', 'start']));
    for (const name of scripts) expect(Object.keys(rootPackage.scripts)).toContain(name);

    for (const path of commands.matchAll(/(examples\/[\w./-]+)/g)) {
      await expect(stat(resolve(import.meta.dirname, '..', path[1] ?? '')), path[1]).resolves.toBeDefined();
    }
    expect(workflow).toContain('actions/upload-artifact');
    for (const flag of ['--record', '--junit eval-reports/junit.xml', '--html eval-reports/report.html']) {
      expect(workflow).toContain(flag);
    }
  });
});
