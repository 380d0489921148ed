import { expect } from 'vitest';
import { recordPassingRun } from './passing-eval-run.js';

/** Plain-text documents, so a citation's [start, end) indexes exactly these strings. */
export const ANSWER_DOCS = [
  {
    id: 'travel',
    text:
      'Book flights through the travel desk at least two weeks ahead.\n\n' +
      'Submit receipts within thirty days; meals are reimbursed up to 60 EUR a day.',
  },
  { id: 'laptops', text: 'Laptops are replaced every three years. Laptop receipts go to the IT desk.' },
  { id: 'keys', text: 'Rotate API keys every ninety days. No receipts are needed to rotate keys.' },
];

export const RECEIPTS_QUESTION = 'How long do I have to submit receipts?';

/** A text prompt: the fake upstream echoes the last user message, so the answer repeats the [n] headers. */
export const TEXT_PROMPT = {
  template: 'Answer from these passages only, citing them as [n]:\n{{context}}\n\nQuestion: {{question}}',
  model: 'chat',
};

/** A chat prompt: the context goes in the system message, so the answer echoes only the question. */
export const CHAT_PROMPT = {
  messages: [
    { role: 'system', content: 'Answer from these passages, citing them as [n]:\n{{context}}' },
    { role: 'placeholder', name: 'history' },
    { role: 'user', content: '{{question}}' },
  ],
  model: 'chat',
};

// biome-ignore lint/suspicious/noExplicitAny: tests assert on arbitrary response shapes
type Json = any;

type Call = (method: string, path: string, body?: unknown) => Promise<{ status: number; json: Json }>;

/**
 * A lexical collection `handbook` with ANSWER_DOCS, prompts `support-bot` (text) and `support-chat`
 * (chat), a release of support-bot on route `chat` with a passing eval run, labelled `production`.
 * Returns the release id.
 */
export async function seedAnswerFixtures(
  call: Call,
  options: { release?: boolean } = {},
): Promise<string | null> {
  const ok = async (method: string, path: string, body: unknown, status: number[] = [200, 201]) => {
    const res = await call(method, path, body);
    expect(status, `${method} ${path}: ${JSON.stringify(res.json)}`).toContain(res.status);
    return res.json;
  };
  await ok('POST', '/v1/collections', { name: 'handbook', embedder: null });
  await ok('POST', '/v1/collections/handbook/documents', { documents: ANSWER_DOCS });
  await ok('POST', '/v1/prompts/support-bot/versions', TEXT_PROMPT);
  await ok('POST', '/v1/prompts/support-chat/versions', CHAT_PROMPT);
  if (options.release === false) return null;
  const release = await ok('POST', '/v1/releases', {
    prompt: { name: 'support-bot', version: 1 },
    model: { route: 'chat' },
    retrieval: { collection: 'handbook', mode: 'lexical', topK: 5 },
  });
  // `production` is gated: a passing eval run on the release comes first.
  await recordPassingRun(call, release.id);
  await ok('PUT', '/v1/releases/labels/production', { release: release.id });
  return release.id as string;
}

/** Every citation points at a real span of an ingested document. */
export function expectRealSpans(
  citations: { documentId: string; start: number; end: number; text: string }[],
): void {
  expect(citations.length).toBeGreaterThan(0);
  for (const citation of citations) {
    const doc = ANSWER_DOCS.find((d) => d.id === citation.documentId);
    expect(doc, citation.documentId).toBeDefined();
    expect(citation.end).toBeGreaterThan(citation.start);
    expect(doc?.text.slice(citation.start, citation.end)).toBe(citation.text);
  }
}

/** Parses an SSE body into `{event, data}` pairs, in order. */
export function parseSse(text: string): { event: string; data: Json }[] {
  const events: { event: string; data: Json }[] = [];
  for (const block of text.split('\n\n')) {
    if (!block.trim()) continue;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    events.push({ event, data: JSON.parse(data.join('\n')) });
  }
  return events;
}
