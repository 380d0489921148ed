/**
 * An in-memory stale-while-revalidate cache: a fresh entry is served as is; a stale one is served at
 * once while one background refresh replaces it; a failed refresh keeps serving the stale copy (the
 * server being away must not take prompts away). Concurrent misses for a key share one load.
 */
export interface SwrCacheOptions {
  /** Least recently used entries go first past this many. */
  maxEntries: number;
  now: () => number;
}

interface Entry<T> {
  value: T;
  /** When the value was loaded or a refresh last started: one refresh attempt per ttl, even while failing. */
  checkedAt: number;
  refreshing: boolean;
}

export class SwrCache<T> {
  readonly #entries = new Map<string, Entry<T>>();
  readonly #loading = new Map<string, Promise<T>>();
  readonly #options: SwrCacheOptions;

  constructor(options: SwrCacheOptions) {
    this.#options = options;
  }

  /**
   * The cached value when there is one (refreshing it in the background once older than `ttlMs`,
   * unless `immutable`), else the loaded one. A miss rejects with the load's error.
   */
  async get(key: string, load: () => Promise<T>, policy: { ttlMs: number; immutable?: boolean }): Promise<T> {
    const entry = this.#entries.get(key);
    if (entry) {
      this.#touch(key, entry);
      const stale = this.#options.now() - entry.checkedAt >= policy.ttlMs;
      if (stale && !policy.immutable && !entry.refreshing) this.#refresh(key, entry, load);
      return entry.value;
    }
    const pending = this.#loading.get(key);
    if (pending) return pending;
    const loading = load()
      .then((value) => {
        this.#store(key, value);
        return value;
      })
      .finally(() => this.#loading.delete(key));
    this.#loading.set(key, loading);
    return loading;
  }

  /** Forgets every key the predicate picks (all of them without one). */
  clear(predicate?: (key: string) => boolean): void {
    for (const key of [...this.#entries.keys()]) {
      if (!predicate || predicate(key)) this.#entries.delete(key);
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  #refresh(key: string, entry: Entry<T>, load: () => Promise<T>): void {
    entry.refreshing = true;
    entry.checkedAt = this.#options.now();
    load().then(
      (value) => {
        // a clear() during the refresh wins: the key stays gone
        if (this.#entries.get(key) === entry) this.#store(key, value);
      },
      () => {
        entry.refreshing = false;
      },
    );
  }

  #store(key: string, value: T): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, checkedAt: this.#options.now(), refreshing: false });
    while (this.#entries.size > this.#options.maxEntries) {
      this.#entries.delete(this.#entries.keys().next().value as string);
    }
  }

  #touch(key: string, entry: Entry<T>): void {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
  }
}
