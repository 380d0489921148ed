import type { Clock } from '../../ports/clock.js';
import type { LedgerRepository, PriceRepository, UsageRecord } from '../../ports/cost-repositories.js';
import { costOf } from './cost.js';
import { entryFor } from './price-book.js';

export interface RecomputeDeps {
  ledger: LedgerRepository;
  prices: PriceRepository;
  clock: Clock;
}

export interface RecomputeInput {
  tenantId: string;
  /** Inclusive, epoch ms. */
  fromMs: number;
  /** Exclusive, epoch ms. */
  toMs: number;
  priceVersion: number;
}

export interface RecomputeResult {
  /** Records in the period, each now with a cost under `priceVersion`. */
  records: number;
  /** Of those, records the version has no price for (stored at zero, basis `unpriced`). */
  unpricedRecords: number;
  /** Sum of the records' original costs. */
  costMicrosBefore: number;
  /** Sum of their costs under `priceVersion`. */
  costMicrosAfter: number;
}

export class PriceVersionNotFoundError extends Error {
  override readonly name = 'PriceVersionNotFoundError';
}

/** Records read and written per round trip. */
const PAGE = 1000;

/**
 * Recomputes the cost of every usage record of a tenant in [fromMs, toMs) under one price version
 * and stores it beside the original (usage_costs), which stays on the record: the ledger keeps what
 * was charged at the time and what the same traffic costs under the new prices. Records priced by
 * GPU time reuse their stored busy share, so their recomputed cost is exact too. Running it again
 * replaces the recomputed costs with the same values.
 */
export async function recomputeCosts(deps: RecomputeDeps, input: RecomputeInput): Promise<RecomputeResult> {
  const version = await deps.prices.get(input.priceVersion);
  if (!version) throw new PriceVersionNotFoundError(`no price version ${input.priceVersion}`);
  const computedAt = deps.clock.now().toISOString();
  let records = 0;
  let unpricedRecords = 0;
  let totalBefore = 0n;
  let totalAfter = 0n;
  let cursor: { startedAtMs: number; id: string } | undefined;
  for (;;) {
    const page: UsageRecord[] = await deps.ledger.list({
      tenantId: input.tenantId,
      fromMs: input.fromMs,
      toMs: input.toMs,
      limit: PAGE,
      ...(cursor && { after: cursor }),
    });
    if (page.length === 0) break;
    const rows = page.map((record) => {
      const entry = entryFor(version.entries, { target: record.target, model: record.model });
      const cost = costOf(record, entry, record.gpuBusyUs);
      records++;
      if (cost.basis === 'unpriced') unpricedRecords++;
      totalBefore += BigInt(record.costMicros);
      totalAfter += BigInt(cost.costMicros);
      return {
        tenantId: input.tenantId,
        recordId: record.id,
        priceVersion: version.version,
        costMicros: cost.costMicros,
        costBasis: cost.basis,
        computedAt,
      };
    });
    await deps.ledger.putRecomputed(rows);
    const last = page.at(-1) as UsageRecord;
    cursor = { startedAtMs: last.startedAtMs, id: last.id };
    if (page.length < PAGE) break;
  }
  return {
    records,
    unpricedRecords,
    costMicrosBefore: safeMicros(totalBefore),
    costMicrosAfter: safeMicros(totalAfter),
  };
}

function safeMicros(sum: bigint): number {
  if (sum > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('cost total out of range');
  return Number(sum);
}
