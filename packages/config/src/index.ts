export {
  CROSS_SOURCE_DEFAULTS,
  CROSS_SOURCE_LIMITS,
  DEFAULT_POSTGRES_SCHEMA,
  DEFAULT_SOURCE_NAME,
  IMPLIED_DEFAULT_NAMES,
  LEGACY_SOURCE_NAME,
  RESERVED_SOURCE_NAMES,
  SETTING_LIMITS,
  type SettingLimit,
  SOURCE_TYPES,
  type SourceType,
} from './defaults.js';
export { type LoadConfigOptions, loadConfig } from './load.js';
export { type NormalizeOptions, type NormalizeResult, normalizeConfig, validateDatabaseConfig } from './normalize.js';
export type {
  ConfigLogger,
  ConfigWarning,
  DatabaseConfig,
  DatabaseConfigInput,
  LoadedConfig,
  PostgresSourceConfig,
  PostgresSourceConfigInput,
  SourceConfig,
  SourceConfigInput,
  SqliteSourceConfig,
  SqliteSourceConfigInput,
} from './types.js';
