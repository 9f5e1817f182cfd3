/** The normalised configuration: what the rest of the library consumes. */
import type { SourceConfig, SourceConfigInput } from './engines/registry.js';

/** What every source has, whatever its type. */
export interface CommonSourceConfig {
  /** SQLite: open the file read-only. Server engines: read-only sessions, never migrated. Writes routed here are refused. Default false. */
  readonly: boolean;
  /** Connections the source's worker may open. Default 5. */
  poolSize: number;
  /** SQLite: busy timeout. Server engines: connect timeout and statement timeout. Seconds; default 30. */
  timeout: number;
  /** Calls that may wait for the source before new ones fail with SOURCE_OVERLOADED. Default 10000. */
  maxQueued: number;
  /** Seconds a transaction may stay open before it is rolled back (TRANSACTION_TIMEOUT). Default 60. */
  transactionTimeout: number;
  /** Seconds one call may run before the worker is stopped and restarted (QUERY_TIMEOUT). Default 30. */
  queryTimeout: number;
  /** Heap limit of the source's worker, in MB. Default 512. */
  maxMemoryMb: number;
  /** A database with a newer schema: refuse writes (default) or write as the bot does. */
  onNewerSchema: 'refuse-writes' | 'allow-writes';
}

/**
 * A normalised source: one per engine (engines/<name>.ts), told apart by `type`, which is always set (a
 * file that leaves it out gets the default type, "sqlite").
 */
export type { SourceConfig, SourceConfigInput } from './engines/registry.js';

/** A shard group: chats with no mapping and no recorded placement are spread over `sources` by a stable hash. */
export interface ShardGroupConfig {
  /** The group's sources, each a defined, writable source in no other group. Order does not matter. */
  sources: string[];
  /**
   * The membership before the last change, kept while `botdb shards apply` moves chats: a chat with no
   * recorded placement is routed by the hash over these sources, where its data still is. Remove it once
   * apply reports nothing left to move.
   */
  previous?: string[];
}

export interface DatabaseConfig {
  /**
   * Name of the source used when neither dataSource nor chatMapping decides. When the file's `default`
   * names a shard group, this is the group's first source and `defaultGroup` names the group.
   */
  default: string;
  /** The shard group `default` names: chats that no mapping or placement decides are hashed over it. */
  defaultGroup?: string;
  sources: Record<string, SourceConfig>;
  /** Shard groups by name (present when any is defined). */
  shards?: Record<string, ShardGroupConfig>;
  /**
   * The source holding system-wide data: settings, cache (unless `[database] cache` names another), media,
   * delayed tasks, and the chat placement table. Default: the default source.
   */
  system: string;
  /** Chat id (decimal integer string) -> source name. */
  chatMapping: Record<string, string>;
  /**
   * A read whose dataSource names no configured source: "fallback" reads the default source and
   * warns once per name (the bot's behaviour); "refuse" fails it with UNKNOWN_SOURCE. Default "fallback".
   */
  unknownDataSource: 'fallback' | 'refuse';
  /**
   * The source of the cache operations (getCacheEntry, setCacheEntry, clearCache, getCacheStorage,
   * setCacheStorage, unsetCacheStorage); an explicit dataSource on a call still wins. Left out: the default.
   */
  cache?: string;
  /**
   * Sources one cross-source read asks at once (default 8). Always set by validation; a configuration
   * built by hand may leave it out and gets the default.
   */
  crossSourceConcurrency?: number;
  /** Seconds a cross-source read may take before it answers with the sources that did (default 30). */
  crossSourceTimeout?: number;
}

/** Settings every source accepts in code, kebab-case or camelCase; defaults may be left out. */
export interface CommonSourceConfigInput {
  readonly?: boolean;
  poolSize?: number;
  'pool-size'?: number;
  timeout?: number;
  maxQueued?: number;
  'max-queued'?: number;
  transactionTimeout?: number;
  'transaction-timeout'?: number;
  queryTimeout?: number;
  'query-timeout'?: number;
  maxMemoryMb?: number;
  'max-memory-mb'?: number;
  onNewerSchema?: 'refuse-writes' | 'allow-writes';
  'on-newer-schema'?: 'refuse-writes' | 'allow-writes';
}

export interface DatabaseConfigInput {
  /** Left out: "default" if such a source exists, else "primary" if it exists, else the only source. */
  default?: string;
  sources: Record<string, SourceConfigInput>;
  /** Shard groups; `default` may name one. */
  shards?: Record<string, { sources: string[]; previous?: string[] }>;
  /** The source for system-wide data (default: the default source, or the first source of its group). */
  system?: string;
  /** The normalised form of a `default` naming a group, accepted back (a DatabaseConfig validates again). */
  defaultGroup?: string;
  chatMapping?: Record<string, string>;
  unknownDataSource?: 'fallback' | 'refuse';
  'unknown-data-source'?: 'fallback' | 'refuse';
  /** The source of the cache operations (a Redis source, or any other). */
  cache?: string;
  crossSourceConcurrency?: number;
  'cross-source-concurrency'?: number;
  crossSourceTimeout?: number;
  'cross-source-timeout'?: number;
}

/** A configuration problem that does not stop loading; `message` ends with "Fix: ...". */
export interface ConfigWarning {
  key: string;
  message: string;
}

/** Where loadConfig sends each warning, as `"<key>: <message>"`. */
export interface ConfigLogger {
  warn(message: string): void;
}

export interface LoadedConfig {
  config: DatabaseConfig;
  /** The file the configuration came from, or null when the built-in defaults were used. */
  filepath: string | null;
  warnings: ConfigWarning[];
}
