import type { EventQueue } from './event-queue.js';

/** A simulated vLLM replica's engine settings (continuous batching with chunked prefill and prefix caching). */
export interface ReplicaSpec {
  /** max_num_seqs: requests in the running batch. */
  maxSeqs: number;
  /** max_num_batched_tokens: prefill chunk tokens + one per decoding request, per step. */
  tokenBudget: number;
  /** KV-cache capacity in tokens (blocks x block size). */
  kvTokens: number;
  /** Fixed cost of one engine step (scheduling, kernel launches, sampling). */
  stepOverheadMs: number;
  /** Prefill cost per uncached prompt token. */
  prefillMsPerToken: number;
  /** Decode cost per running request per step (one token each). */
  decodeMsPerSeq: number;
}

export interface SimRequest {
  id: number;
  arrival: number;
  /** The shared prefix (a tenant's system prompt): its id and length in tokens. */
  prefixId: number;
  prefixTokens: number;
  /** The whole prompt, prefix included. */
  promptTokens: number;
  outputTokens: number;
}

export interface ReplicaMetrics {
  waiting: number;
  running: number;
  kvCacheUsage: number;
}

interface Running {
  request: SimRequest;
  prefillLeft: number;
  generated: number;
  /** Tokens this request holds outside the shared prefix entry. */
  ownTokens: number;
  /** The prefix entry it pins (hit, or the one its prefill is computing). */
  entry: PrefixEntry | null;
  createsEntry: boolean;
}

interface PrefixEntry {
  id: number;
  tokens: number;
  pins: number;
  ready: boolean;
}

export interface SimReplica {
  readonly id: string;
  enqueue(request: SimRequest): void;
  metrics(): ReplicaMetrics;
  stats(): { promptTokens: number; cachedTokens: number };
}

/**
 * One vLLM-like engine. Each step admits waiting requests (FIFO) while the batch has room and the KV
 * cache can hold the request's prompt and output (evicting unpinned cached prefixes, least recently used
 * first), then runs one token for every decoding request plus prefill chunks in admission order up to
 * the token budget. A prefix is reusable once the prefill that computed it has finished; a request whose
 * prefix is cached prefills only the rest of its prompt. The first token comes at the end of the step
 * that finishes the prefill. KV usage, as vLLM reports it, counts blocks held by running requests.
 */
export function createSimReplica(
  id: string,
  spec: ReplicaSpec,
  events: EventQueue,
  hooks: {
    firstToken(request: SimRequest, at: number): void;
    finished(request: SimRequest, at: number): void;
  },
): SimReplica {
  const waiting: SimRequest[] = [];
  const running: Running[] = [];
  /** LRU order: Map iteration order, refreshed on every hit. */
  const cache = new Map<number, PrefixEntry>();
  let cachedTotal = 0;
  let ownTotal = 0;
  let busy = false;
  let promptTokens = 0;
  let cachedTokens = 0;

  const evictFor = (need: number) => {
    for (const [key, entry] of cache) {
      if (cachedTotal + ownTotal + need <= spec.kvTokens) return true;
      if (entry.pins > 0) continue;
      cache.delete(key);
      cachedTotal -= entry.tokens;
    }
    return cachedTotal + ownTotal + need <= spec.kvTokens;
  };

  function admit() {
    while (waiting.length > 0 && running.length < spec.maxSeqs) {
      const request = waiting[0] as SimRequest;
      const found = cache.get(request.prefixId);
      const hit = found?.ready === true;
      const createsEntry = found === undefined;
      const own = hit || createsEntry ? request.promptTokens - request.prefixTokens : request.promptTokens;
      const need = own + request.outputTokens + (createsEntry ? request.prefixTokens : 0);
      if (!evictFor(need)) return;
      waiting.shift();
      let entry: PrefixEntry | null = null;
      if (hit && found) {
        entry = found;
        cache.delete(request.prefixId);
        cache.set(request.prefixId, found);
      } else if (createsEntry) {
        entry = { id: request.prefixId, tokens: request.prefixTokens, pins: 0, ready: false };
        cache.set(request.prefixId, entry);
        cachedTotal += entry.tokens;
      }
      if (entry) entry.pins++;
      ownTotal += own + request.outputTokens;
      const prefill = hit ? request.promptTokens - request.prefixTokens : request.promptTokens;
      promptTokens += request.promptTokens;
      cachedTokens += request.promptTokens - prefill;
      running.push({
        request,
        prefillLeft: Math.max(1, prefill),
        generated: 0,
        ownTokens: own + request.outputTokens,
        entry,
        createsEntry,
      });
    }
  }

  function step() {
    admit();
    if (running.length === 0) {
      busy = false;
      return;
    }
    busy = true;
    const decoding = running.filter((r) => r.prefillLeft === 0);
    let budget = spec.tokenBudget - decoding.length;
    const chunks: [Running, number][] = [];
    for (const r of running) {
      if (r.prefillLeft === 0 || budget <= 0) continue;
      const chunk = Math.min(r.prefillLeft, budget);
      chunks.push([r, chunk]);
      budget -= chunk;
    }
    const prefillTokens = chunks.reduce((a, [, c]) => a + c, 0);
    const duration =
      spec.stepOverheadMs + prefillTokens * spec.prefillMsPerToken + decoding.length * spec.decodeMsPerSeq;
    events.after(duration, () => {
      const now = events.now();
      const done: Running[] = [];
      for (const r of decoding) {
        r.generated++;
        if (r.generated >= r.request.outputTokens) done.push(r);
      }
      for (const [r, chunk] of chunks) {
        r.prefillLeft -= chunk;
        if (r.prefillLeft > 0) continue;
        r.generated = 1;
        if (r.createsEntry && r.entry) r.entry.ready = true;
        hooks.firstToken(r.request, now);
        if (r.generated >= r.request.outputTokens) done.push(r);
      }
      for (const r of done) {
        running.splice(running.indexOf(r), 1);
        ownTotal -= r.ownTokens;
        if (r.entry) r.entry.pins--;
        hooks.finished(r.request, now);
      }
      step();
    });
  }

  return {
    id,
    enqueue(request) {
      waiting.push(request);
      if (!busy) step();
    },
    metrics() {
      let pinned = 0;
      for (const entry of cache.values()) if (entry.pins > 0) pinned += entry.tokens;
      return {
        waiting: waiting.length,
        running: running.length,
        kvCacheUsage: Math.min(1, (pinned + ownTotal) / spec.kvTokens),
      };
    },
    stats: () => ({ promptTokens, cachedTokens }),
  };
}
