/**
 * Attributes a replica's busy time to the calls it served, for GPU-hour pricing.
 *
 * Method: while n > 0 calls are in flight on a target, each of them is charged 1/n of the elapsed
 * time. Per target we keep S(t), the integral of 1/n over the busy periods; a call's share is
 * S(end) - S(start). The shares of a target's calls add up to its busy time (the time with at least
 * one call in flight); idle time is charged to nobody. Exact up to the clock's resolution.
 */
export interface BusyTimeAttributor {
  /** A call began on `target`; returns the token to pass to `finished`. */
  started(target: string): BusyTimeToken;
  /** The call ended; returns its attributed busy time in whole microseconds. Idempotent per token. */
  finished(token: BusyTimeToken): number;
}

export interface BusyTimeToken {
  readonly target: string;
  readonly startShareUs: number;
  done: boolean;
}

interface TargetState {
  inFlight: number;
  /** S(t) up to `at`, in microseconds. */
  shareUs: number;
  at: number;
}

/** `nowUs`: a monotonic clock in microseconds (default performance.now() x 1000). */
export function createBusyTimeAttributor(
  nowUs: () => number = () => performance.now() * 1000,
): BusyTimeAttributor {
  const targets = new Map<string, TargetState>();

  const advance = (state: TargetState): void => {
    const t = nowUs();
    if (state.inFlight > 0) state.shareUs += (t - state.at) / state.inFlight;
    state.at = t;
  };

  return {
    started(target) {
      let state = targets.get(target);
      if (!state) {
        state = { inFlight: 0, shareUs: 0, at: nowUs() };
        targets.set(target, state);
      }
      advance(state);
      state.inFlight += 1;
      return { target, startShareUs: state.shareUs, done: false };
    },
    finished(token) {
      const state = targets.get(token.target);
      if (!state || token.done) return 0;
      token.done = true;
      advance(state);
      state.inFlight -= 1;
      return Math.max(0, Math.round(state.shareUs - token.startShareUs));
    },
  };
}
