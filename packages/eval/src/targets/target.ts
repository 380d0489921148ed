import type { EvalTarget } from '../run/eval-run.js';
import type { FetchLike } from '../runner/endpoint-client.js';
import type { DatasetCase } from '../suite/dataset.js';
import type { TargetDefinition } from '../suite/suite-definition.js';

/** A passage the target retrieved, in rank order. `start`/`end` are character offsets in the document. */
export interface RetrievedContext {
  documentId: string;
  chunkId?: string;
  text: string;
  start?: number;
  end?: number;
  score?: number;
}

/** What one call of the target produced. */
export interface TargetAnswer {
  /** The answer text; null for retrieval-only targets. */
  output: string | null;
  /** Retrieved passages in rank order (release, prompt-model with a collection, collection targets). */
  contexts?: RetrievedContext[];
  /** Integer micro-dollars the server metered for this call, when it reported it. */
  costMicros?: number;
  /** The server's request id, to find the call in the ledger. */
  requestId?: string;
}

/** A target ready to call: what it is (with the content hash the run scored) and how to ask it one case. */
export interface ResolvedTarget {
  ref: EvalTarget;
  /** Throws `EndpointError` (an infrastructure failure, never a quality failure) when no answer came. */
  call(item: DatasetCase, input: string): Promise<TargetAnswer>;
}

export interface TargetContext {
  fetch: FetchLike;
  env: Readonly<Record<string, string | undefined>>;
  /** Where a missing or bad setting is reported, e.g. `suite "smoke"`. */
  where: string;
}

export type TargetResolver = (target: TargetDefinition, context: TargetContext) => Promise<ResolvedTarget>;
