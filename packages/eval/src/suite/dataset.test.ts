import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsvDataset, parseJsonlDataset, readDataset } from './dataset.js';

describe('JSONL datasets', () => {
  it('reads one case per non-empty line with every optional field', () => {
    const text = [
      '{"id":"q1","input":"Capital of {{country}}?","variables":{"country":"France"},"expected":"Paris","tags":["geo"]}',
      '',
      '{"id":"q2","input":"Which documents?","expectedDocuments":["d1","d2"],"expected":{"answer":42}}',
    ].join('\n');
    expect(parseJsonlDataset(text)).toEqual([
      {
        id: 'q1',
        input: 'Capital of {{country}}?',
        variables: { country: 'France' },
        expected: 'Paris',
        tags: ['geo'],
      },
      { id: 'q2', input: 'Which documents?', expectedDocuments: ['d1', 'd2'], expected: { answer: 42 } },
    ]);
  });

  it('names the file, line and field of a bad record', () => {
    expect(() => parseJsonlDataset('{"id":"q1","input":"x"}\n{"id":"q2"}', 'cases.jsonl')).toThrow(
      'cases.jsonl:2.input: expected a string',
    );
    expect(() => parseJsonlDataset('{"id":"q1",', 'cases.jsonl')).toThrow(/^cases\.jsonl:1: invalid JSON/);
    expect(() => parseJsonlDataset('{"id":"q1","input":"x","tags":"geo"}', 'c.jsonl')).toThrow(
      'c.jsonl:1.tags: expected an array of strings',
    );
  });

  it('rejects repeated case ids, since baselines pair cases by id', () => {
    expect(() => parseJsonlDataset('{"id":"q1","input":"a"}\n{"id":"q1","input":"b"}', 'd.jsonl')).toThrow(
      'd.jsonl: case id "q1" appears more than once',
    );
  });
});

describe('CSV datasets', () => {
  it('maps columns to fields: JSON variables, lists as JSON or ;-separated, empty cells absent', () => {
    const text = [
      'id,input,variables,expected,expectedDocuments,tags',
      'q1,"Hi, {{name}}","{""name"":""Ada""}","Hello, Ada","[""d1""]",greeting; smoke',
      'q2,Plain,,,,',
    ].join('\r\n');
    expect(parseCsvDataset(text)).toEqual([
      {
        id: 'q1',
        input: 'Hi, {{name}}',
        variables: { name: 'Ada' },
        expected: 'Hello, Ada',
        expectedDocuments: ['d1'],
        tags: ['greeting', 'smoke'],
      },
      { id: 'q2', input: 'Plain' },
    ]);
  });

  it('names the record of a bad row', () => {
    expect(() => parseCsvDataset('id,input\nq1,a,extra', 'c.csv')).toThrow(
      'c.csv: record 1: has 3 fields, the header has 2',
    );
    expect(() => parseCsvDataset('id,input,variables\nq1,a,{not json}', 'c.csv')).toThrow(
      'c.csv: record 1.variables: expected JSON, got "{not json}"',
    );
    expect(() => parseCsvDataset('id,input\nq1,"open', 'c.csv')).toThrow(
      'c.csv:line 2: quoted field is not closed',
    );
  });
});

describe('readDataset', () => {
  it('picks the reader by extension and rejects others', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ragline-dataset-'));
    await writeFile(join(dir, 'a.csv'), 'id,input\nq1,hello\n');
    await writeFile(join(dir, 'a.txt'), 'hello');
    expect(await readDataset(join(dir, 'a.csv'))).toEqual([{ id: 'q1', input: 'hello' }]);
    await expect(readDataset(join(dir, 'a.txt'))).rejects.toThrow(
      /a\.txt: dataset must be a \.jsonl or \.csv file/,
    );
    await expect(readDataset(join(dir, 'missing.jsonl'))).rejects.toThrow(
      /missing\.jsonl: cannot read dataset/,
    );
  });
});
