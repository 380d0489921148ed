import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { EvalRepeat } from '../run/eval-run.js';
import { parseRepeat, RunParseError } from '../run/parse-run.js';
import { writeFileAtomic } from './atomic-write.js';

/** Bump when the stored entry changes shape: old entries are then simply not found. */
const FORMAT = 'v1';

/** What a stored repeat depends on; any change is a different entry. */
export interface RunCacheKey {
  /** The target's content hash (`EvalTarget.contentHash`). */
  target: string;
  /** Hash of the case as scored (id, input, variables, expected values). */
  case: string;
  /** Hash of the metric definitions with the judge and embedder (and judge prompt versions). */
  metrics: string;
  /** 0-based repeat index: repeat k reuses repeat k. */
  repeat: number;
}

interface CacheEntry {
  key: RunCacheKey;
  repeat: EvalRepeat;
}

/**
 * Repeats of earlier runs on disk, one JSON file per key under `<dir>/v1/<2 hex>/<sha256>.json`, written
 * atomically (see {@link writeFileAtomic}) so concurrent runs sharing a folder never read a torn entry. An
 * unreadable or foreign entry is a miss (and gets overwritten); a folder that cannot be written is an error.
 */
export class RunCache {
  readonly dir: string;
  private readonly metricNames: ReadonlySet<string>;
  /** Entry folders made so far, so a put costs a write and a rename, not a mkdir too. */
  private readonly folders = new Set<string>();

  private constructor(dir: string, metricNames: readonly string[]) {
    this.dir = dir;
    this.metricNames = new Set(metricNames);
  }

  /** Creates the folder if needed; `metricNames` are the metrics a stored repeat may score. */
  static async open(dir: string, metricNames: readonly string[]): Promise<RunCache> {
    const absolute = resolve(dir);
    try {
      await mkdir(join(absolute, FORMAT), { recursive: true });
    } catch (error) {
      throw new Error(`run cache ${absolute}: cannot create the folder (${(error as Error).message})`);
    }
    return new RunCache(absolute, metricNames);
  }

  /** The stored repeat (without `cached`), or undefined on a miss. */
  async get(key: RunCacheKey): Promise<EvalRepeat | undefined> {
    const path = this.pathOf(key);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(`run cache ${path}: cannot read (${(error as Error).message})`);
    }
    try {
      const entry = JSON.parse(text) as Partial<CacheEntry>;
      if (!sameKey(entry.key, key)) return undefined;
      const { cached: _cached, ...repeat } = parseRepeat(entry.repeat, 'repeat', this.metricNames);
      return repeat.error === undefined ? repeat : undefined;
    } catch (error) {
      if (error instanceof SyntaxError || error instanceof RunParseError) return undefined;
      throw error;
    }
  }

  /** Stores a repeat that answered; a repeat with an error is never stored (it must run again). */
  async put(key: RunCacheKey, repeat: EvalRepeat): Promise<void> {
    if (repeat.error !== undefined) return;
    const { cached: _cached, ...stored } = repeat;
    const entry: CacheEntry = { key, repeat: stored };
    const path = this.pathOf(key);
    const folder = dirname(path);
    try {
      if (!this.folders.has(folder)) {
        await mkdir(folder, { recursive: true });
        this.folders.add(folder);
      }
      await writeFileAtomic(path, JSON.stringify(entry), { makeDir: false });
    } catch (error) {
      throw new Error(`run cache ${path}: cannot write (${(error as Error).message})`);
    }
  }

  private pathOf(key: RunCacheKey): string {
    const digest = createHash('sha256')
      .update(JSON.stringify([key.target, key.case, key.metrics, key.repeat]))
      .digest('hex');
    return join(this.dir, FORMAT, digest.slice(0, 2), `${digest}.json`);
  }
}

function sameKey(stored: unknown, key: RunCacheKey): boolean {
  if (typeof stored !== 'object' || stored === null) return false;
  const other = stored as Record<string, unknown>;
  return (
    other.target === key.target &&
    other.case === key.case &&
    other.metrics === key.metrics &&
    other.repeat === key.repeat
  );
}
