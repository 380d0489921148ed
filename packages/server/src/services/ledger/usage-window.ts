const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;
const RELATIVE = /^(\d{1,6})(m|h|d|w)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DAY_MS = 86_400_000;

export const DEFAULT_USAGE_WINDOW_MS = 7 * DAY_MS;

export type InstantResult = { ok: true; ms: number } | { ok: false; message: string };

/**
 * Reads a usage window bound: `now`, a duration back from now (`30m`, `24h`, `7d`, `2w`), a UTC date
 * (`2026-03-01`) or an ISO time with its offset (`2026-03-01T12:00:00Z`). A date alone starts at its UTC
 * midnight; as an exclusive end (`endOfDay`) it means the midnight after, so `to=2026-03-31` includes
 * the 31st.
 */
export function parseUsageInstant(
  text: string,
  nowMs: number,
  options: { endOfDay?: boolean } = {},
): InstantResult {
  const value = text.trim();
  if (value === 'now') return { ok: true, ms: nowMs };
  const relative = RELATIVE.exec(value);
  if (relative) {
    const unit = relative[2] as keyof typeof UNIT_MS;
    return { ok: true, ms: nowMs - Number(relative[1]) * UNIT_MS[unit] };
  }
  const date = DATE.exec(value);
  if (date) {
    const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const ms = Date.UTC(year, month - 1, day);
    const check = new Date(ms);
    if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
      return { ok: false, message: `"${value}" is not a calendar date` };
    }
    return { ok: true, ms: options.endOfDay ? ms + DAY_MS : ms };
  }
  if (DATE_TIME.test(value)) {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return { ok: true, ms };
  }
  return {
    ok: false,
    message: `"${value}" is not a time: use an ISO date (2026-03-01), an ISO time with offset (2026-03-01T12:00:00Z), a duration back from now (30m, 24h, 7d, 2w) or "now"`,
  };
}
