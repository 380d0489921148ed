import type { FetchLike } from '@ragline/eval';

/** Where a server-side run's calls go: this app, in process. */
export interface InProcessTarget {
  /** This server's origin as the caller reached it, e.g. `https://ragline.example.com`. */
  origin: string;
  /** The caller's `Authorization` header: every call runs as the caller (tenant, allow-list, metering). */
  authorization: string;
  /** Sends a request to the app without the network (Hono's `app.fetch`). */
  appFetch: (request: Request) => Response | Promise<Response>;
  /** Called after each target call (answer, chat completion, collection query) returns. */
  onTargetCall?: () => void;
}

/** Calls that answer one case; judge and embedding calls are not counted as progress. */
const TARGET_CALL = /^\/v1\/(answer|chat\/completions|collections\/[^/]+\/query)$/;

/**
 * A fetch for `runSuite` that sends every request to this app in process, as the caller. A URL on any
 * other origin is refused (the server never calls out on a suite's say-so); the route checks the suite's
 * URLs up front, so this only guards against a target that builds another URL.
 */
export function inProcessFetch(target: InProcessTarget): FetchLike {
  return async (input, init) => {
    const url = new URL(input);
    if (url.origin !== target.origin) {
      throw new TypeError(
        `${url.origin} is not this server (${target.origin}): server-side runs call only it`,
      );
    }
    const headers = new Headers(init.headers);
    headers.set('authorization', target.authorization);
    const isTargetCall = TARGET_CALL.test(url.pathname);
    // A judged call (x-ragline-usage-kind: judge) is not a target call even on /v1/chat/completions.
    const judged = headers.get('x-ragline-usage-kind') === 'judge';
    try {
      return await target.appFetch(new Request(url, { ...init, headers }));
    } finally {
      if (isTargetCall && !judged) target.onTargetCall?.();
    }
  };
}
