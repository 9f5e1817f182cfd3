/** The normalised configuration: what the rest of the library consumes. */

export interface SourceConfig {
  /** Absolute path of the SQLite file (relative paths are resolved against the config file's folder). */
  path: string;
  /** Open with readonly: true; writes routed here are refused. Default false. */
  readonly: boolean;
  /** Connections the source's worker may open. Default 5. */
  poolSize: number;
  /** SQLite busy timeout in seconds. Default 30. */
  timeout: number;
  /** Calls that may wait for the source before new ones fail with SOURCE_OVERLOADED. Default 10000. */
  maxQueued: number;
  /** Seconds a transaction may stay open before it is rolled back (TRANSACTION_TIMEOUT). Default 60. */
  transactionTimeout: number;
  /** Seconds one call may run before the worker is stopped and restarted (QUERY_TIMEOUT). Default 30. */
  queryTimeout: number;
  /** Heap limit of the source's worker, in MB. Default 512. */
  maxMemoryMb: number;
  /** A file with a newer schema: refuse writes (default) or write as the bot does. */
  onNewerSchema: 'refuse-writes' | 'allow-writes';
}

export interface DatabaseConfig {
  /** Name of the source used when neither dataSource nor chatMapping decides. */
  default: string;
  sources: Record<string, SourceConfig>;
  /** Chat id (decimal integer string) -> source name. */
  chatMapping: Record<string, string>;
  /**
   * A read whose dataSource names no configured source: "fallback" reads the default source and
   * warns once per name (the bot's behaviour); "refuse" fails it with UNKNOWN_SOURCE. Default "fallback".
   */
  unknownDataSource: 'fallback' | 'refuse';
}

/** What a caller may pass in code: defaults may be left out, and kebab-case or camelCase keys are accepted. */
export interface SourceConfigInput {
  path: string;
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
  chatMapping?: Record<string, string>;
  unknownDataSource?: 'fallback' | 'refuse';
  'unknown-data-source'?: 'fallback' | 'refuse';
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
