/** The normalised configuration: what the rest of the library consumes. */

/** What every source has, whatever its type. */
export interface CommonSourceConfig {
  /** SQLite: open the file read-only. PostgreSQL: read-only sessions, never migrated. Writes routed here are refused. Default false. */
  readonly: boolean;
  /** Connections the source's worker may open. Default 5. */
  poolSize: number;
  /** SQLite: busy timeout. PostgreSQL: connect timeout and statement timeout. Seconds; default 30. */
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

/** A SQLite file. `type` is left out of the normalised output (SQLite is the default). */
export interface SqliteSourceConfig extends CommonSourceConfig {
  type?: 'sqlite';
  /** Absolute path of the SQLite file (relative paths are resolved against the config file's folder), or ":memory:". */
  path: string;
  url?: undefined;
}

/** A schema of a PostgreSQL database. */
export interface PostgresSourceConfig extends CommonSourceConfig {
  type: 'postgresql';
  /** postgres:// or postgresql:// URL, never with a password. */
  url: string;
  /** Environment variable holding the password, read by the worker; null: PGPASSWORD or ~/.pgpass. */
  passwordEnv: string | null;
  /** Schema holding the bot's tables (the session's search_path). Default "public". */
  schema: string;
  path?: undefined;
}

export type SourceConfig = SqliteSourceConfig | PostgresSourceConfig;

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
  /**
   * Sources one cross-source read asks at once (default 8). Always set by validation; a configuration
   * built by hand may leave it out and gets the default.
   */
  crossSourceConcurrency?: number;
  /** Seconds a cross-source read may take before it answers with the sources that did (default 30). */
  crossSourceTimeout?: number;
}

/** What a caller may pass in code: defaults may be left out, and kebab-case or camelCase keys are accepted. */
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

export interface SqliteSourceConfigInput extends CommonSourceConfigInput {
  type?: 'sqlite';
  path: string;
}

export interface PostgresSourceConfigInput extends CommonSourceConfigInput {
  type: 'postgresql';
  /** postgres://user@host:port/database, without a password. */
  url: string;
  passwordEnv?: string | null;
  'password-env'?: string | null;
  /** Default "public". */
  schema?: string;
}

/** What a caller may pass in code: defaults may be left out, and kebab-case or camelCase keys are accepted. */
export type SourceConfigInput = SqliteSourceConfigInput | PostgresSourceConfigInput;

export interface DatabaseConfigInput {
  /** Left out: "default" if such a source exists, else "primary" if it exists, else the only source. */
  default?: string;
  sources: Record<string, SourceConfigInput>;
  chatMapping?: Record<string, string>;
  unknownDataSource?: 'fallback' | 'refuse';
  'unknown-data-source'?: 'fallback' | 'refuse';
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
