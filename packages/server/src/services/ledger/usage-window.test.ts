import { describe, expect, it } from 'vitest';
import { parseUsageInstant } from './usage-window.js';

const NOW = Date.UTC(2026, 2, 15, 12, 0, 0);

describe('parseUsageInstant', () => {
  it.each([
    ['now', NOW],
    ['30m', NOW - 30 * 60_000],
    ['24h', NOW - 24 * 3_600_000],
    ['7d', NOW - 7 * 86_400_000],
    ['2w', NOW - 14 * 86_400_000],
    ['2026-03-01', Date.UTC(2026, 2, 1)],
    ['2028-02-29', Date.UTC(2028, 1, 29)],
    ['2026-03-01T10:30:00Z', Date.UTC(2026, 2, 1, 10, 30)],
    ['2026-03-01T10:30:00.250+02:00', Date.UTC(2026, 2, 1, 8, 30, 0, 250)],
    ['2026-03-01T10:30-05:00', Date.UTC(2026, 2, 1, 15, 30)],
  ])('reads %s', (text, ms) => {
    expect(parseUsageInstant(text, NOW)).toEqual({ ok: true, ms });
  });

  it('ends a date alone at the following midnight when it is the exclusive end', () => {
    expect(parseUsageInstant('2026-03-31', NOW, { endOfDay: true })).toEqual({
      ok: true,
      ms: Date.UTC(2026, 3, 1),
    });
    expect(parseUsageInstant('2026-03-31T00:00:00Z', NOW, { endOfDay: true })).toEqual({
      ok: true,
      ms: Date.UTC(2026, 2, 31),
    });
  });

  it.each([
    'yesterday',
    '2026-02-29',
    '2026-13-01',
    '2026-03-01T10:00:00', // no offset: ambiguous
    '7 days',
    '-7d',
    '',
  ])('refuses %j with a message that shows the accepted forms', (text) => {
    const result = parseUsageInstant(text, NOW);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(/calendar date|ISO date/);
  });
});
