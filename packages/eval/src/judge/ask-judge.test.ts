import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EndpointError } from '../runner/endpoint-client.js';
import { askJudge, type JudgeMessage, JudgeReplyError } from './ask-judge.js';
import { extractJson } from './json-reply.js';

describe('extractJson', () => {
  it('reads plain, fenced and surrounded JSON', () => {
    expect(extractJson(' {"verdict": 1} ')).toEqual({ verdict: 1 });
    expect(extractJson('Here you go:\n```json\n{"verdict": 0}\n```\nHope it helps')).toEqual({ verdict: 0 });
    expect(extractJson('```\n[1, 2]\n```')).toEqual([1, 2]);
    expect(extractJson('Sure! {"statements": ["a } b", "c"]} -- done.')).toEqual({
      statements: ['a } b', 'c'],
    });
    expect(extractJson('The answer {is} {"verdict": 1} trailing')).toEqual({ verdict: 1 });
    expect(extractJson('{"quote": "say \\"hi\\" {"}')).toEqual({ quote: 'say "hi" {' });
  });

  it('finds nothing in text without JSON', () => {
    expect(extractJson('I cannot judge this.')).toBeUndefined();
    expect(extractJson('{"unterminated": ')).toBeUndefined();
    expect(extractJson('')).toBeUndefined();
  });
});

describe('askJudge', () => {
  const schema = z.object({ verdict: z.union([z.literal(0), z.literal(1)]) });

  it('asks once more, naming the problem, when the first reply cannot be read', async () => {
    const calls: JudgeMessage[][] = [];
    const replies = ['no idea', '```json\n{"verdict": 1}\n```'];
    const value = await askJudge(
      async (messages) => {
        calls.push(messages);
        return replies.shift() ?? '';
      },
      'Judge it.',
      schema,
    );
    expect(value).toEqual({ verdict: 1 });
    expect(calls).toHaveLength(2);
    expect(calls[1]?.[0]?.content).toBe('Judge it.');
    expect(calls[1]?.[1]?.content).toContain('could not be read: no JSON found');
  });

  it('throws an infrastructure error (an EndpointError) after a second unreadable reply', async () => {
    let calls = 0;
    const failing = askJudge(
      async () => {
        calls++;
        return '{"verdict": "maybe"}';
      },
      'Judge it.',
      schema,
    );
    await expect(failing).rejects.toBeInstanceOf(JudgeReplyError);
    await expect(failing).rejects.toBeInstanceOf(EndpointError);
    await expect(failing).rejects.toThrow(/unreadable after a retry: verdict: .*maybe/);
    expect(calls).toBe(2);
  });

  it('passes judge call failures through without retrying', async () => {
    let calls = 0;
    const failing = askJudge(
      async () => {
        calls++;
        throw new EndpointError('http://ragline.test/v1/chat/completions answered 502');
      },
      'Judge it.',
      schema,
    );
    await expect(failing).rejects.toThrow('answered 502');
    expect(calls).toBe(1);
  });
});
