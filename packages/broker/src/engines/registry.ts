/**
 * The engines, by name: the one place that lists them. `EngineTypes` says what each engine's source spec
 * and schema connection are; `ENGINES` must hold an entry for every name (the compiler checks), so adding
 * an engine is one line in each (and in `DIALECTS`), plus its folder. Nothing outside `engines/` compares
 * engine names.
 */
import type { Dialect } from '../dialect.js';
import type { Engine } from '../engine.js';
import { mysqlDialect } from './mysql/dialect.js';
import { mysqlEngine } from './mysql/index.js';
import type { MysqlConnection, MysqlSourceSpec } from './mysql/spec.js';
import { postgresDialect } from './postgresql/dialect.js';
import { postgresEngine } from './postgresql/index.js';
import type { PostgresConnection, PostgresSourceSpec } from './postgresql/spec.js';
import { redisEngine } from './redis/index.js';
import type { RedisConnection, RedisSourceSpec } from './redis/spec.js';
import { sqliteDialect } from './sqlite/dialect.js';
import { sqliteEngine } from './sqlite/index.js';
import type { SqliteConnection, SqliteSourceSpec } from './sqlite/spec.js';

/** The engines that run the bot's SQL: every operation, raw SQL and transactions. */
export interface SqlEngineTypes {
  sqlite: { spec: SqliteSourceSpec; connection: SqliteConnection };
  postgresql: { spec: PostgresSourceSpec; connection: PostgresConnection };
  mysql: { spec: MysqlSourceSpec; connection: MysqlConnection };
}

/**
 * Every engine: the SQL engines, and those that serve one family of operations through their own
 * implementations (Redis: the caches), listed by the operations module's prepare hook. Records of SQL pieces
 * (DIALECTS, statement texts, plans, DDL) are keyed by `SqlEngineName`; records every source needs (ENGINES,
 * PREPARE, SOURCE_SPECS, the tools) by `EngineName`.
 */
export interface EngineTypes extends SqlEngineTypes {
  redis: { spec: RedisSourceSpec; connection: RedisConnection };
}

export type EngineName = keyof EngineTypes;
export type SqlEngineName = keyof SqlEngineTypes;

/** What one source is: the broker's view of a configured source, told apart by `engine`. */
export type SourceSpec = EngineTypes[EngineName]['spec'];

/** The source spec of engine `E`. */
export type SpecOf<E extends EngineName> = EngineTypes[E]['spec'];

export const ENGINES: { readonly [E in EngineName]: Engine<SpecOf<E>> } = {
  sqlite: sqliteEngine,
  postgresql: postgresEngine,
  mysql: mysqlEngine,
  redis: redisEngine,
};

/**
 * Each engine's statement dialect (see dialect.ts): the texts that differ per engine are built through it.
 * Pure functions (no driver), so the operations module and the CLI may import this record.
 */
export const DIALECTS: { readonly [E in SqlEngineName]: Dialect } = {
  sqlite: sqliteDialect,
  postgresql: postgresDialect,
  mysql: mysqlDialect,
};

export const ENGINE_NAMES = Object.keys(ENGINES) as readonly EngineName[];
export const SQL_ENGINE_NAMES = Object.keys(DIALECTS) as readonly SqlEngineName[];

/** Whether an engine runs SQL (every operation) rather than one family of operations. */
export function isSqlEngine(engine: EngineName): engine is SqlEngineName {
  return Object.hasOwn(DIALECTS, engine);
}

export function isEngineName(value: unknown): value is EngineName {
  return typeof value === 'string' && Object.hasOwn(ENGINES, value);
}

/** The engine of a source. */
export function engineOf<E extends EngineName>(spec: SpecOf<E>): Engine<SpecOf<E>> {
  return ENGINES[spec.engine as E] as unknown as Engine<SpecOf<E>>;
}

/** Where a source lives, for messages: the file path, or the URL without its password. */
export function sourceLocation(spec: SourceSpec): string {
  return (engineOf(spec) as Engine<SourceSpec>).location(spec);
}
