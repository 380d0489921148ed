type Reject = (reason: unknown) => void;

/** The races still pending per signal; each signal gets one abort listener, whatever the number of races. */
const pendingBySignal = new WeakMap<AbortSignal, Set<Reject>>();

function pendingRaces(signal: AbortSignal): Set<Reject> {
  let pending = pendingBySignal.get(signal);
  if (!pending) {
    const races = new Set<Reject>();
    signal.addEventListener(
      'abort',
      () => {
        for (const reject of races) reject(signal.reason);
        races.clear();
      },
      { once: true },
    );
    pendingBySignal.set(signal, races);
    pending = races;
  }
  return pending;
}

/**
 * Settles like `promise`, or rejects with the signal's reason as soon as it aborts, even if `promise`
 * never settles. A race leaves the signal's set of pending races when `promise` settles, so racing many
 * promises (one per stream chunk) against one long-lived signal keeps nothing alive; and it costs a Set
 * insert and delete instead of adding and removing an abort listener each time.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const pending = pendingRaces(signal);
    pending.add(reject);
    promise.then(
      (value) => {
        pending.delete(reject);
        resolve(value);
      },
      (error: unknown) => {
        pending.delete(reject);
        reject(error);
      },
    );
  });
}
