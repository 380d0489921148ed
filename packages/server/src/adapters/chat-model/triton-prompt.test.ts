import { describe, expect, it } from 'vitest';
import { ApiError } from '../../core/api-error.js';
import type { ChatMessage } from '../../ports/chat-model.js';
import { renderTritonPrompt } from './triton-prompt.js';

const conversation: ChatMessage[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hi' },
  { role: 'assistant', content: 'Hello.' },
  { role: 'user', content: 'Colours?' },
];

describe('renderTritonPrompt', () => {
  it('renders a role-prefixed transcript ending with "assistant:" by default', () => {
    expect(renderTritonPrompt(conversation)).toBe(
      'system: Be brief.\nuser: Hi\nassistant: Hello.\nuser: Colours?\nassistant:',
    );
  });

  it('treats developer messages as system, joins text parts with newlines and skips messages without text', () => {
    const prompt = renderTritonPrompt([
      { role: 'developer', content: 'Rules.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'line one' },
          { type: 'text', text: 'line two' },
        ],
      },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1' }] },
      { role: 'tool', content: '42', tool_call_id: 'c1' },
    ]);
    expect(prompt).toBe('system: Rules.\nuser: line one\nline two\ntool: 42\nassistant:');
  });

  it('applies a custom format (ChatML)', () => {
    const prompt = renderTritonPrompt(conversation.slice(0, 2), {
      begin: '<s>',
      roles: { system: '<|im_start|>system\n', user: '<|im_start|>user\n' },
      separator: '<|im_end|>\n',
      generationPrompt: '<|im_start|>assistant\n',
    });
    expect(prompt).toBe(
      '<s><|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n',
    );
  });

  it('lets a function render the prompt', () => {
    expect(renderTritonPrompt(conversation, (messages) => messages.map((m) => m.role[0]).join(''))).toBe(
      'suau',
    );
  });

  it('refuses content it cannot send as text, naming the field', () => {
    const render = () =>
      renderTritonPrompt([
        {
          role: 'user',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image_url', image_url: { url: 'data:' } },
          ],
        },
      ]);
    expect(render).toThrow(ApiError);
    expect(render).toThrow('messages[0].content[1]');
    expect(() => renderTritonPrompt([])).toThrow('messages');
    expect(() => renderTritonPrompt([{ role: 'function' as 'user', content: 'x' }])).toThrow(
      'messages[0].role',
    );
  });
});
