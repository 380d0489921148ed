export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before one probe may go through. */
  openMs: number;
}

export const DEFAULT_CIRCUIT_BREAKER: CircuitBreakerOptions = { failureThreshold: 5, openMs: 30_000 };

/**
 * One target's circuit: closed -> open after `failureThreshold` consecutive failures -> half-open once
 * `openMs` has passed, letting exactly one probe through -> closed when the probe succeeds, open again
 * when it fails.
 */
export interface CircuitBreaker {
  state(): CircuitState;
  /** Whether a call may go now. In half-open it grants the single probe; the caller must then report. */
  tryAcquire(): boolean;
  success(): void;
  failure(): void;
  /** The call ended without saying anything about the target (the client left, bad input): frees a probe. */
  release(): void;
}

export function createCircuitBreaker(
  options: CircuitBreakerOptions,
  now: () => number,
  onChange?: (state: CircuitState) => void,
): CircuitBreaker {
  let state: CircuitState = 'closed';
  let failures = 0;
  let openedAt = 0;
  let probing = false;
  const move = (next: CircuitState) => {
    if (next === state) return;
    state = next;
    onChange?.(next);
  };
  const current = (): CircuitState => {
    if (state === 'open' && now() - openedAt >= options.openMs) move('half-open');
    return state;
  };
  return {
    state: current,
    tryAcquire() {
      const s = current();
      if (s === 'closed') return true;
      if (s === 'open' || probing) return false;
      probing = true;
      return true;
    },
    success() {
      failures = 0;
      probing = false;
      move('closed');
    },
    failure() {
      probing = false;
      failures++;
      if (state === 'half-open' || failures >= options.failureThreshold) {
        openedAt = now();
        failures = 0;
        move('open');
      }
    },
    release() {
      probing = false;
    },
  };
}
