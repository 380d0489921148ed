import type { UsageRecord } from '../../ports/cost-repositories.js';

const KINDS = new Set(['chat', 'completion', 'embedding', 'ingest-embedding', 'judge']);
const SOURCES = new Set(['upstream', 'estimated']);
const OUTCOMES = new Set(['ok', 'error', 'client-aborted']);
const BASES = new Set(['tokens', 'gpu-time', 'unpriced']);

const COUNTS = [
  'inputTokens',
  'cachedInputTokens',
  'outputTokens',
  'reasoningTokens',
  'startedAtMs',
  'durationMs',
  'costMicros',
] as const;
const OPTIONAL_COUNTS = ['gpuBusyUs', 'routeVersion', 'priceVersion'] as const;

/**
 * What would make the store refuse this record (and with it the whole batch), or null when it is fine.
 * The writer checks each record as it is queued, so one bad record is logged and set aside instead of
 * failing every retry of the batch it would land in.
 */
export function usageRecordProblem(record: UsageRecord): string | null {
  if (typeof record.tenantId !== 'string' || record.tenantId === '')
    return 'tenantId: must be a non-empty string';
  if (typeof record.id !== 'string' || record.id === '') return 'id: must be a non-empty string';
  if (typeof record.requestId !== 'string') return 'requestId: must be a string';
  if (typeof record.model !== 'string') return 'model: must be a string';
  if (!KINDS.has(record.kind)) return `kind: unknown "${record.kind}"`;
  if (!SOURCES.has(record.usageSource)) return `usageSource: unknown "${record.usageSource}"`;
  if (!OUTCOMES.has(record.outcome)) return `outcome: unknown "${record.outcome}"`;
  if (!BASES.has(record.costBasis)) return `costBasis: unknown "${record.costBasis}"`;
  for (const field of COUNTS) {
    if (!isCount(record[field])) return `${field}: must be a non-negative safe integer, got ${record[field]}`;
  }
  for (const field of OPTIONAL_COUNTS) {
    const value = record[field];
    if (value !== null && !isCount(value))
      return `${field}: must be null or a non-negative safe integer, got ${value}`;
  }
  return null;
}

function isCount(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
