import type {
  AnswerCost,
  AnswerRequestParsed,
  AnswerResponse,
  AnswerUsage,
  ExtractiveReason,
  QueryResponse,
} from '@ragline/sdk/contracts';
import { ApiError } from '../../core/api-error.js';
import { countTokens } from '../../core/token-count.js';
import type { AppDeps } from '../../deps.js';
import type { Principal } from '../../middleware/auth/index.js';
import type { ChatMessage } from '../../ports/chat-model.js';
import type { PromptVersionRow } from '../../ports/registry-repositories.js';
import { estimateChatInputTokens, heuristicEstimator } from '../metering/usage-estimate.js';
import { microsToDollars } from '../pricing/money.js';
import { type RenderedPrompt, renderPromptVersion } from '../prompts/render-prompt.js';
import { resolvePromptVersion } from '../prompts/resolve-prompt-version.js';
import { queryCollection } from '../retrieve/query-collection.js';
import { contextBudget, contextWindowOf, maxTokensOf, requestParameters } from './answer-budget.js';
import { type AnswerSource, resolveAnswerSource } from './answer-source.js';
import { answerEvent, answerSseBody, fixedAnswerSseBody } from './answer-sse.js';
import { type AnswerModel, callAnswerModel } from './call-answer-model.js';
import { citedRefs, toCitations } from './citations.js';
import { type PackedContext, packContext } from './pack-context.js';
import { noModelConfigured, resolveAnswerModel } from './resolve-answer-model.js';

/** What the answer service needs from the HTTP request around it. */
export interface AnswerContext {
  principal: Principal;
  requestId: string;
  /** The client's request signal: retrieval and the model call stop when the client goes away. */
  signal: AbortSignal;
  header: (name: string) => string | undefined;
  /** Run after the model call is settled (the route writes the ledger there on Workers). */
  afterSettle: () => Promise<void>;
}

export type AnswerOutcome =
  | { stream: false; response: AnswerResponse }
  | { stream: true; body: ReadableStream<Uint8Array>; target: string | null };

type Head = Pick<AnswerResponse, 'id' | 'mode' | 'extractiveReason' | 'release' | 'prompt' | 'model'>;

const NO_COST: AnswerCost = { micros: 0, dollars: microsToDollars(0), basis: 'unpriced' };
/** A few passes at most: each re-pack shrinks the budget by what the rendered prompt overshot. */
const MAX_PACKING_PASSES = 3;

/**
 * `POST /v1/answer`: retrieves with the release's (or the request's) settings, packs the best
 * passages into the model's context window, renders the prompt with `{{context}}` and `{{question}}`,
 * and calls the model through the gateway, metered. Without a model (none configured, a release that
 * pins none, or `mode: "extractive"`), the best passages are the answer and nothing is called or billed.
 */
