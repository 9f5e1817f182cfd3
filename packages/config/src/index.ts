export {
  DEFAULT_SOURCE_NAME,
  IMPLIED_DEFAULT_NAMES,
  LEGACY_SOURCE_NAME,
  RESERVED_SOURCE_NAMES,
  SETTING_LIMITS,
  type SettingLimit,
} from './defaults.js';
export { type LoadConfigOptions, loadConfig } from './load.js';
export { type NormalizeOptions, type NormalizeResult, normalizeConfig, validateDatabaseConfig } from './normalize.js';
export type {
  ConfigLogger,
  ConfigWarning,
  DatabaseConfig,
  DatabaseConfigInput,
  LoadedConfig,
  SourceConfig,
  SourceConfigInput,
} from './types.js';
