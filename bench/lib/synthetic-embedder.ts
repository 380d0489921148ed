import type { Embedder, EmbedOptions, EmbedResult } from '../../packages/server/src/ports/embedder.js';
import { fnv1a, gaussian, mulberry32, normalize } from './random.js';

export interface SyntheticEmbedderOptions {
  name: string;
  dimensions: number;
  /**
   * 0: uniform random unit vectors. Otherwise a mixture of this many Gaussian clusters: each text gets a
   * centre (by its hash) plus isotropic noise of norm about `spread`, then the sum is normalised.
   */
  clusters: number;
  spread?: number;
  seed?: number;
  /** Called with every document text and its vector (the bench keeps them for an exact scan). */
  onDocumentVector?: (text: string, vector: Float32Array) => void;
}

export interface SyntheticEmbedder extends Embedder {
  /** Milliseconds spent inside embed(), summed. */
  readonly elapsedMs: number;
  vectorOf(text: string): Float32Array;
}

/**
 * A constant-cost, deterministic embedder: the vector is a pure function of a hash of the text (no model,
 * no sleep), so benchmarks measure the pipeline around the embedder, not the model.
 */
export function createSyntheticEmbedder(options: SyntheticEmbedderOptions): SyntheticEmbedder {
  const { dimensions, clusters } = options;
  const spread = options.spread ?? 1;
  const seedRng = mulberry32(options.seed ?? 42);
  const centres: Float32Array[] = [];
  for (let c = 0; c < clusters; c++) {
    const v = new Float32Array(dimensions);
    for (let i = 0; i < dimensions; i++) v[i] = gaussian(seedRng);
    centres.push(normalize(v));
  }
  const noiseScale = clusters === 0 ? 1 : spread / Math.sqrt(dimensions);
  let elapsedMs = 0;

  function vectorOf(text: string): Float32Array {
    const rng = mulberry32(fnv1a(text));
    const v = new Float32Array(dimensions);
    const centre = clusters === 0 ? undefined : centres[Math.floor(rng() * clusters)];
    for (let i = 0; i < dimensions; i++)
      v[i] = (centre ? (centre[i] as number) : 0) + noiseScale * gaussian(rng);
    return normalize(v);
  }

  return {
    name: options.name,
    kind: 'bench-synthetic',
    model: `bench-synthetic-${dimensions}d-${clusters}c`,
    get elapsedMs() {
      return elapsedMs;
    },
    vectorOf,
    async dimensions() {
      return dimensions;
    },
    async embed(texts: string[], embedOptions?: EmbedOptions): Promise<EmbedResult> {
      const started = performance.now();
      let inputTokens = 0;
      const vectors = texts.map((text) => {
        inputTokens += Math.ceil(text.length / 4);
        const v = vectorOf(text);
        if (embedOptions?.purpose !== 'query') options.onDocumentVector?.(text, v);
        return Array.from(v);
      });
      elapsedMs += performance.now() - started;
      return {
        vectors,
        usage: { inputTokens },
        model: `bench-synthetic-${dimensions}d-${clusters}c`,
        dimensions,
      };
    },
  };
}
