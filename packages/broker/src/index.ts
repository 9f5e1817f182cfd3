export { Broker, type BrokerOptions, type BrokerTransaction } from './broker.js';
export { sameFile } from './file-identity.js';
export { LATENCY_BUCKETS_US, type LatencyHistogram, type LatencyPercentiles } from './latency-recorder.js';
export {
  type ArgsOf,
  type Atomic,
  defineOperation,
  type EngineContext,
  type EngineName,
  engineOf,
  isAtomic,
  type Operation,
  type OperationKind,
  type OperationMap,
  type Plan,
  type PostgresSourceSpec,
  type PrepareResult,
  postgresLocation,
  type Query,
  type QueryMode,
  type ResultOf,
  type RunResult,
  type SourceModule,
  type SourceSpec,
  type SqliteConnection,
  type SqliteRunResult,
  type SqliteSourceSpec,
  type SqliteStatement,
  type StatementText,
  type Step,
  sourceLocation,
  urlWithoutPassword,
} from './operation.js';
export { PG_INT8_EXACT } from './pg-engine.js';
export type { PoolStats, SqlMode } from './protocol.js';
export type { SourceState, SourceStats } from './source-client.js';
export { toDate, toDateOrNull } from './stored-timestamp.js';
