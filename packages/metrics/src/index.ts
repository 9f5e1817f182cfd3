/**
 * botdb's per-source figures as Prometheus metrics, on a registry the bot owns (so its own
 * /metrics endpoint serves them). Nothing is counted twice: every metric's collect() reads one
 * `db.stats()` snapshot per scrape, so a scrape costs one stats round trip per source.
 *
 * Latency is a histogram (buckets, `_sum`, `_count`), which Prometheus adds up across the bot's
 * processes and turns into any quantile with histogram_quantile(); percentiles could not be added.
 * It is read from the wrapper's cumulative bucket counts, so a scrape's cost does not grow with the calls.
 */
import type { DatabaseSourceStats } from '@pkg/core';
import { Counter, Gauge, type Registry } from 'prom-client';
import { latencyHistogram } from './latency-histogram.js';

/** What the metrics read: a `DatabaseWrapper`, or anything with its `stats()`. */
export interface StatsSource {
  stats(): Promise<Record<string, DatabaseSourceStats>>;
}

export interface BotdbMetricsOptions {
  /** The bot's registry (e.g. prom-client's global `register`). */
  registry: Registry;
  /** Prepended to every metric name (default `botdb_`). */
  prefix?: string;
}

export const SOURCE_STATES = ['running', 'not started', 'unavailable'] as const;

/** The names registered, by what they measure (without the prefix). */
export const METRIC_NAMES = [
  'calls_total',
  'errors_total',
  'queue_depth',
  'in_flight',
  'call_latency_seconds',
  'connection_reuse_ratio',
  'connections_open',
  'batches_total',
  'worker_restarts_total',
  'fallback_reads_total',
  'skipped_reads_total',
  'source_state',
  'primary_reads_total',
  'replica_reads_total',
  'replica_lag_seconds',
  'replica_state',
  'shard_chats',
  'shard_rows',
] as const;

/** A replica's states, as `replica_state` reports them (see ReplicaStats). */
export const REPLICA_STATES = ['ok', 'lagging', 'failed'] as const;

/**
 * Registers botdb's metrics on `registry`, read from `db.stats()` at each scrape. Returns a
 * function that removes them again (e.g. before the wrapper is closed and replaced).
 */
