export { Broker, type BrokerOptions, type BrokerTransaction } from './broker.js';
export type { LatencyPercentiles } from './latency-recorder.js';
export {
  type ArgsOf,
  defineOperation,
  type EngineContext,
  type EngineName,
  engineOf,
  type Operation,
  type OperationContext,
  type OperationKind,
  type OperationMap,
  type PostgresSourceSpec,
  type PrepareResult,
  type ResultOf,
  type SourceModule,
  type SourceSpec,
  type SqliteSourceSpec,
  sourceLocation,
} from './operation.js';
export { PG_INT8_EXACT } from './pg-engine.js';
export type { PoolStats, SqlMode } from './protocol.js';
export type { SourceState, SourceStats } from './source-client.js';