export async function answerQuestion(
  deps: AppDeps,
  ctx: AnswerContext,
  body: AnswerRequestParsed,
): Promise<AnswerOutcome> {
  const tenantId = ctx.principal.tenantId;
  const source = await resolveAnswerSource(deps, tenantId, body);
  // Resolved once, in every mode (a prompt that does not exist is a 404 even for an extractive
  // answer); a label that moves during the request changes nothing.
  const prompt = source.prompt
    ? await resolvePromptVersion(deps, tenantId, source.prompt.name, source.prompt)
    : null;
  let extractiveReason: ExtractiveReason | null = body.mode === 'extractive' ? 'requested' : null;
  if (!extractiveReason && source.release && source.model?.kind === 'pin' && source.model.pin === null) {
    // The release pins no model: it answers extractively, even where routes exist (pins are the answer's
    // whole configuration), and never generatively.
    if (body.mode === 'generative') {
      throw new ApiError(
        'INVALID_REQUEST',
        `mode: release "${source.release.id}" pins no model, so it answers only extractively; leave out \`mode\`, or create a release with a model`,
      );
    }
    extractiveReason = 'release-has-no-model';
  }
  if (!extractiveReason && body.mode !== 'generative') {
    // Without a prompt nothing can name a model (the schema refuses `model` without `prompt`).
    if (!prompt || (await noModelConfigured(deps, tenantId))) extractiveReason = 'no-model';
  }

  let bare: RenderedPrompt | null = null;
  let model: AnswerModel | null = null;
  if (!extractiveReason) {
    if (!prompt) throw new ApiError('INVALID_REQUEST', 'prompt: required for a generative answer');
    // Rendered without context: that validates the variables, and is what the budget is measured against.
    bare = render(prompt, body, '');
    model = await resolveAnswerModel(deps, ctx.principal, source, bare.modelConfig?.model);
    if (!model) {
      if (body.mode === 'generative') {
        throw new ApiError(
          'INVALID_REQUEST',
          'model: a generative answer needs a model route; name one in `model` or in the prompt model config',
        );
      }
      extractiveReason = 'no-model';
    }
  }

  const retrieved = await retrieve(deps, source, body.question, ctx.signal);
  const id = deps.ids.next('ans');
  if (extractiveReason || !prompt || !bare || !model) {
    return extractiveAnswer(id, source, retrieved, body, extractiveReason ?? 'no-model');
  }
  return generativeAnswer(deps, ctx, { id, source, body, prompt, bare, model, retrieved });
}

/** The prompt with the caller's variables, the question and the context (and history for chat prompts). */
function render(prompt: PromptVersionRow, body: AnswerRequestParsed, context: string): RenderedPrompt {
  const variables = { ...body.variables, context, question: body.question };
  return renderPromptVersion(prompt, variables, body.history as ChatMessage[] | undefined);
}

/** The chat messages a rendered prompt stands for: a text prompt is one user turn. */
function messagesOf(rendered: RenderedPrompt): ChatMessage[] {
  if (rendered.kind === 'chat') return rendered.messages ?? [];
  return [{ role: 'user', content: rendered.text ?? '' }];
}

async function retrieve(
  deps: AppDeps,
  source: AnswerSource,
  question: string,
  signal: AbortSignal,
): Promise<QueryResponse> {
  const { retrieval } = source;
  return queryCollection(
    deps,
    source.collection,
    {
      query: question,
      topK: retrieval.topK,
      ...(retrieval.mode && { mode: retrieval.mode }),
      ...(retrieval.filter && { filter: retrieval.filter }),
      ...(retrieval.fusion && { fusion: retrieval.fusion }),
      ...(source.collectionVersion !== null && { version: source.collectionVersion }),
    },
    signal,
  );
}

function usageOf(
  model: Pick<AnswerUsage, 'inputTokens' | 'outputTokens' | 'source'>,
  retrieved: QueryResponse,
  packed: PackedContext,
): AnswerUsage {
  return {
    ...model,
    embeddingTokens: retrieved.usage.embeddingTokens,
    contextTokens: packed.tokens,
    contextBudget: packed.budget,
  };
}

/**
 * The best passages as the answer, each under its `[n] (document: id)` header, all cited. The budget
 * is the context window alone (nothing else shares it): it only keeps a huge top-k readable.
 */
function extractiveAnswer(
  id: string,
  source: AnswerSource,
  retrieved: QueryResponse,
  body: AnswerRequestParsed,
  reason: ExtractiveReason,
): AnswerOutcome {
  const packed = packContext(retrieved.results, contextWindowOf(body.contextWindow, null), countTokens);
  const refs = packed.passages.map((p) => p.ref);
  const head: Head = {
    id,
    mode: 'extractive',
    extractiveReason: reason,
    release: source.release ? { id: source.release.id } : null,
    prompt: null,
    model: null,
  };
  const usage = usageOf({ inputTokens: 0, outputTokens: 0, source: 'none' }, retrieved, packed);
  const citations = toCitations(packed.passages, refs);
  if (!body.stream) {
    return { stream: false, response: { ...head, answer: packed.text, citations, usage, cost: NO_COST } };
  }
  return {
    stream: true,
    target: null,
    body: fixedAnswerSseBody([
      answerEvent('citations', { ...head, citations }),
      ...(packed.text ? [answerEvent('token', { text: packed.text })] : []),
      answerEvent('done', { id, answer: packed.text, cited: refs, usage, cost: NO_COST }),
    ]),
  };
}