export function registerBotdbMetrics(db: StatsSource, options: BotdbMetricsOptions): () => void {
  const { registry } = options;
  const prefix = options.prefix ?? 'botdb_';
  const snapshot = sharedSnapshot(db);
  const registers = [registry];
  const names: string[] = [];

  /** A counter or gauge whose value per label set comes from the snapshot. */
  const define = <L extends string>(
    kind: 'counter' | 'gauge',
    name: string,
    help: string,
    labelNames: readonly L[],
    values: (source: string, s: DatabaseSourceStats) => Array<[Partial<Record<L, string>>, number]>,
  ) => {
    const fullName = `${prefix}${name}`;
    names.push(fullName);
    const config = {
      name: fullName,
      help,
      labelNames,
      registers,
      async collect(this: Counter<L> | Gauge<L>) {
        const stats = await snapshot();
        // A source removed by reconfigure must not keep reporting its last figures.
        this.reset();
        for (const [source, s] of Object.entries(stats)) {
          for (const [labels, value] of values(source, s)) {
            const all = { source, ...labels } as Record<L, string>;
            if (this instanceof Counter) this.inc(all, value);
            else this.set(all, value);
          }
        }
      },
    };
    if (kind === 'counter') new Counter<L>(config as never);
    else new Gauge<L>(config as never);
  };

  const one = (value: number): Array<[Record<string, never>, number]> => [[{}, value]];
  define('counter', 'calls_total', 'Calls answered by the source (since its worker started).', ['source'], (_, s) =>
    one(s.calls),
  );
  define(
    'counter',
    'errors_total',
    'Failed calls by error code (counted by the wrapper).',
    ['source', 'code'],
    (_, s) => Object.entries(s.errorsByCode).map(([code, n]) => [{ code }, n]),
  );
  define('gauge', 'queue_depth', 'Calls waiting to be sent to the source worker.', ['source'], (_, s) => one(s.queued));
  define('gauge', 'in_flight', 'Calls sent to the source worker and not yet answered.', ['source'], (_, s) =>
    one(s.inFlight),
  );
  names.push(`${prefix}call_latency_seconds`);
  latencyHistogram(`${prefix}call_latency_seconds`, registry, snapshot);
  define(
    'gauge',
    'connection_reuse_ratio',
    'Share of connection acquisitions served by an already open connection (0 to 1).',
    ['source'],
    (_, s) => one(s.reuseRate),
  );
  define('gauge', 'connections_open', 'Connections the source worker holds open.', ['source'], (_, s) =>
    one(s.connectionsOpen),
  );
  define(
    'counter',
    'batches_total',
    'Messages sent to the source worker (calls / batches = coalescing).',
    ['source'],
    (_, s) => one(s.batches),
  );
  define(
    'counter',
    'worker_restarts_total',
    'Times the source worker was restarted after a crash or a timeout.',
    ['source'],
    (_, s) => one(s.restarts),
  );
  define(
    'counter',
    'fallback_reads_total',
    'Reads routed to this source that the default source answered because this one could not.',
    ['source'],
    (_, s) => one(s.fallbackReads),
  );
  define('counter', 'skipped_reads_total', 'Cross-source reads that left this source out.', ['source'], (_, s) =>
    one(s.skippedReads),
  );
  define(
    'counter',
    'cache_unavailable_reads_total',
    'Cache reads of a Redis cache source answered as misses because Redis could not be reached (0 for other sources).',
    ['source'],
    (_, s) => one(s.unavailableReads ?? 0),
  );
  define(
    'gauge',
    'source_state',
    `1 for the state the source is in (${SOURCE_STATES.join(', ')}), 0 for the others.`,
    ['source', 'state'],
    (_, s) => SOURCE_STATES.map((state) => [{ state }, s.state === state ? 1 : 0]),
  );

  // Sources with read replicas only (PostgreSQL `replicas`); the label `replica` is the replica's location.
  define(
    'counter',
    'primary_reads_total',
    'Reads outside transactions the primary served on a source with replicas (none was caught up, or replica reads are off).',
    ['source'],
    (_, s) => (s.primaryReads === undefined ? [] : one(s.primaryReads)),
  );
  define('counter', 'replica_reads_total', 'Reads a replica served.', ['source', 'replica'], (_, s) =>
    (s.replicas ?? []).map((r) => [{ replica: r.location }, r.reads]),
  );
  define(
    'gauge',
    'replica_lag_seconds',
    'How stale a replica is: 0 when it replayed every primary position seen, else the age of the newest one it replayed (absent while unknown).',
    ['source', 'replica'],
    (_, s) =>
      (s.replicas ?? []).flatMap(
        (r): Array<[{ replica: string }, number]> =>
          r.lagMs === null ? [] : [[{ replica: r.location }, r.lagMs / 1000]],
      ),
  );
  define(
    'gauge',
    'replica_state',
    `1 for the state a replica is in (${REPLICA_STATES.join(', ')}), 0 for the others.`,
    ['source', 'replica', 'state'],
    (_, s) =>
      (s.replicas ?? []).flatMap((r) =>
        REPLICA_STATES.map((state): [{ replica: string; state: string }, number] => [
          { replica: r.location, state },
          r.state === state ? 1 : 0,
        ]),
      ),
  );

  // Per shard of a group: its balance, as last measured (db.stats() refreshes it in the background).
  define('gauge', 'shard_chats', 'Chats held by the shard (as last measured).', ['source', 'group'], (_, s) =>
    s.shard === undefined ? [] : [[{ group: s.shard.group }, s.shard.chats]],
  );
  define(
    'gauge',
    'shard_rows',
    "Rows of the shard's per-chat tables (as last measured).",
    ['source', 'group'],
    (_, s) => (s.shard === undefined ? [] : [[{ group: s.shard.group }, s.shard.rows]]),
  );

  return () => {
    for (const name of names) registry.removeSingleMetric(name);
  };
}

/** One `db.stats()` per scrape: collects started together share it. */
function sharedSnapshot(db: StatsSource): () => Promise<Record<string, DatabaseSourceStats>> {
  let pending: Promise<Record<string, DatabaseSourceStats>> | null = null;
  return () => {
    if (pending === null) {
      const current = db.stats();
      pending = current;
      const clear = () => {
        if (pending === current) pending = null;
      };
      current.then(clear, clear);
    }
    return pending;
  };
}
