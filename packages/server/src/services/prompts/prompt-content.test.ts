import { createPromptVersionRequestSchema } from '@ragline/sdk/contracts';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../core/api-error.js';
import { preparePromptContent } from './prompt-content.js';

const prepare = (body: unknown) => preparePromptContent(createPromptVersionRequestSchema.parse(body));

async function issues(body: unknown): Promise<{ field: string; message: string }[]> {
  const error = await prepare(body).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApiError);
  expect((error as ApiError).code).toBe('INVALID_REQUEST');
  return ((error as ApiError).details as { issues: { field: string; message: string }[] }).issues;
}

describe('preparePromptContent', () => {
  it('infers a schema when none is given: value tags required, sections optional, any type', async () => {
    const content = await prepare({
      template:
        'Answer {{question}} for {{user.name}}.\n{{#docs}}- {{title}}\n{{/docs}}{{^docs}}{{fallback}}{{/docs}}',
    });
    expect(content.kind).toBe('text');
    expect(content.variables).toEqual({
      type: 'object',
      properties: { docs: {}, fallback: {}, question: {}, user: {} },
      required: ['fallback', 'question', 'user'],
    });
    expect(content.modelConfig).toBeNull();
    expect(content.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('hashes the content only: same content same hash, any change a new hash, the message ignored', async () => {
    const base = { template: 'Hi {{name}}', model: 'chat-default' };
    const a = await prepare({ ...base, message: 'one' });
    const b = await prepare({ ...base, message: 'two' });
    expect(a.contentHash).toBe(b.contentHash);
    // `model: "x"` is shorthand for {model: "x"}
    expect((await prepare({ ...base, model: { model: 'chat-default' } })).contentHash).toBe(a.contentHash);
    const variants = [
      { ...base, template: 'Hi {{name}}!' },
      { ...base, model: 'other' },
      { ...base, model: { model: 'chat-default', parameters: { temperature: 0 } } },
      { ...base, variables: { properties: { name: { type: 'string' } } } },
      { messages: [{ role: 'user', content: 'Hi {{name}}' }], model: 'chat-default' },
    ];
    const hashes = await Promise.all(variants.map(async (v) => (await prepare(v)).contentHash));
    expect(new Set([a.contentHash, ...hashes]).size).toBe(variants.length + 1);
  });

  it('stores chat messages with one history placeholder', async () => {
    const messages = [
      { role: 'system', content: 'You help with {{product}}.' },
      { role: 'placeholder', name: 'history' },
      { role: 'user', content: '{{question}}' },
    ];
    const content = await prepare({ messages, model: { model: 'chat', parameters: { temperature: 0.1 } } });
    expect(content).toMatchObject({
      kind: 'chat',
      template: messages,
      variables: { required: ['product', 'question'] },
      modelConfig: { model: 'chat', parameters: { temperature: 0.1 } },
    });
    expect(
      await issues({
        messages: [
          { role: 'placeholder', name: 'history' },
          { role: 'placeholder', name: 'history' },
        ],
      }),
    ).toEqual([{ field: 'messages[1]', message: 'at most one history placeholder' }]);
  });

  it('names each template that does not parse, with line and column', async () => {
    expect(
      await issues({
        messages: [
          { role: 'system', content: 'fine {{x}}' },
          { role: 'user', content: 'line one\n{{> partial}}' },
          { role: 'assistant', content: '{{#open}}' },
        ],
      }),
    ).toEqual([
      { field: 'messages[1].content', message: expect.stringMatching(/^line 2, column 1: partials/) },
      { field: 'messages[2].content', message: 'line 1, column 1: "{{#open}}" is never closed' },
    ]);
  });

  it('with a declared schema, refuses tags it does not declare and a schema that does not hold together', async () => {
    expect(
      await issues({
        template: '{{question}} {{questoin}} {{#docs}}{{title}}{{/docs}}',
        variables: {
          properties: {
            question: { type: 'string', enum: ['a', 1] },
            'bad name': {},
            tags: { type: 'string', items: { type: 'string' } },
            opts: { type: 'array', properties: { a: {} } },
          },
          required: ['question', 'nope'],
        },
      }),
    ).toEqual([
      { field: 'variables.properties.question.enum[1]', message: 'must be a string' },
      {
        field: 'variables.properties.bad name',
        message: 'names are letters, digits, "_" and "-", starting with a letter or "_"',
      },
      { field: 'variables.properties.tags.items', message: 'needs type "array"' },
      {
        field: 'variables.properties.opts.properties',
        message: 'properties and required need type "object"',
      },
      { field: 'variables.required[1]', message: '"nope" is not in properties' },
      {
        field: 'template',
        message: 'reads {{questoin}}, which variables does not declare (declare it, or fix the tag)',
      },
      {
        field: 'template',
        message: 'reads {{docs}}, which variables does not declare (declare it, or fix the tag)',
      },
    ]);
  });

  it('keeps a declared schema as given, required names once', async () => {
    const content = await prepare({
      template: '{{question}}{{#docs}}{{title}}{{/docs}}',
      variables: {
        properties: {
          question: { type: 'string', description: 'what the user asked' },
          docs: { type: 'array', items: { type: 'object', properties: { title: { type: 'string' } } } },
          unused: { type: 'integer', enum: [1, 2] },
        },
        required: ['question', 'question'],
      },
    });
    expect(content.variables).toEqual({
      type: 'object',
      properties: {
        question: { type: 'string', description: 'what the user asked' },
        docs: { type: 'array', items: { type: 'object', properties: { title: { type: 'string' } } } },
        unused: { type: 'integer', enum: [1, 2] },
      },
      required: ['question'],
    });
  });
});

describe('createPromptVersionRequestSchema', () => {
  it('wants exactly one of template and messages, and no unknown keywords', () => {
    const problems = (body: unknown) =>
      createPromptVersionRequestSchema.safeParse(body).error?.issues.map((i) => i.path.join('.'));
    expect(problems({})).toEqual(['template']);
    expect(problems({ template: 'a', messages: [{ role: 'user', content: 'b' }] })).toEqual(['template']);
    expect(
      problems({ template: 'a', variables: { properties: { x: { type: 'string', minLength: 1 } } } }),
    ).toEqual(['variables.properties.x']);
    expect(problems({ messages: [{ role: 'tool', content: 'x' }] })).toEqual(['messages.0']);
    expect(problems({ messages: [{ role: 'placeholder', name: 'other' }] })).toEqual(['messages.0']);
    expect(problems({ template: 'a', variable: {} })).toEqual(['']);
  });
});

describe('size limits', () => {
  it('refuses more template text or more properties than a prompt should hold', async () => {
    const long = 'x'.repeat(60_000);
    expect(await issues({ messages: [1, 2, 3, 4].map(() => ({ role: 'user', content: long })) })).toEqual([
      { field: 'messages', message: 'at most 200000 characters of templates in all' },
    ]);
    const properties = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`v${i}`, {}]));
    expect(await issues({ template: 'x', variables: { properties } })).toEqual([
      { field: 'variables.properties', message: 'at most 100 properties' },
    ]);
  });
});