interface GenerativeInput {
  id: string;
  source: AnswerSource;
  body: AnswerRequestParsed;
  prompt: PromptVersionRow;
  /** The prompt rendered without context. */
  bare: RenderedPrompt;
  model: AnswerModel;
  retrieved: QueryResponse;
}

async function generativeAnswer(
  deps: AppDeps,
  ctx: AnswerContext,
  input: GenerativeInput,
): Promise<AnswerOutcome> {
  const { id, source, body, prompt, bare, model, retrieved } = input;
  const parameters = bare.modelConfig?.parameters ?? null;
  const contextWindow = contextWindowOf(body.contextWindow, parameters);
  const maxTokens = maxTokensOf(body.maxTokens, parameters);
  const promptTokens = estimateChatInputTokens(messagesOf(bare), heuristicEstimator);
  let budget = contextBudget({ contextWindow, promptTokens, maxTokens });
  let packed = packContext(retrieved.results, budget, countTokens);
  let messages = messagesOf(render(prompt, body, packed.text));
  // A template that repeats {{context}}, or estimates that do not add up exactly, can overshoot.
  for (let pass = 1; pass < MAX_PACKING_PASSES && packed.passages.length > 0; pass++) {
    const over = estimateChatInputTokens(messages, heuristicEstimator) + maxTokens - contextWindow;
    if (over <= 0) break;
    budget = Math.max(0, packed.tokens - over);
    packed = packContext(retrieved.results, budget, countTokens);
    messages = messagesOf(render(prompt, body, packed.text));
  }

  const promptVersion = `${bare.prompt.name}@${bare.prompt.version}`;
  const call = await callAnswerModel({
    deps,
    principal: ctx.principal,
    requestId: ctx.requestId,
    signal: ctx.signal,
    header: ctx.header,
    model,
    messages,
    maxTokens,
    parameters: requestParameters(parameters),
    stream: body.stream === true,
    promptVersion,
    releaseId: source.release?.id ?? null,
  });
  const head: Head = {
    id,
    mode: 'generative',
    extractiveReason: null,
    release: source.release ? { id: source.release.id } : null,
    prompt: { name: bare.prompt.name, version: bare.prompt.version },
    model: {
      route: model.name,
      routeVersion: model.version,
      target: call.outcome.target.id,
      upstreamModel: call.outcome.target.model,
    },
  };

  const outcome = call.outcome;
  if (!outcome.stream) {
    const { result } = outcome;
    const answer = result.completion.choices[0]?.message.content ?? '';
    const accounting = call.finish({ outcome: 'ok', usage: result.usage, text: answer });
    await ctx.afterSettle();
    const cited = citedRefs(answer, packed.passages.length);
    return {
      stream: false,
      response: {
        ...head,
        answer,
        citations: toCitations(packed.passages, cited),
        usage: usageOf(accounting.usage, retrieved, packed),
        cost: accounting.cost,
      },
    };
  }
  const passages = packed.passages;
  const finalPacked = packed;
  return {
    stream: true,
    target: outcome.target.id,
    body: answerSseBody({
      citations: { ...head, citations: toCitations(passages, []) },
      outcome,
      requestId: ctx.requestId,
      async settle(end) {
        const accounting = call.finish(end);
        await ctx.afterSettle();
        return {
          id,
          answer: end.text,
          cited: citedRefs(end.text, passages.length),
          usage: usageOf(accounting.usage, retrieved, finalPacked),
          cost: accounting.cost,
        };
      },
    }),
  };
}
