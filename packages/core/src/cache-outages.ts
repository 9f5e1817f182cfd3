/**
 * A cache source (Redis) that cannot be reached: its reads answer a miss (`null`, `[]`) instead of failing,
 * counted per source (`stats()[source].unavailableReads`) and warned once per outage (the first read that
 * succeeds again ends it, with one info line); writes keep failing SOURCE_UNAVAILABLE. With
 * `on-unavailable = "error"` on the source, reads fail typed too.
 */
import type { DatabaseConfig } from '@pkg/config';
import type { DatabaseError } from '@pkg/errors';
import type { Log } from './logging.js';

/** What each cache read answers for "not found". */
const MISSES: Readonly<Record<string, () => unknown>> = {
  getCacheEntry: () => null,
  getCacheStorage: () => [],
};

export class CacheOutages {
  private readonly counts = new Map<string, number>();
  /** Sources in an outage that was warned about. */
  private readonly down = new Set<string>();

  constructor(private readonly log: Log) {}

  /** The read, its outage turned into a miss where the source says so. */
  read<T>(
    config: DatabaseConfig,
    source: string,
    op: string,
    read: Promise<T>,
    isUnavailable: (e: unknown) => e is DatabaseError,
  ): Promise<T> {
    const miss = MISSES[op];
    const mode = (config.sources[source] as { onUnavailable?: string } | undefined)?.onUnavailable;
    if (miss === undefined || mode !== 'miss') return read;
    return read.then(
      (value) => {
        if (this.down.delete(source)) {
          this.log.info?.({ event: 'cache-back', source }, `cache source "${source}" answers again.`);
        }
        return value;
      },
      (e: unknown) => {
        if (!isUnavailable(e)) throw e;
        this.counts.set(source, (this.counts.get(source) ?? 0) + 1);
        if (!this.down.has(source)) {
          this.down.add(source);
          this.log.warn(
            { event: 'cache-unavailable', source, operation: op, code: e.code },
            `cache source "${source}" cannot be reached (${e.code}: ${e.message}). Its reads answer as cache misses until it is back, its writes fail SOURCE_UNAVAILABLE. ` +
              `Shown once per outage; stats()["${source}"].unavailableReads counts them. Set on-unavailable = "error" on the source to fail reads instead.`,
          );
        }
        return miss() as T;
      },
    );
  }

  /** Reads answered as misses, by source. */
  unavailableReads(source: string): number {
    return this.counts.get(source) ?? 0;
  }
}
