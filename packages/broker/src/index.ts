export { Broker, type BrokerOptions, type BrokerTransaction } from './broker.js';
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
export type { SourceState, SourceStats } from './source-client.js';
