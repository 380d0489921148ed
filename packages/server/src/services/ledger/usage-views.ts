import type {
  UsageDimension,
  UsageGroup as UsageGroupView,
  UsageRecord as UsageRecordView,
  UsageTotals,
} from '@ragline/sdk/contracts';
import type { UsageGroup, UsageRecord } from '../../ports/cost-repositories.js';
import { microsToDollars } from '../pricing/money.js';
import { type CsvValue, toCsv } from './csv.js';

const COUNTS = [
  'requests',
  'inputTokens',
  'cachedInputTokens',
  'outputTokens',
  'reasoningTokens',
  'costMicros',
  'estimatedRequests',
  'unpricedRequests',
] as const;

/** The API's view of a stored group: each dimension by name, and the dollars beside the micros. */
export function usageGroupView(group: UsageGroup, groupBy: readonly UsageDimension[]): UsageGroupView {
  const view: UsageGroupView = totalsView(group);
  groupBy.forEach((dimension, index) => {
    view[dimension] = group.keys[index] ?? null;
  });
  return view;
}

/** Sums of the groups, added as BigInt so a total past 2^53 is an error instead of a rounded number. */
export function usageTotals(groups: readonly UsageGroup[]): UsageTotals {
  const sums = Object.fromEntries(
    COUNTS.map((field) => [field, groups.reduce((sum, group) => sum + BigInt(group[field]), 0n)]),
  ) as Record<(typeof COUNTS)[number], bigint>;
  const totals = Object.fromEntries(
    COUNTS.map((field) => {
      const value = sums[field];
      if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`usage total ${field} is too large`);
      return [field, Number(value)];
    }),
  ) as Record<(typeof COUNTS)[number], number>;
  return { ...totals, cost: microsToDollars(totals.costMicros) };
}

function totalsView(group: Omit<UsageGroup, 'keys'>): UsageTotals {
  return {
    requests: group.requests,
    inputTokens: group.inputTokens,
    cachedInputTokens: group.cachedInputTokens,
    outputTokens: group.outputTokens,
    reasoningTokens: group.reasoningTokens,
    costMicros: group.costMicros,
    cost: microsToDollars(group.costMicros),
    estimatedRequests: group.estimatedRequests,
    unpricedRequests: group.unpricedRequests,
  };
}

const CSV_COLUMNS = [
  'requests',
  'inputTokens',
  'cachedInputTokens',
  'outputTokens',
  'reasoningTokens',
  'costMicros',
  'cost',
  'estimatedRequests',
  'unpricedRequests',
] as const;

/** One header row (the dimensions, then the JSON field names), one row per group, no totals row. */
export function usageCsv(groups: readonly UsageGroupView[], groupBy: readonly UsageDimension[]): string {
  const rows = groups.map((group): CsvValue[] => [
    ...groupBy.map((dimension) => group[dimension]),
    ...CSV_COLUMNS.map((column) => group[column]),
  ]);
  return toCsv([...groupBy, ...CSV_COLUMNS], rows);
}

export function usageRecordView(record: UsageRecord): UsageRecordView {
  return {
    id: record.id,
    requestId: record.requestId,
    key: record.keyId,
    kind: record.kind,
    route: record.route,
    routeVersion: record.routeVersion,
    target: record.target,
    targetKind: record.targetKind,
    model: record.model,
    prompt: record.promptVersion,
    release: record.releaseId,
    inputTokens: record.inputTokens,
    cachedInputTokens: record.cachedInputTokens,
    outputTokens: record.outputTokens,
    reasoningTokens: record.reasoningTokens,
    usageSource: record.usageSource,
    estimateMethod: record.estimateMethod,
    gpuBusyUs: record.gpuBusyUs,
    stream: record.stream,
    outcome: record.outcome,
    startedAt: new Date(record.startedAtMs).toISOString(),
    durationMs: record.durationMs,
    costMicros: record.costMicros,
    cost: microsToDollars(record.costMicros),
    priceVersion: record.priceVersion,
    costBasis: record.costBasis,
  };
}
