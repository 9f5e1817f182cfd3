/**
 * The contract between the broker and the code that runs inside a source worker.
 * The broker knows nothing of the bot's tables: a package (here `@pkg/core`) hands it an
 * operations module, and both threads share these types so an operation's name, arguments
 * and result are checked at compile time on each side.
 *
 * An operation is written once for every engine: its `plan` is a generator that yields the
 * statements it needs (`Query`, or an `Atomic` group) and receives each one's answer. The SQLite
 * engine drives it synchronously (no microtask per call); the PostgreSQL engine drives it
 * asynchronously and starts every call of a batch at once, so their statements are pipelined.
 */

import type { SerializedError } from '@pkg/errors';
import type { EngineName, EngineTypes, SpecOf, SqlEngineName } from './engines/registry.js';

export type { BoundSql, Dialect, UpsertSet, UpsertSpec } from './dialect.js';
export {
  DIALECTS,
  ENGINE_NAMES,
  type EngineName,
  isSqlEngine,
  SQL_ENGINE_NAMES,
  type SqlEngineName,
} from './engines/registry.js';

/**
 * A statement's text: one text for every engine, or one per engine where no shared text runs on all
 * (upserts, TTL arithmetic, catalog queries): built through each engine's dialect (`DIALECTS`), so an
 * engine added to the registry gets its text or the build fails. Parameters are `?`; an engine that
 * numbers them does so itself (its dialect's `catalogText`).
 */
export type StatementText = string | Readonly<Record<SqlEngineName, string>>;

export type QueryMode = 'get' | 'all' | 'run';

/**
 * One statement to run. What `yield` gives back: `get` the first row or undefined, `all` the rows,
 * `run` a `RunResult`. Rows come back converted: the `dates` columns as Date (or null), the `flags`
 * columns as booleans, every other value as the engine returned it (BIGINT as an exact number).
 */
export interface Query {
  readonly text: StatementText;
  readonly params: readonly unknown[];
  readonly mode: QueryMode;
  readonly dates?: readonly string[];
  readonly flags?: readonly string[];
  /**
   * The caller's own SQL (tx.execute), named by its method: its parameters are bound by `bindRawSql` (one
   * binding for every raw-SQL entry point), it is never kept as a prepared statement on PostgreSQL, and a
   * `run` of it that returns rows is refused (INVALID_ARGUMENT) on every engine.
   */
  readonly raw?: string;
}

export interface RunResult {
  /** Rows inserted, updated or deleted. */
  changes: number;
}

/**
 * Statements applied together or not at all: a transaction of their own, or a savepoint inside the
 * caller's transaction. `yield` gives back their answers, in order.
 */
export interface Atomic {
  readonly atomic: readonly Query[];
}

export type Step = Query | Atomic;

export function isAtomic(step: Step): step is Atomic {
  return (step as Atomic).atomic !== undefined;
}

/** What an operation's plan knows of the engine that runs it: how to bind the values that differ. */
export interface EngineContext {
  /** Plans run on SQL engines only (an engine serving one family of operations has its own implementations). */
  readonly engine: SqlEngineName;
  readonly source: string;
  readonly readonly: boolean;
  /** A stored UTC timestamp `YYYY-MM-DD HH:MM:SS` as the engine binds it: text (SQLite), a Date (PostgreSQL). */
  timestamp(stored: string): unknown;
  /** A flag as the engine binds it: 1/0 (SQLite), a boolean (PostgreSQL). */
  flag(value: boolean): unknown;
}

/** An operation's statements, one `yield` per step; returns the call's result. */
export type Plan<Result> = Generator<Step, Result, unknown>;

export type OperationKind = 'read' | 'write';

export interface Operation<Args, Result> {
  /**
   * Writes wait for (SQLite) or are ordered behind (PostgreSQL) the source's other writes; reads never
   * wait. A SQLite plan that meets SQLITE_BUSY is run again from the start, so a write of several
   * statements yields them as one `Atomic` step.
   */
  readonly kind: OperationKind;
  readonly plan: (args: Args, engine: EngineContext) => Plan<Result>;
  /**
   * Optional, reads only: several consecutive calls of this operation in one batch, answered by one plan
   * (e.g. one statement for all their keys). Must return exactly what `plan` would for each, in order; may
   * throw (a bad argument, anything), and then each call runs alone through `plan`.
   */
  readonly planMany?: (args: Args[], engine: EngineContext) => Plan<Result[]>;
}

// biome-ignore lint/suspicious/noExplicitAny: a map holds operations of every argument type.
export type OperationMap = Record<string, Operation<any, any>>;

export type ArgsOf<O> = O extends Operation<infer A, unknown> ? A : never;
export type ResultOf<O> = O extends Operation<never, infer R> ? R : never;

export function defineOperation<Args, Result>(
  kind: OperationKind,
  plan: (args: Args, engine: EngineContext) => Plan<Result>,
  planMany?: (args: Args[], engine: EngineContext) => Plan<Result[]>,
): Operation<Args, Result> {
  return planMany === undefined || kind !== 'read' ? { kind, plan } : { kind, plan, planMany };
}

/** What opening a source decided (e.g. after checking the schema version). */
export interface PrepareResult {
  /** When set, every write operation on this source fails with this error; reads still run. */
  refuseWrites?: SerializedError;
}

/** Checks (and, where allowed, creates or migrates) a source's schema on engine `E`, once per worker before any call. */
export type PrepareHook<E extends EngineName> = (
  connection: EngineTypes[E]['connection'],
  spec: SpecOf<E>,
) => PrepareResult | Promise<PrepareResult>;

/** The shape of the module named by `SourceSpec.operationsModule`. */
export interface SourceModule<Ops extends OperationMap = OperationMap> {
  operations: Ops;
  /**
   * Per engine: runs once per worker, on its first connection, before any call. Throw a DatabaseError to
   * refuse the source; return `refuseWrites` to serve reads only.
   */
  prepare?: { readonly [E in EngineName]?: PrepareHook<E> };
}
