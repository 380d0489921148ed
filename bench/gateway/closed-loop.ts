import { Agent, request } from 'node:http';

export interface LoadSpec {
  /** e.g. http://127.0.0.1:8000/v1/chat/completions */
  url: string;
  headers: Record<string, string>;
  body: string;
  stream: boolean;
  concurrency: number;
  /** Requests finishing before this are not recorded (connections open, JIT warms). */
  warmupMs: number;
  durationMs: number;
}

export interface LoadResult {
  /** Whole-response latency of each recorded request, ms. */
  latencies: number[];
  /** Streams only: time to the first content token (the first chunk whose delta has non-empty content). */
  ttfts: number[];
  /** Ragline's own `x-ragline-overhead-ms` response header, where the gateway sent one. */
  reportedOverheadMs: number[];
  errors: number;
  firstError?: string;
  /** The recorded window, s (requests per second = latencies.length / seconds). */
  seconds: number;
}

interface One {
  ms: number;
  ttft: number;
  overhead: number;
  error?: string;
}

const FIRST_CONTENT = /"content":\s*"[^"]/;

/**
 * A closed-loop load generator on node:http with keep-alive: `concurrency` workers, each sending its
 * next request as soon as its last one ended, so every worker holds one connection. Times each request
 * from the call to the last byte, and for streams to the first content token as the client's bytes show
 * it (what the user of a chat UI sees).
 */
export async function runClosedLoop(spec: LoadSpec): Promise<LoadResult> {
  const url = new URL(spec.url);
  const agent = new Agent({ keepAlive: true, maxSockets: spec.concurrency, keepAliveMsecs: 30_000 });
  const headers = {
    ...spec.headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(spec.body)),
  };
  const result: LoadResult = {
    latencies: [],
    ttfts: [],
    reportedOverheadMs: [],
    errors: 0,
    seconds: spec.durationMs / 1000,
  };
  const start = performance.now();
  const recordFrom = start + spec.warmupMs;
  const end = recordFrom + spec.durationMs;

  const send = (): Promise<One> =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const req = request(
        { agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers },
        (res) => {
          let text = '';
          let ttft = Number.NaN;
          const overhead = Number(res.headers['x-ragline-overhead-ms'] ?? Number.NaN);
          res.setEncoding('utf8');
          res.on('data', (s: string) => {
            text += s;
            if (spec.stream && Number.isNaN(ttft) && FIRST_CONTENT.test(text)) ttft = performance.now() - t0;
          });
          res.on('end', () => {
            const ms = performance.now() - t0;
            const ok =
              res.statusCode === 200 &&
              (spec.stream ? text.trimEnd().endsWith('data: [DONE]') : text.includes('"choices"'));
            const error = ok ? undefined : `HTTP ${res.statusCode}: ${text.slice(0, 300)}`;
            resolve({ ms, ttft, overhead, ...(error !== undefined && { error }) });
          });
          res.on('error', (e) => resolve({ ms: performance.now() - t0, ttft, overhead, error: e.message }));
        },
      );
      req.on('error', (e) =>
        resolve({ ms: performance.now() - t0, ttft: Number.NaN, overhead: Number.NaN, error: e.message }),
      );
      req.end(spec.body);
    });

  const worker = async () => {
    while (performance.now() < end) {
      const one = await send();
      const finished = performance.now();
      if (finished < recordFrom || finished > end) continue;
      if (one.error) {
        result.errors++;
        result.firstError ??= one.error;
        continue;
      }
      result.latencies.push(one.ms);
      if (spec.stream && !Number.isNaN(one.ttft)) result.ttfts.push(one.ttft);
      if (!Number.isNaN(one.overhead)) result.reportedOverheadMs.push(one.overhead);
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, worker));
  agent.destroy();
  return result;
}
