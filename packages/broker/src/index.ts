export { Broker, type BrokerOptions, type BrokerTransaction, type SourceState } from './broker.js';
export type { LatencyPercentiles } from './latency-recorder.js';
export {
  type ArgsOf,
  defineOperation,
  type Operation,
  type OperationContext,
  type OperationKind,
  type OperationMap,
  type PrepareResult,
  type ResultOf,
  type SourceModule,
  type SourceSpec,
} from './operation.js';
export type { PoolStats, SqlMode } from './protocol.js';
export type { SourceStats } from './source-client.js';
