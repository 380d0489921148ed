import {
  APIConnectionError,
  APIError,
  APIResponseValidationError,
  APIUserAbortError,
  Ragline,
} from '@ragline/sdk';
import { EndpointError } from '../runner/endpoint-client.js';
import type { ReleaseTargetDefinition } from '../suite/suite-definition.js';
import { readApiKey } from './endpoint-target.js';
import type { TargetContext } from './target.js';

/** The API key's environment variable when the suite names none. */
export const DEFAULT_API_KEY_ENV = 'RAGLINE_API_KEY';
const DEFAULT_TIMEOUT_MS = 60_000;

type ServerTarget = Pick<ReleaseTargetDefinition, 'server' | 'apiKeyEnv' | 'timeoutMs'>;

/** A Ragline server as a target reaches it: base URL (without `/v1`), key, timeout and the suite's fetch. */
export interface ServerConnection {
  baseURL: string;
  apiKey: string | undefined;
  timeoutMs: number;
  context: TargetContext;
}

/** What one server call returned, with the response headers (request id, metered cost). */
export interface ServerReply<T> {
  value: T;
  headers: Headers;
}

/**
 * The connection for a server target. A named `apiKeyEnv` that is unset is a suite error; the default
 * `RAGLINE_API_KEY` unset sends no key, and the server's 401 comes back as an `EndpointError`.
 */
export function serverConnection(target: ServerTarget, context: TargetContext): ServerConnection {
  const apiKey =
    target.apiKeyEnv === undefined
      ? context.env[DEFAULT_API_KEY_ENV] || undefined
      : readApiKey(target.apiKeyEnv, context, 'target.apiKeyEnv');
  return {
    // `server` is the root; a trailing `/v1` would double the SDK's own prefix.
    baseURL: target.server.replace(/\/+$/, '').replace(/\/v1$/, ''),
    apiKey,
    timeoutMs: target.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    context,
  };
}

/**
 * Runs one SDK call against the server and keeps the response headers. Every failure (unreachable,
 * non-2xx, a body that breaks the contract) becomes an `EndpointError` naming the URL and the status:
 * an infrastructure failure, never a quality score. No retries: a failed call is recorded on its repeat.
 */
export async function callServer<T>(
  connection: ServerConnection,
  call: (client: Ragline) => Promise<T>,
): Promise<ServerReply<T>> {
  let lastURL = connection.baseURL;
  let headers = new Headers();
  const client = new Ragline({
    baseURL: connection.baseURL,
    apiKey: connection.apiKey,
    maxRetries: 0,
    timeout: connection.timeoutMs,
    fetch: async (input: string | URL | Request, init?: RequestInit) => {
      lastURL = requestURL(input);
      const response = await connection.context.fetch(lastURL, init ?? {});
      headers = response.headers;
      return response;
    },
  });
  try {
    const value = await call(client);
    return { value, headers };
  } catch (error) {
    throw toEndpointError(error, lastURL);
  }
}

/** A non-2xx answer or a failed exchange with `url` as an `EndpointError`; other errors pass through. */
export function toEndpointError(error: unknown, url: string): Error {
  if (error instanceof EndpointError) return error;
  if (error instanceof APIError) {
    // The SDK's message starts with the status and code: "503 INTERNAL: ...".
    return new EndpointError(`${url} answered ${error.message}`);
  }
  if (error instanceof APIResponseValidationError) {
    return new EndpointError(`${url} answered ${error.status} with a malformed body: ${error.message}`);
  }
  if (error instanceof APIConnectionError || error instanceof APIUserAbortError) {
    const cause = (error.cause as { cause?: { code?: string } } | undefined)?.cause?.code;
    return new EndpointError(`${url} unreachable: ${error.message}${cause ? ` (${cause})` : ''}`);
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** Integer micro-dollars from the `x-ragline-cost-micros` header, else from a priced body cost. */
export function costMicrosOf(
  headers: Headers,
  cost?: { micros: number; basis: string } | undefined,
): number | undefined {
  const header = headers.get('x-ragline-cost-micros');
  if (header !== null && /^\d+$/.test(header)) return Number(header);
  if (cost !== undefined && cost.basis !== 'unpriced') return cost.micros;
  return undefined;
}

/** What a metered server call says about itself: its cost (when priced) and request id, as answer fields. */
export function meteredFields(
  headers: Headers,
  cost?: { micros: number; basis: string },
): { costMicros?: number; requestId?: string } {
  const costMicros = costMicrosOf(headers, cost);
  const requestId = requestIdOf(headers);
  return {
    ...(costMicros !== undefined && { costMicros }),
    ...(requestId !== undefined && { requestId }),
  };
}

/** The server's `x-request-id`, when it sent one. */
export function requestIdOf(headers: Headers): string | undefined {
  return headers.get('x-request-id') ?? undefined;
}

function requestURL(input: string | URL | Request): string {
  if (typeof input === 'string') return input;
  return input instanceof URL ? input.href : input.url;
}
