/**
 * The control plane's cost storage: the usage ledger, the price book and budgets. Part of the
 * MetadataStore (`metadata.ledger`, `metadata.prices`, `metadata.budgets`); SQL stays in the adapter.
 * Money is integer micro-dollars (`*Micros`) everywhere.
 */

export type MeteredKind = 'chat' | 'completion' | 'embedding' | 'ingest-embedding' | 'judge';
export type UsageSource = 'upstream' | 'estimated';
export type CostBasis = 'tokens' | 'gpu-time' | 'unpriced';
export type CallOutcomeKind = 'ok' | 'error' | 'client-aborted';

/** One metered call. Append-only; idempotent by (tenantId, id). */
export interface UsageRecord {
  tenantId: string;
  /** The request id, suffixed `:n` when one request makes several metered calls. */
  id: string;
  requestId: string;
  keyId: string | null;
  kind: MeteredKind;
  route: string | null;
  routeVersion: number | null;
  /** The target id that served the call (gateway calls), else null. */
  target: string | null;
  targetKind: string | null;
  /** The upstream model (or embedding model) that did the work. */
  model: string;
  promptVersion: string | null;
  releaseId: string | null;
  inputTokens: number;
  /** A subset of inputTokens, served from a prompt cache. */
  cachedInputTokens: number;
  outputTokens: number;
  /** A subset of outputTokens, spent on reasoning. */
  reasoningTokens: number;
  usageSource: UsageSource;
  /** How an estimate was made ('tokenizer:<name>' or 'heuristic'); null for upstream counts. */
  estimateMethod: string | null;
  /** GPU-hour priced targets: the call's attributed share of the replica's busy time, microseconds. */
  gpuBusyUs: number | null;
  stream: boolean;
  outcome: CallOutcomeKind;
  startedAtMs: number;
  durationMs: number;
  costMicros: number;
  /** The price-book version the cost was computed with; null when unpriced. */
  priceVersion: number | null;
  costBasis: CostBasis;
}

export type UsageGroupBy = 'model' | 'target' | 'key' | 'route' | 'prompt' | 'release' | 'day' | 'kind';

export interface UsageQuery {
  tenantId: string;
  /** Inclusive, epoch ms. */
  fromMs: number;
  /** Exclusive, epoch ms. */
  toMs: number;
  groupBy: UsageGroupBy[];
  keyId?: string;
  /** Report costs recomputed under this price version instead of the originals (records without one count as unpriced). */
  priceVersion?: number;
}

export interface UsageGroup {
  /** One value per groupBy dimension, in order; null where the records have none. `day` is `YYYY-MM-DD` (UTC). */
  keys: (string | null)[];
  requests: number;
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  costMicros: number;
  estimatedRequests: number;
  unpricedRequests: number;
}

export interface LedgerRepository {
  /** Inserts the records in one transaction; a record whose (tenantId, id) exists is skipped. Returns how many were new. */
  append(records: readonly UsageRecord[]): Promise<number>;
  /** Totals per group, ordered by the group keys. */
  summarize(query: UsageQuery): Promise<UsageGroup[]>;
  /** The records of a period, oldest first, paged by (startedAtMs, id). */
  list(query: {
    tenantId: string;
    fromMs: number;
    toMs: number;
    keyId?: string;
    limit: number;
    after?: { startedAtMs: number; id: string };
  }): Promise<UsageRecord[]>;
  /** Sum of cost_micros (original costs) for a tenant, or one of its keys, over [fromMs, toMs). */
  spentMicros(query: { tenantId: string; keyId?: string; fromMs: number; toMs: number }): Promise<number>;
  /** Stores recomputed costs (insert or replace per (tenant, record, priceVersion)). */
  putRecomputed(
    rows: readonly {
      tenantId: string;
      recordId: string;
      priceVersion: number;
      costMicros: number;
      costBasis: CostBasis;
      computedAt: string;
    }[],
  ): Promise<void>;
}

/** Integer micro-dollars per million tokens (token prices) or per GPU-hour. */
export interface PriceEntry {
  /** Matches a gateway target id; wins over `model`. */
  target?: string;
  /** Matches the upstream (or embedding) model name. */
  model?: string;
  inputPerMillionMicros?: number;
  /** Default: inputPerMillionMicros. */
  cachedInputPerMillionMicros?: number;
  outputPerMillionMicros?: number;
  /** Default: outputPerMillionMicros. */
  reasoningPerMillionMicros?: number;
  /** Self-hosted replicas priced by time instead of tokens. */
  gpuHourMicros?: number;
  /** GPUs behind the target (default 1): the hourly cost is gpuHourMicros x gpus. */
  gpus?: number;
}

export interface PriceVersionRow {
  version: number;
  /** ISO time from which this version prices new calls. */
  effectiveFrom: string;
  entries: PriceEntry[];
  source: 'config' | 'api';
  note: string | null;
  createdAt: string;
  createdBy: string | null;
}

export interface PriceRepository {
  /** Appends the next version (1, 2, ...) atomically; `expectedLatest` guards against a concurrent writer (null -> none yet). Returns null when another writer got there first. */
  append(
    row: Omit<PriceVersionRow, 'version'>,
    expectedLatest: number | null,
  ): Promise<PriceVersionRow | null>;
  /** Every version, oldest first. */
  list(): Promise<PriceVersionRow[]>;
  get(version: number): Promise<PriceVersionRow | null>;
}

export type BudgetPeriod = 'day' | 'month';
export type BudgetMode = 'hard' | 'soft';

export interface BudgetRow {
  id: string;
  tenantId: string;
  /** Null: the whole tenant. */
  keyId: string | null;
  period: BudgetPeriod;
  limitMicros: number;
  mode: BudgetMode;
  name: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface BudgetAlertRow {
  tenantId: string;
  budgetId: string;
  /** ISO start of the UTC day or month. */
  periodStart: string;
  kind: 'crossed' | 'refused';
  spentMicros: number;
  limitMicros: number;
  at: string;
}

export interface BudgetRepository {
  insert(row: BudgetRow): Promise<void>;
  /** Changes the given fields and stamps updatedAt; null when the tenant has no such (live) budget. */
  update(
    tenantId: string,
    id: string,
    patch: Partial<Pick<BudgetRow, 'limitMicros' | 'mode' | 'name'>>,
    at: string,
  ): Promise<BudgetRow | null>;
  /** Soft delete (the budget's alerts stay listed); false when the tenant has no such live budget. */
  delete(tenantId: string, id: string, at: string): Promise<boolean>;
  /** A live budget of the tenant; null for another tenant's or a deleted one. */
  get(tenantId: string, id: string): Promise<BudgetRow | null>;
  /** Live budgets of a tenant, oldest first. */
  list(tenantId: string): Promise<BudgetRow[]>;
  /** Records an alert once per (budget, periodStart, kind); returns false when it was already recorded. */
  recordAlert(row: BudgetAlertRow): Promise<boolean>;
  /** Newest first; `sinceMs` keeps alerts at or after that time, `budgetId` one budget's. */
  listAlerts(
    tenantId: string,
    options: { sinceMs?: number; budgetId?: string; limit: number },
  ): Promise<BudgetAlertRow[]>;
}
