import { createPromptVersionRequestSchema } from '@ragline/sdk/contracts';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../core/api-error.js';
import type { ChatMessage } from '../../ports/chat-model.js';
import type { PromptVersionRow } from '../../ports/registry-repositories.js';
import { preparePromptContent } from './prompt-content.js';
import { renderPromptVersion } from './render-prompt.js';

async function version(body: unknown, version = 1): Promise<PromptVersionRow> {
  const content = await preparePromptContent(createPromptVersionRequestSchema.parse(body));
  return {
    tenantId: 't',
    name: 'support/answer',
    version,
    ...content,
    message: null,
    createdAt: '2026-05-01T00:00:00.000Z',
    createdBy: null,
  };
}

function refusal(run: () => unknown): ApiError {
  try {
    run();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

const typed = {
  template: '{{question}} ({{tone}}, top {{topK}}){{#docs}} [{{title}}]{{/docs}}',
  variables: {
    properties: {
      question: { type: 'string' },
      tone: { type: 'string', enum: ['friendly', 'formal'] },
      topK: { type: 'integer' },
      strict: { type: 'boolean' },
      docs: {
        type: 'array',
        items: { type: 'object', properties: { title: { type: 'string' } }, required: ['title'] },
      },
    },
    required: ['question', 'tone'],
  },
  model: { model: 'chat-default', parameters: { temperature: 0.2 } },
};

describe('renderPromptVersion', () => {
  it('renders a text prompt with its model config', async () => {
    const row = await version(typed, 3);
    expect(
      renderPromptVersion(row, {
        question: 'Why?',
        tone: 'formal',
        topK: 5,
        docs: [{ title: 'A' }, { title: 'B' }],
      }),
    ).toEqual({
      kind: 'text',
      text: 'Why? (formal, top 5) [A] [B]',
      prompt: { name: 'support/answer', version: 3 },
      modelConfig: { model: 'chat-default', parameters: { temperature: 0.2 } },
    });
  });

  it('names every missing and every wrongly typed variable, nested ones included', async () => {
    const row = await version(typed);
    const error = refusal(() =>
      renderPromptVersion(row, {
        tone: 'rude',
        topK: 2.5,
        strict: 'yes',
        docs: [{ title: 'ok' }, { title: 7 }, {}, 'x'],
        extra: 'undeclared values are allowed',
      }),
    );
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.status).toBe(400);
    const issues = (error.details as { issues: { field: string; message: string }[] }).issues;
    expect(issues).toEqual([
      { field: 'variables.question', message: 'required' },
      { field: 'variables.tone', message: 'must be one of "friendly", "formal"' },
      { field: 'variables.topK', message: 'must be an integer (got a number)' },
      { field: 'variables.strict', message: 'must be a boolean (got a string)' },
      { field: 'variables.docs[1].title', message: 'must be a string (got an integer)' },
      { field: 'variables.docs[2].title', message: 'required' },
      { field: 'variables.docs[3]', message: 'must be an object (got a string)' },
    ]);
    for (const { field } of issues) expect(error.message).toContain(field);
    expect(error.message).toContain('prompt "support/answer" version 1');
  });

  it('treats null as missing, and an inferred schema requires each value tag', async () => {
    const row = await version({ template: 'Hi {{name}}{{#vip}}, welcome back{{/vip}}' });
    expect(refusal(() => renderPromptVersion(row, { name: null })).message).toMatch(
      /^variables\.name: required/,
    );
    expect(renderPromptVersion(row, { name: 42 }).text).toBe('Hi 42');
    expect(renderPromptVersion(row, { name: 'Ada', vip: true }).text).toBe('Hi Ada, welcome back');
  });

  it('puts the history where the chat placeholder is', async () => {
    const row = await version({
      messages: [
        { role: 'system', content: 'You help with {{product}}.' },
        { role: 'placeholder', name: 'history' },
        { role: 'user', content: '{{question}}' },
      ],
    });
    const history: ChatMessage[] = [
      { role: 'user', content: 'earlier question' },
      { role: 'assistant', content: 'earlier answer' },
    ];
    const rendered = renderPromptVersion(row, { product: 'Ragline', question: 'And now?' }, history);
    expect(rendered.messages).toEqual([
      { role: 'system', content: 'You help with Ragline.' },
      ...history,
      { role: 'user', content: 'And now?' },
    ]);
    expect(renderPromptVersion(row, { product: 'R', question: 'Q' }).messages).toHaveLength(2);
  });

  it('refuses history a prompt has no place for', async () => {
    const history: ChatMessage[] = [{ role: 'user', content: 'hi' }];
    const text = await version({ template: 'x' });
    const chat = await version({ messages: [{ role: 'user', content: 'x' }] });
    expect(refusal(() => renderPromptVersion(text, {}, history)).message).toMatch(
      /^history: .* is a text prompt/,
    );
    expect(refusal(() => renderPromptVersion(chat, {}, history)).message).toMatch(
      /has no history placeholder/,
    );
    expect(renderPromptVersion(text, {}, []).text).toBe('x');
  });

  it('refuses variables that would render an oversized prompt', async () => {
    const row = await version({ template: '{{#a}}{{#a}}{{#a}}{{#a}}{{text}}{{/a}}{{/a}}{{/a}}{{/a}}' });
    const error = refusal(() =>
      renderPromptVersion(row, { text: 'x'.repeat(100), a: Array.from({ length: 40 }, () => 1) }),
    );
    expect([error.code, error.status]).toEqual(['PAYLOAD_TOO_LARGE', 413]);
  });
});
