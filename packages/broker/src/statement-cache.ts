/**
 * A bounded cache of prepared statements (or statement texts) by SQL text, least recently used out
 * first. Raw SQL (db.query, tx.query, tx.execute) can bring any number of distinct texts: without a
 * bound each one kept its compiled statement for the worker's lifetime (+144 MB per 40,000 texts).
 */

/**
 * Statements kept per SQLite connection, and texts per PostgreSQL or MySQL source (prepared on the server).
 * The bot's operations use about 60 SQL texts; a prepared SQLite statement of its message read holds ~12 KB
 * (500 of them: +6.2 MB of RSS), so 128 keeps every operation's statement and bounds raw SQL at ~1.5 MB.
 */
export const STATEMENT_CACHE_SIZE = 128;

export class StatementCache<V> {
  private readonly entries = new Map<string, V>();
  /** The most recently used key: a hit on it needs no reordering (a bot repeats its reads). */
  private youngest: string | undefined;
  /** Entries dropped to stay within `capacity` since the cache was made. */
  evictions = 0;

  constructor(readonly capacity: number = STATEMENT_CACHE_SIZE) {}

  get size(): number {
    return this.entries.size;
  }

  /** The value for `key`, now the most recently used; undefined when absent. */
  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined && key !== this.youngest) {
      // A Map iterates in insertion order: re-inserting moves the key to the young end.
      this.entries.delete(key);
      this.entries.set(key, value);
      this.youngest = key;
    }
    return value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    this.youngest = key;
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.evictions++;
    }
  }

  /** The cached value, or `make()`'s, cached now. */
  getOrSet(key: string, make: () => V): V {
    let value = this.get(key);
    if (value === undefined) {
      value = make();
      this.set(key, value);
    }
    return value;
  }
}
