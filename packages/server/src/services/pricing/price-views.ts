import type { PriceEntry, PriceVersionRow } from '../../ports/cost-repositories.js';
import { microsToDollars } from './money.js';

/** A price entry as the API shows it: each price in micro-dollars and as an exact dollar string. */
export interface PriceEntryView {
  target?: string;
  model?: string;
  inputPerMillionMicros?: number;
  input?: string;
  cachedInputPerMillionMicros?: number;
  cachedInput?: string;
  outputPerMillionMicros?: number;
  output?: string;
  reasoningPerMillionMicros?: number;
  reasoning?: string;
  gpuHourMicros?: number;
  gpuHour?: string;
  gpus?: number;
}

export interface PriceVersionView {
  version: number;
  effectiveFrom: string;
  source: 'config' | 'api';
  note: string | null;
  createdAt: string;
  /** The API key that stored it; null for the config file. */
  createdBy: string | null;
  entries: PriceEntryView[];
}

const MONEY_FIELDS = [
  ['inputPerMillionMicros', 'input'],
  ['cachedInputPerMillionMicros', 'cachedInput'],
  ['outputPerMillionMicros', 'output'],
  ['reasoningPerMillionMicros', 'reasoning'],
  ['gpuHourMicros', 'gpuHour'],
] as const;

export function priceEntryView(entry: PriceEntry): PriceEntryView {
  const view: PriceEntryView = {};
  if (entry.target !== undefined) view.target = entry.target;
  if (entry.model !== undefined) view.model = entry.model;
  for (const [micros, dollars] of MONEY_FIELDS) {
    const value = entry[micros];
    if (value === undefined) continue;
    view[micros] = value;
    view[dollars] = microsToDollars(value);
  }
  if (entry.gpus !== undefined) view.gpus = entry.gpus;
  return view;
}

export function priceVersionView(row: PriceVersionRow): PriceVersionView {
  return {
    version: row.version,
    effectiveFrom: row.effectiveFrom,
    source: row.source,
    note: row.note,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    entries: row.entries.map(priceEntryView),
  };
}
