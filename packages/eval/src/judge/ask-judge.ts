import type { z } from 'zod';
import { EndpointError } from '../runner/endpoint-client.js';
import { extractJson } from './json-reply.js';

export interface JudgeMessage {
  role: 'system' | 'user';
  content: string;
}

/** Sends chat messages to the judge model and returns its answer text. */
export type JudgeCall = (messages: JudgeMessage[]) => Promise<string>;

/** The judge answered twice with something that is not the JSON asked for: an infrastructure error, never a score. */
export class JudgeReplyError extends EndpointError {
  constructor(message: string) {
    super(message);
    this.name = 'JudgeReplyError';
  }
}

/**
 * Asks the judge one prompt and reads its JSON reply with `schema` (and `check`, for what a schema cannot
 * say, e.g. one verdict per statement). A reply that cannot be read is asked once more, with the problem
 * stated; a second unreadable reply throws {@link JudgeReplyError}.
 */
export async function askJudge<T>(
  judge: JudgeCall,
  prompt: string,
  schema: z.ZodType<T>,
  check: (value: T) => string | undefined = () => undefined,
): Promise<T> {
  const first = await judge([{ role: 'user', content: prompt }]);
  const firstRead = readReply(first, schema, check);
  if (firstRead.ok) return firstRead.value;
  const retry = `Your previous reply to this request could not be read: ${firstRead.problem}. Answer the request above again, with the JSON object only.`;
  const second = await judge([
    { role: 'user', content: prompt },
    { role: 'user', content: retry },
  ]);
  const secondRead = readReply(second, schema, check);
  if (secondRead.ok) return secondRead.value;
  throw new JudgeReplyError(
    `judge reply unreadable after a retry: ${secondRead.problem} (reply: ${JSON.stringify(second.slice(0, 200))})`,
  );
}

function readReply<T>(
  reply: string,
  schema: z.ZodType<T>,
  check: (value: T) => string | undefined,
): { ok: true; value: T } | { ok: false; problem: string } {
  const json = extractJson(reply);
  if (json === undefined) return { ok: false, problem: 'no JSON found' };
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.map(String).join('.') ?? '';
    return { ok: false, problem: `${path === '' ? 'reply' : path}: ${issue?.message ?? 'unexpected shape'}` };
  }
  const problem = check(parsed.data);
  return problem === undefined ? { ok: true, value: parsed.data } : { ok: false, problem };
}
