export { servedOnly } from './cache-source.js';
export {
  CROSS_SOURCE_DEFAULTS,
  CROSS_SOURCE_LIMITS,
  DEFAULT_SOURCE_NAME,
  IMPLIED_DEFAULT_NAMES,
  LEGACY_SOURCE_NAME,
  RESERVED_SOURCE_NAMES,
  SETTING_LIMITS,
  type SettingLimit,
} from './defaults.js';
export type { ConfigEngine } from './engine.js';
export { type MysqlSourceConfig, type MysqlSourceConfigInput, mysqlIdentity } from './engines/mysql.js';
export {
  DEFAULT_POSTGRES_SCHEMA,
  type PostgresSourceConfig,
  type PostgresSourceConfigInput,
} from './engines/postgresql.js';
export {
  CACHE_OPERATIONS,
  DEFAULT_REDIS_KEY_PREFIX,
  DEFAULT_REDIS_MAX_AGE,
  type RedisSourceConfig,
  type RedisSourceConfigInput,
} from './engines/redis.js';
export { CONFIG_ENGINES, DEFAULT_SOURCE_TYPE, SOURCE_TYPES, type SourceType } from './engines/registry.js';
export type { SqliteSourceConfig, SqliteSourceConfigInput } from './engines/sqlite.js';
export { type LoadConfigOptions, loadConfig } from './load.js';
export { type NormalizeOptions, type NormalizeResult, normalizeConfig, validateDatabaseConfig } from './normalize.js';
export type {
  ConfigLogger,
  ConfigWarning,
  DatabaseConfig,
  DatabaseConfigInput,
  LoadedConfig,
  ShardGroupConfig,
  SourceConfig,
  SourceConfigInput,
} from './types.js';
