import type { TokenUsage } from '../../ports/chat-model.js';
import type { CallOutcomeKind, MeteredKind, UsageRecord } from '../../ports/cost-repositories.js';
import type { BudgetReservation } from '../budgets/budget-guard.js';
import type { RateAdmission } from '../budgets/rate-limiter.js';
import type { AttemptObserver } from '../gateway/router.js';
import { costOf, maxTokenCostMicros } from '../pricing/cost.js';
import type { BusyTimeToken } from '../pricing/gpu-busy-time.js';
import type { CostServices } from './cost-services.js';

/** max_tokens assumed for the reservation when a request sets none. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

export interface MeterCaller {
  tenantId: string;
  keyId: string | null;
  rpmLimit?: number | null;
  tpmLimit?: number | null;
}

export interface MeterBeginInput {
  caller: MeterCaller;
  requestId: string;
  /** Distinguishes several metered calls of one request (`<requestId>:<seq>`); default: none. */
  seq?: number;
  kind: MeteredKind;
  route?: { name: string; version: number | null } | null;
  /** Who may serve the call: the reservation uses the highest price among them. */
  candidates: readonly { target: string | null; model: string }[];
  /** Prompt tokens, estimated before the call. */
  inputTokens: number;
  /** The request's max_tokens, or DEFAULT_MAX_OUTPUT_TOKENS; 0 for embeddings. */
  maxOutputTokens: number;
  stream: boolean;
  promptVersion?: string | null;
  releaseId?: string | null;
}

export interface MeterFinishInput {
  /** The target that served (gateway calls); null for embedders. */
  target: { id: string; kind: string } | null;
  /** The upstream model (or embedding model). */
  model: string;
  /** What the upstream reported; null when it reported nothing. */
  usage: TokenUsage | null;
  /** Used when `usage` is null: the estimate and how it was made. */
  estimate?: () => { usage: TokenUsage; method: string };
  outcome: CallOutcomeKind;
}

/** One metered call in progress: reserved before the upstream call, settled once after it. */
export interface MeterTicket {
  /** Pass to the router: attributes GPU time of the attempts to this call. */
  readonly observer: AttemptObserver;
  /** Prices the call, settles the budget and rate-limit reservations and queues the record. Once. */
  finish(input: MeterFinishInput): UsageRecord;
  /** The call produced nothing billable (it failed before any answer): drops the reservations. */
  abandon(): void;
}

export interface Meter {
  /**
   * Admits the call against the key's rate limits (429) and reserves its maximum cost against hard
   * budgets (402), before any upstream call.
   */
  begin(input: MeterBeginInput): Promise<MeterTicket>;
}

export function createMeter(costs: Omit<CostServices, 'meter'>, now: () => number = Date.now): Meter {
  return {
    async begin(input) {
      const startedAtMs = now();
      const started = performance.now();
      const book = costs.prices.book();
      let maxCostMicros = 0;
      for (const candidate of input.candidates) {
        const match = book.priceFor(candidate, { atMs: startedAtMs });
        const cost = maxTokenCostMicros(match?.entry ?? null, input.inputTokens, input.maxOutputTokens);
        if (cost > maxCostMicros) maxCostMicros = cost;
      }
      const { caller } = input;
      const admission: RateAdmission | null =
        caller.keyId !== null && (caller.rpmLimit != null || caller.tpmLimit != null)
          ? costs.limits.admit({
              keyId: caller.keyId,
              rpm: caller.rpmLimit ?? null,
              tpm: caller.tpmLimit ?? null,
              tokens: input.inputTokens + input.maxOutputTokens,
              atMs: startedAtMs,
            })
          : null;
      let reservation: BudgetReservation;
      try {
        reservation = await costs.budgets.reserve({
          tenantId: caller.tenantId,
          keyId: caller.keyId,
          maxCostMicros,
          atMs: startedAtMs,
        });
      } catch (error) {
        admission?.settle(0);
        throw error;
      }

      const busy = new Map<string, BusyTimeToken>();
      const busyUs = new Map<string, number>();
      const observer: AttemptObserver = {
        started(targetId) {
          busy.set(targetId, costs.busyTime.started(targetId));
        },
        ended(targetId) {
          const token = busy.get(targetId);
          if (!token) return;
          busy.delete(targetId);
          busyUs.set(targetId, (busyUs.get(targetId) ?? 0) + costs.busyTime.finished(token));
        },
      };
      let done = false;

      return {
        observer,
        finish(result) {
          if (done) throw new Error('a metered call was finished twice');
          done = true;
          for (const targetId of [...busy.keys()]) observer.ended(targetId, false);
          let usage = result.usage;
          let estimateMethod: string | null = null;
          if (!usage) {
            const estimate = result.estimate?.();
            usage = estimate?.usage ?? {
              inputTokens: 0,
              outputTokens: 0,
              cachedInputTokens: 0,
              reasoningTokens: 0,
            };
            estimateMethod = estimate?.method ?? 'none';
          }
          const target = result.target?.id ?? null;
          const match = costs.prices.book().priceFor({ target, model: result.model }, { atMs: startedAtMs });
          const gpuBusyUs =
            target !== null && match?.entry.gpuHourMicros !== undefined ? (busyUs.get(target) ?? 0) : null;
          const cost = costOf(usage, match?.entry ?? null, gpuBusyUs);
          reservation.settle(cost.costMicros);
          admission?.settle(usage.inputTokens + usage.outputTokens);
          const record: UsageRecord = {
            tenantId: caller.tenantId,
            id: input.seq === undefined ? input.requestId : `${input.requestId}:${input.seq}`,
            requestId: input.requestId,
            keyId: caller.keyId,
            kind: input.kind,
            route: input.route?.name ?? null,
            routeVersion: input.route?.version ?? null,
            target,
            targetKind: result.target?.kind ?? null,
            model: result.model,
            promptVersion: input.promptVersion ?? null,
            releaseId: input.releaseId ?? null,
            inputTokens: usage.inputTokens,
            cachedInputTokens: usage.cachedInputTokens,
            outputTokens: usage.outputTokens,
            reasoningTokens: usage.reasoningTokens,
            usageSource: estimateMethod === null ? 'upstream' : 'estimated',
            estimateMethod,
            gpuBusyUs,
            stream: input.stream,
            outcome: result.outcome,
            startedAtMs,
            durationMs: Math.max(0, Math.round(performance.now() - started)),
            costMicros: cost.costMicros,
            priceVersion: cost.basis === 'unpriced' ? null : (match?.version ?? null),
            costBasis: cost.basis,
          };
          costs.ledger.write(record);
          return record;
        },
        abandon() {
          if (done) return;
          done = true;
          for (const targetId of [...busy.keys()]) observer.ended(targetId, false);
          reservation.release();
          admission?.settle(0);
        },
      };
    },
  };
}
