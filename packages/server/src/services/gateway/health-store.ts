import { type Clock, systemClock } from '../../ports/clock.js';

/** A replica's own load report, from its metrics endpoint. */
export interface LoadSignals {
  /** Requests queued in the engine, not yet scheduled. */
  waiting: number;
  /** Requests in the engine's running batch. */
  running: number;
  /** 0..1, or null when the replica does not report it. */
  kvCacheUsage: number | null;
}

/** What placement reads about one target. Signals that are missing or stale are null, never an error. */
export interface TargetHealthSnapshot {
  /** Calls the gateway has started on this target and not yet finished (exact, never stale). */
  inFlight: number;
  /**
   * The last scraped load, with its age and the gateway's in-flight count when it was recorded (so
   * placement can tell the replica's other traffic from its own calls); null when none was recorded or it
   * is older than its bound.
   */
  load: (LoadSignals & { ageMs: number; inFlightAtRecord: number }) | null;
  /** LoRA adapters the target lists in /v1/models, with their age; null when unknown or stale. */
  adapters: { names: ReadonlySet<string>; ageMs: number } | null;
  /**
   * Recent time to first token per queue position, in ms: an EWMA of firstTokenMs / (1 + queueAhead),
   * where queueAhead is what placement estimated when it started the call. Null before any observation.
   * Multiplying by (1 + the queue ahead now) predicts a new request's first-token time.
   */
  firstTokenMsPerPosition: number | null;
  /** EWMA of observed first-token times (ms), for reporting. */
  firstTokenMs: number | null;
}

/**
 * The TargetHealth store: scraped signals (fed by the health scraper, or by a simulation) plus the
 * gateway's own in-flight counts and first-token times (fed by placement's started/finished).
 */
export interface TargetHealth {
  get(targetId: string): TargetHealthSnapshot;
  /** Records load signals read now; they count as fresh for `staleAfterMs` (default: the store's). */
  recordLoad(targetId: string, signals: LoadSignals, staleAfterMs?: number): void;
  recordAdapters(targetId: string, names: Iterable<string>, staleAfterMs?: number): void;
  /** `queueAhead`: requests estimated to be ahead of this one on the target (for the TTFT predictor). */
  started(targetId: string, context?: { queueAhead?: number }): void;
  finished(targetId: string, outcome: { ok: boolean; firstTokenMs?: number }): void;
}

export interface TargetHealthOptions {
  clock?: Clock;
  /** Default freshness bound of load signals: 3 scrape intervals of 1 s. */
  staleAfterMs?: number;
  /** Default freshness bound of adapter lists. */
  adaptersStaleAfterMs?: number;
  /** Weight of a new first-token observation in the EWMAs (0..1]. Default 0.2. */
  firstTokenAlpha?: number;
}

interface Entry {
  inFlight: number;
  /** queueAhead of started calls, oldest first; finished() takes the oldest (calls mostly start first token in order). */
  starts: number[];
  load: { signals: LoadSignals; at: number; staleAfterMs: number; inFlight: number } | null;
  adapters: { names: ReadonlySet<string>; at: number; staleAfterMs: number } | null;
  perPosition: number | null;
  firstToken: number | null;
}

/** An in-memory TargetHealth. Runtime-neutral: no timers, time only from the injected clock. */
export function createTargetHealth(options: TargetHealthOptions = {}): TargetHealth {
  const clock = options.clock ?? systemClock;
  const staleAfterMs = options.staleAfterMs ?? 3_000;
  const adaptersStaleAfterMs = options.adaptersStaleAfterMs ?? staleAfterMs;
  const alpha = options.firstTokenAlpha ?? 0.2;
  const entries = new Map<string, Entry>();
  const now = () => clock.now().getTime();

  const entry = (targetId: string): Entry => {
    let e = entries.get(targetId);
    if (!e) {
      e = { inFlight: 0, starts: [], load: null, adapters: null, perPosition: null, firstToken: null };
      entries.set(targetId, e);
    }
    return e;
  };
  const ewma = (previous: number | null, sample: number) =>
    previous === null ? sample : previous + alpha * (sample - previous);

  return {
    get(targetId) {
      const e = entries.get(targetId);
      if (!e)
        return { inFlight: 0, load: null, adapters: null, firstTokenMsPerPosition: null, firstTokenMs: null };
      const t = now();
      const loadAge = e.load ? Math.max(0, t - e.load.at) : 0;
      const adaptersAge = e.adapters ? Math.max(0, t - e.adapters.at) : 0;
      return {
        inFlight: e.inFlight,
        load:
          e.load && loadAge <= e.load.staleAfterMs
            ? { ...e.load.signals, ageMs: loadAge, inFlightAtRecord: e.load.inFlight }
            : null,
        adapters:
          e.adapters && adaptersAge <= e.adapters.staleAfterMs
            ? { names: e.adapters.names, ageMs: adaptersAge }
            : null,
        firstTokenMsPerPosition: e.perPosition,
        firstTokenMs: e.firstToken,
      };
    },
    recordLoad(targetId, signals, bound) {
      const e = entry(targetId);
      e.load = {
        signals: { ...signals },
        at: now(),
        staleAfterMs: bound ?? staleAfterMs,
        inFlight: e.inFlight,
      };
    },
    recordAdapters(targetId, names, bound) {
      entry(targetId).adapters = {
        names: new Set(names),
        at: now(),
        staleAfterMs: bound ?? adaptersStaleAfterMs,
      };
    },
    started(targetId, context) {
      const e = entry(targetId);
      e.inFlight++;
      e.starts.push(Math.max(0, context?.queueAhead ?? 0));
    },
    finished(targetId, outcome) {
      const e = entry(targetId);
      // A finished() without a started() (a router bug) must not drive the count negative.
      e.inFlight = Math.max(0, e.inFlight - 1);
      const queueAhead = e.starts.shift() ?? 0;
      const ms = outcome.firstTokenMs;
      // A call that failed after its first token still measured a real first-token time.
      if (ms === undefined || !Number.isFinite(ms) || ms < 0) return;
      e.firstToken = ewma(e.firstToken, ms);
      e.perPosition = ewma(e.perPosition, ms / (1 + queueAhead));
    },
  };
}
