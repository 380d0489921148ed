import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../ports/chat-model.js';
import { PREFIX_KEY_CHARS, prefixKeyOf } from './prefix-key.js';

const longSystem = (tenant: string) =>
  `You are the support assistant of ${tenant}. ${'Follow the policy handbook carefully. '.repeat(80)}`;
const ask = (system: string, question: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'llama',
  messages: [
    { role: 'system', content: system },
    { role: 'user', content: question },
  ],
  ...extra,
});

describe('prefixKeyOf', () => {
  it('is 16 hex characters and deterministic', () => {
    const key = prefixKeyOf(ask('sys', 'q'));
    expect(key).toMatch(/^[0-9a-f]{16}$/);
    expect(prefixKeyOf(ask('sys', 'q'))).toBe(key);
  });

  it('gives requests sharing a long system prompt one key, whatever follows', () => {
    expect(longSystem('acme').length).toBeGreaterThan(PREFIX_KEY_CHARS);
    const a = prefixKeyOf(ask(longSystem('acme'), 'Where is my order?'));
    const b = prefixKeyOf(ask(longSystem('acme'), 'Cancel my subscription', { temperature: 0.2 }));
    expect(a).toBe(b);
    expect(prefixKeyOf(ask(longSystem('globex'), 'Where is my order?'))).not.toBe(a);
  });

  it('tells apart short prompts by what follows them', () => {
    expect(prefixKeyOf(ask('Be brief.', 'one'))).not.toBe(prefixKeyOf(ask('Be brief.', 'two')));
    expect(prefixKeyOf(ask('Be brief.', 'one'), 10)).toBe(prefixKeyOf(ask('Be brief.', 'two'), 10));
  });

  it('depends on the model, the roles and the tools', () => {
    const base = ask('sys', 'q');
    expect(prefixKeyOf({ ...base, model: 'sql-lora' })).not.toBe(prefixKeyOf(base));
    const asUser: ChatRequest = {
      ...base,
      messages: [
        { role: 'user', content: 'sys' },
        { role: 'user', content: 'q' },
      ],
    };
    expect(prefixKeyOf(asUser)).not.toBe(prefixKeyOf(base));
    const tools = [{ type: 'function', function: { name: 'lookup', parameters: {} } }];
    expect(prefixKeyOf({ ...base, tools })).not.toBe(prefixKeyOf(base));
  });

  it('reads text content parts like a string and bounds huge non-text parts', () => {
    const parts = ask('', '');
    parts.messages = [
      { role: 'system', content: [{ type: 'text', text: 'sys' }] },
      { role: 'user', content: 'q' },
    ];
    expect(prefixKeyOf(parts)).toBe(prefixKeyOf(ask('sys', 'q')));
    const image = 'A'.repeat(5_000_000);
    const withImage: ChatRequest = {
      model: 'llama',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `data:${image}` } }] }],
    };
    const started = performance.now();
    expect(prefixKeyOf(withImage)).toMatch(/^[0-9a-f]{16}$/);
    expect(performance.now() - started).toBeLessThan(200);
  });
});
