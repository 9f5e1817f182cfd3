/**
 * `@pkg/core/engines`: what tools outside the library (the `botdb` command) use of each engine, through
 * one contract (tools.ts) and one record the compiler checks (tools-registry.ts).
 */
export type { EngineName, SourceSpec, SpecOf } from '@pkg/broker';
export { LAST_RUN_KEY, SCHEMA_VERSION, VERSION_KEY } from '../schema/bot-schema.js';
export { type CacheCopyResult, copyCaches } from './cache-copy.js';
export { chatsOf, commonTables, copyStep, plan, SCHEMA_KEYS, type Step, type StepResult } from './move-copy.js';
export { cacheEntryKey as redisCacheEntryKey, cacheIndexKey as redisCacheIndexKey } from './redis/keys.js';
/** The Redis cache source's scripts (bench:redis runs them through ioredis on the main thread as the direct peer). */
export { GET_CACHE_ENTRY as REDIS_GET_CACHE_ENTRY, SET_CACHE_ENTRY as REDIS_SET_CACHE_ENTRY } from './redis/scripts.js';
export { parseVersion } from './tool-helpers.js';
export type {
  BackupSupport,
  BotFigureQueries,
  BotFigures,
  CacheFigures,
  CacheWriter,
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
