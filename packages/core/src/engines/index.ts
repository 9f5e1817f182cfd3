/**
 * `@pkg/core/engines`: what tools outside the library (the `botdb` command) use of each engine, through
 * one contract (tools.ts) and one record the compiler checks (tools-registry.ts).
 */
export type { EngineName, SourceSpec, SpecOf } from '@pkg/broker';
export { LAST_RUN_KEY, SCHEMA_VERSION, VERSION_KEY } from '../schema/bot-schema.js';
export { chatsOf, commonTables, copyStep, plan, SCHEMA_KEYS, type Step, type StepResult } from './move-copy.js';
export { parseVersion } from './tool-helpers.js';
export type {
  BackupSupport,
  BotFigureQueries,
  BotFigures,
  DumpCommand,
  EngineTools,
  FileCopy,
  FileProblem,
  FileReport,
  LocalFacts,
  MoveReader,
  MoveSide,
  MoveWriter,
  OnlineSql,
  Row,
  Scope,
  SourcePlace,
  Statement,
  TableShape,
} from './tools.js';
export { FENCE_MARKER, FENCE_TABLE, PLACEMENT_TABLE } from './tools.js';
export { ENGINE_TOOLS, sameData, sourceSpecOf, toolsOf, verifyDatabaseFile } from './tools-registry.js';
