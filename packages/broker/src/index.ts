export { Broker, type BrokerOptions, type BrokerTransaction } from './broker.js';
export type { BoundSql, Dialect, UpsertSet, UpsertSpec } from './dialect.js';
export { type CommonSourceSpec, type Engine, urlWithoutPassword } from './engine.js';
export { MYSQL_KEY_LENGTHS, type MysqlKeyColumn, tooLongError } from './engines/mysql/key-lengths.js';
export { type MysqlConnection, type MysqlSourceSpec, mysqlLocation } from './engines/mysql/spec.js';
export { PG_INT8_EXACT } from './engines/postgresql/errors.js';
export { type PostgresConnection, type PostgresSourceSpec, postgresLocation } from './engines/postgresql/spec.js';
export {
  type RedisConnection,
  type RedisContext,
  type RedisOperation,
  type RedisSourceSpec,
  redisLocation,
} from './engines/redis/spec.js';
export {
  DIALECTS,
  ENGINE_NAMES,
  ENGINES,
  type EngineName,
  type EngineTypes,
  engineOf,
  isEngineName,
  isSqlEngine,
  type SourceSpec,
  type SpecOf,
  SQL_ENGINE_NAMES,
  type SqlEngineName,
  type SqlEngineTypes,
  sourceLocation,
} from './engines/registry.js';
export type { SqliteConnection, SqliteRunResult, SqliteSourceSpec, SqliteStatement } from './engines/sqlite/spec.js';
export { sameFile } from './file-identity.js';
export { LATENCY_BUCKETS_US, type LatencyHistogram, type LatencyPercentiles } from './latency-recorder.js';
export {
  type ArgsOf,
  type Atomic,
  defineOperation,
  type EngineContext,
  isAtomic,
  type Operation,
  type OperationKind,
  type OperationMap,
  type Plan,
  type PrepareHook,
  type PrepareResult,
  type Query,
  type QueryMode,
  type ResultOf,
  type RunResult,
  type SourceModule,
  type StatementText,
  type Step,
} from './operation.js';
export type { PoolStats, ReplicaState, ReplicaStats, SqlMode } from './protocol.js';
export type { SourceState, SourceStats } from './source-client.js';
export { toDate, toDateOrNull } from './stored-timestamp.js';
