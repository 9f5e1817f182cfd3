export { postgresLocation, type SourceStats, urlWithoutPassword } from '@pkg/broker';
export { type DatabaseConfig, type DatabaseConfigInput, loadConfig, validateDatabaseConfig } from '@pkg/config';
export * from '@pkg/errors';
export type { ConfigWatcher, WatchConfigOptions } from './config-watcher.js';
export type { CrossSourceReport, CrossSourceRows, SkippedSource } from './cross-source.js';
export {
  type DatabaseSourceStats,
  DatabaseWrapper,
  type DatabaseWrapperOptions,
  type LegacyOptions,
  type MultiSourceOptions,
  type ReconfigureOptions,
  type ReconfigureResult,
  type RoutingStats,
  type TransactionScope,
} from './database-wrapper.js';
export { migratePostgresV6, PG_INT8_EXACT, PG_SCHEMA_VERSION } from './engines/postgresql/schema.js';
export type { LogFields, Logger, LogMethod } from './logging.js';
export { moveChatOnline, readPlacements } from './placement/mover.js';
export type {
  MoveChatOnline,
  MoveChatOnlineOptions,
  MoveChatOptions,
  MoveChatResult,
  MoveHooks,
  MoveProgress,
  MoveStep,
  PlacementRow,
  ReadPlacements,
} from './placement/types.js';
export type { PlacementLookup, RouteDecision, RouteReason, RouteRequest, RouterOptions } from './router.js';
export {
  cacheSourceOf,
  describeRoute,
  Router,
  SYSTEM_OPERATIONS,
  systemSourceOf,
} from './router.js';
export { SCHEMA_VERSION, V6_TABLES, VERSION_KEY } from './schema/bot-schema.js';
export { RendezvousGroup } from './shard-hash.js';
export type { ShardFigures } from './shard-stats.js';
export { Transaction } from './transaction.js';
export * from './types.js';
export { MAX_LIMIT } from './validation/index.js';
