import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../packages/server/src/cli/main.js';
import { ADMIN_KEY, createInProcessServer } from './support/test-server.js';

/** `ragline prompts push|label|show|list` against the real app. */

let server: Awaited<ReturnType<typeof createInProcessServer>>;
let folder: string;
let key: string;

function capture() {
  let text = '';
  return {
    stream: {
      write: (chunk: string) => {
        text += chunk;
        return true;
      },
      isTTY: false,
    },
    text: () => text,
  };
}

async function cli(args: string[]) {
  const out = capture();
  const err = capture();
  const code = await runCli(args, {
    stdout: out.stream,
    stderr: err.stream,
    env: { RAGLINE_URL: server.baseURL, RAGLINE_API_KEY: key },
    cwd: folder,
    clientOptions: { fetch: server.fetch as typeof fetch, maxRetries: 0 },
  });
  return { code, stdout: out.text(), stderr: err.text() };
}

beforeAll(async () => {
  server = await createInProcessServer();
  folder = await mkdtemp(join(tmpdir(), 'ragline-cli-prompts-'));
  const created = await server.fetch(`${server.baseURL}/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenant: 'acme' }),
  });
  key = ((await created.json()) as { key: string }).key;
  await writeFile(
    join(folder, 'answer.yaml'),
    `name: support/answer
message: first version
model: { model: chat-default, parameters: { temperature: 0.2 } }
variables:
  properties:
    question: { type: string }
    context: { type: string }
  required: [question, context]
messages:
  - { role: system, content: "Answer from this context only:\\n{{context}}" }
  - { role: placeholder, name: history }
  - { role: user, content: "{{question}}" }
`,
  );
  await writeFile(
    join(folder, 'answer-v2.md'),
    `---
name: support/answer
message: a text version
---
Context:
{{context}}

Question: {{question}}
`,
  );
  await writeFile(join(folder, 'greeting.json'), JSON.stringify({ template: 'Hi {{name}}' }));
  await writeFile(join(folder, 'broken.yaml'), 'name: broken\ntemplate: "{{> partial}}"\n');
  await writeFile(join(folder, 'empty.yaml'), 'name: nothing\n');
});
afterAll(async () => {
  await server?.close();
  await rm(folder, { recursive: true, force: true });
});

describe('ragline prompts', () => {
  it('pushes YAML and Markdown files as versions; pushing the same file again stores nothing', async () => {
    const first = await cli(['prompts', 'push', 'answer.yaml']);
    expect(first).toMatchObject({
      code: 0,
      stdout: 'support/answer@1 created (labels: latest)\n',
      stderr: '',
    });
    expect((await cli(['prompts', 'push', 'answer.yaml'])).stdout).toBe(
      'support/answer@1 unchanged: the latest version has the same content\n',
    );
    const second = await cli(['prompts', 'push', 'answer-v2.md', '-m', 'from markdown', '--json']);
    expect(JSON.parse(second.stdout)).toMatchObject({
      name: 'support/answer',
      version: 2,
      kind: 'text',
      template: 'Context:\n{{context}}\n\nQuestion: {{question}}',
      message: 'from markdown',
      created: true,
    });
    expect((await cli(['prompts', 'push', 'greeting.json', '--name', 'greeting'])).stdout).toBe(
      'greeting@1 created (labels: latest)\n',
    );
  });

  it('labels a version and moves the label back', async () => {
    const labelled = await cli(['prompts', 'label', 'support/answer@2', 'production']);
    expect(labelled.code).toBe(0);
    expect(labelled.stdout).toMatch(/^support\/answer: production -> 2 \(new label\)\npolicy: .*allowed/);
    expect((await cli(['prompts', 'label', 'support/answer@1', 'production'])).stdout).toMatch(
      /^support\/answer: production -> 1 \(was 2\)/,
    );
    expect((await cli(['prompts', 'label', 'support/answer@1', 'production'])).stdout).toBe(
      'support/answer: production -> 1 (already there, nothing moved)\n',
    );
  });

  it('shows the latest version, or the one a label or number names', async () => {
    const production = await cli(['prompts', 'show', 'support/answer', '--label', 'production']);
    expect(production.code).toBe(0);
    expect(production.stdout).toContain('support/answer@1  chat  labels: production\n');
    expect(production.stdout).toContain('model: chat-default {"temperature":0.2}\n');
    expect(production.stdout).toContain(
      'variables: question (string, required), context (string, required)\n',
    );
    expect(production.stdout).toContain(
      '\n[system]\nAnswer from this context only:\n{{context}}\n[placeholder: history]\n[user]\n{{question}}\n',
    );
    expect((await cli(['prompts', 'show', 'support/answer'])).stdout).toMatch(
      /^support\/answer@2 {2}text {2}labels: latest\n/,
    );
    const json = JSON.parse((await cli(['prompts', 'show', 'support/answer@1', '--json'])).stdout);
    expect(json).toMatchObject({ version: 1, labels: ['production'] });
    expect(json).not.toHaveProperty('isFallback');
    expect((await cli(['prompts', 'list'])).stdout).toBe(
      'greeting  latest=1\nsupport/answer  latest=2  production=1\n',
    );
  });

  it('reports bad files, bad arguments and server refusals', async () => {
    const broken = await cli(['prompts', 'push', 'broken.yaml']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^error: 400 INVALID_REQUEST: template: line 1, column 1: partials/);
    const empty = await cli(['prompts', 'push', 'empty.yaml']);
    expect([empty.code, empty.stderr]).toEqual([
      2,
      expect.stringMatching(/holds no prompt: expected template .* or messages/),
    ]);
    expect((await cli(['prompts', 'push', 'greeting.json'])).stderr).toMatch(/has no name field/);
    expect((await cli(['prompts', 'label', 'support/answer', 'production'])).code).toBe(2);
    const missing = await cli(['prompts', 'label', 'support/answer@9', 'production']);
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringMatching(/has no version 9/)]);
    expect((await cli(['prompts', 'show', 'x@1', '--label', 'a'])).code).toBe(2);
    expect(await cli(['prompts', 'show', 'x@0'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^error: x@0: must be <name>@<version>/),
    });
  });
});
