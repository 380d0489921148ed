import { createPromptVersionRequestSchema } from '@ragline/sdk/contracts';
import { describe, expect, it } from 'vitest';
import type { PromptVersionRow } from '../../ports/registry-repositories.js';
import { preparePromptContent } from './prompt-content.js';
import { diffPromptVersions } from './prompt-diff.js';
import { unifiedDiff } from './unified-diff.js';

async function version(version: number, body: unknown): Promise<PromptVersionRow> {
  const content = await preparePromptContent(createPromptVersionRequestSchema.parse(body));
  return { tenantId: 't', name: 'p', version, ...content, message: null, createdAt: '', createdBy: null };
}

describe('unifiedDiff', () => {
  const labels = { from: 'a', to: 'b' };

  it('is empty for equal lines', () => {
    expect(unifiedDiff(['x', 'y'], ['x', 'y'], labels)).toBe('');
  });

  it('writes hunks with three lines of context, merging close changes and splitting far ones', () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
    const after = [...before];
    after[1] = 'line 2 changed';
    after.splice(4, 0, 'inserted');
    after.splice(18, 1);
    expect(unifiedDiff(before, after, labels)).toBe(
      [
        '--- a',
        '+++ b',
        '@@ -1,7 +1,8 @@',
        ' line 1',
        '-line 2',
        '+line 2 changed',
        ' line 3',
        ' line 4',
        '+inserted',
        ' line 5',
        ' line 6',
        ' line 7',
        '@@ -15,6 +16,5 @@',
        ' line 15',
        ' line 16',
        ' line 17',
        '-line 18',
        ' line 19',
        ' line 20',
        '',
      ].join('\n'),
    );
  });

  it('handles an empty side', () => {
    expect(unifiedDiff([], ['new'], labels)).toBe('--- a\n+++ b\n@@ -0,0 +1,1 @@\n+new\n');
    expect(unifiedDiff(['old'], [], labels)).toBe('--- a\n+++ b\n@@ -1,1 +0,0 @@\n-old\n');
  });
});

describe('diffPromptVersions', () => {
  it('reports template lines, variables added, removed and changed, and the model config', async () => {
    const from = await version(1, {
      template: 'You are helpful.\nAnswer: {{question}}\nTone: {{tone}}',
      variables: {
        properties: { question: { type: 'string' }, tone: { type: 'string' }, old: {} },
        required: ['question'],
      },
      model: 'chat-a',
    });
    const to = await version(2, {
      template: 'You are helpful.\nAnswer briefly: {{question}}\nTone: {{tone}}',
      variables: {
        properties: { question: { type: 'string' }, tone: { type: 'string', enum: ['a', 'b'] }, lang: {} },
        required: ['question', 'lang'],
      },
      model: { model: 'chat-a', parameters: { temperature: 0 } },
    });
    const diff = diffPromptVersions(from, to);
    expect(diff).toMatchObject({ name: 'p', from: 1, to: 2, kind: { from: 'text', to: 'text' } });
    expect(diff.template).toEqual({
      changed: true,
      unified:
        '--- p@1\n+++ p@2\n@@ -1,3 +1,3 @@\n You are helpful.\n-Answer: {{question}}\n+Answer briefly: {{question}}\n Tone: {{tone}}\n',
    });
    expect(diff.variables).toEqual({
      added: ['lang'],
      removed: ['old'],
      changed: [
        {
          name: 'tone',
          from: { type: 'string' },
          to: { type: 'string', enum: ['a', 'b'] },
          required: { from: false, to: false },
        },
      ],
    });
    expect(diff.model).toEqual({
      changed: true,
      from: { model: 'chat-a' },
      to: { model: 'chat-a', parameters: { temperature: 0 } },
    });
    expect(diffPromptVersions(from, from)).toMatchObject({
      template: { changed: false, unified: '' },
      variables: { added: [], removed: [], changed: [] },
      model: { changed: false },
    });
  });

  it('diffs chat messages as [role] blocks, and notices a variable becoming required', async () => {
    const from = await version(1, {
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: '{{question}}' },
      ],
      variables: { properties: { question: { type: 'string' } } },
    });
    const to = await version(2, {
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'placeholder', name: 'history' },
        { role: 'user', content: '{{question}}' },
      ],
      variables: { properties: { question: { type: 'string' } }, required: ['question'] },
    });
    const diff = diffPromptVersions(from, to);
    expect(diff.template.unified).toBe(
      '--- p@1\n+++ p@2\n@@ -1,4 +1,5 @@\n [system]\n Be brief.\n+[placeholder: history]\n [user]\n {{question}}\n',
    );
    expect(diff.variables.changed).toEqual([
      {
        name: 'question',
        from: { type: 'string' },
        to: { type: 'string' },
        required: { from: false, to: true },
      },
    ]);
  });
});
