import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSuite } from './load-suite.js';
import { defineSuite, SuiteError, validateSuite } from './suite-definition.js';

const valid = {
  name: 'qa',
  dataset: 'cases.jsonl',
  target: { kind: 'endpoint', baseURL: 'http://127.0.0.1:9/v1', model: 'm' },
  metrics: [
    { name: 'exact', kind: 'equals', options: { trim: true } },
    { name: 'f1', kind: 'token-f1', threshold: 0.6 },
  ],
  gate: { absolute: [{ metric: 'exact', threshold: 0.8 }], baseline: { margin: 0.05 } },
};

describe('validateSuite', () => {
  it('accepts a valid suite as it is', () => {
    expect(validateSuite(valid)).toEqual(valid);
  });

  it.each([
    [{ ...valid, metrics: [{ name: 'x', kind: 'bleu' }] }, 'metrics[0].kind'],
    [{ ...valid, target: { ...valid.target, kind: 'nope' } }, 'target.kind'],
    [{ ...valid, target: { kind: 'release', release: 'production' } }, 'target.server'],
    [{ ...valid, target: { ...valid.target, baseURL: 'not a url' } }, 'target.baseURL'],
    [{ ...valid, repeats: 0 }, 'repeats'],
    [{ ...valid, metrics: [{ name: 'r', kind: 'regex' }] }, 'metrics[0].options.pattern'],
    [
      { ...valid, metrics: [{ name: 'r', kind: 'regex', options: { pattern: '(' } }] },
      'metrics[0].options.pattern',
    ],
    [{ ...valid, gate: { absolute: [{ metric: 'nope', threshold: 1 }] } }, 'gate.absolute[0].metric'],
    [{ ...valid, metrics: [valid.metrics[0], valid.metrics[0]] }, 'metrics[1].name'],
    [{ ...valid, gate: { baseline: { margin: { nope: 0.1 } } } }, 'gate.baseline.margin.nope'],
    [{ ...valid, extra: true }, 'suite'],
  ])('names the offending field (%#)', (suite, path) => {
    let caught: unknown;
    try {
      validateSuite(suite, 'suite.yaml');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SuiteError);
    expect((caught as SuiteError).message.startsWith(`suite.yaml: ${path}: `)).toBe(true);
  });

  it('defineSuite validates eagerly', () => {
    expect(() => defineSuite({ ...valid, metrics: [] } as never)).toThrow(/^defineSuite: metrics: /);
  });
});

describe('loadSuite', () => {
  it('reads YAML and resolves the dataset against the suite folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ragline-suite-'));
    const file = join(dir, 'suite.yaml');
    await writeFile(
      file,
      [
        'name: qa',
        'dataset: data/cases.csv',
        'target: { kind: endpoint, baseURL: "http://127.0.0.1:9/v1", model: m, apiKeyEnv: KEY }',
        'metrics:',
        '  - { name: exact, kind: equals }',
        'repeats: 3',
      ].join('\n'),
    );
    const suite = await loadSuite(file);
    expect(suite.dataset).toBe(join(dir, 'data', 'cases.csv'));
    expect(suite.repeats).toBe(3);
    expect(suite.target.apiKeyEnv).toBe('KEY');
  });

  it('names the file on bad YAML and on a bad field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ragline-suite-'));
    await writeFile(join(dir, 'broken.yaml'), 'name: [unclosed');
    await writeFile(
      join(dir, 'bad.yml'),
      'name: qa\ndataset: d.jsonl\ntarget: { kind: endpoint, baseURL: "http://x/v1" }\nmetrics: []\n',
    );
    await expect(loadSuite(join(dir, 'broken.yaml'))).rejects.toThrow(/broken\.yaml: suite: not valid YAML/);
    await expect(loadSuite(join(dir, 'bad.yml'))).rejects.toThrow(/bad\.yml: target\.model: /);
    await expect(loadSuite(join(dir, 'none.yaml'))).rejects.toThrow(/none\.yaml: suite: cannot read suite/);
  });
});
