export { type LoadConfigOptions, loadConfig } from './load.js';
export { type NormalizeOptions, type NormalizeResult, normalizeConfig, validateDatabaseConfig } from './normalize.js';
export type {
  ConfigWarning,
  DatabaseConfig,
  DatabaseConfigInput,
  LoadedConfig,
  SourceConfig,
  SourceConfigInput,
} from './types.js';
