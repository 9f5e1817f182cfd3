/**
 * The contract between the broker and the code that runs inside a source worker.
 * The broker knows nothing of the bot's tables: a package (here `@pkg/core`) hands it an
 * operations module, and both threads share these types so an operation's name, arguments
 * and result are checked at compile time on each side.
 */

import type { SerializedError } from '@pkg/errors';
import type { Database, Statement } from 'better-sqlite3';

/** What one source is: the broker's view of a configured source. */
export interface SourceSpec {
  name: string;
  /** Absolute path of the SQLite file. */
  path: string;
  readonly: boolean;
  /** Connections this source may open (created lazily, reused). */
  poolSize: number;
  /** SQLite busy timeout, in milliseconds. */
  timeoutMs: number;
  /** Calls allowed to wait (not yet sent to the worker) before new ones fail with SOURCE_OVERLOADED. */
  maxQueued: number;
  /** A transaction still open after this long is rolled back (TRANSACTION_TIMEOUT). */
  transactionTimeoutMs: number;
  /** A call running longer than this has its worker stopped and restarted (QUERY_TIMEOUT). */
  queryTimeoutMs: number;
  /** The worker's heap limit (resourceLimits.maxOldGenerationSizeMb). */
  maxMemoryMb: number;
  /** Options for the operations module's `prepareSource` (the broker only passes them on). */
  moduleOptions?: Record<string, unknown>;
  /** URL of the ES module whose `sourceModule` export the worker loads. */
  operationsModule: string;
}

/** Handed to an operation for one call: the connection it runs on, with a statement cache. */
export interface OperationContext {
  readonly db: Database;
  readonly source: string;
  readonly readonly: boolean;
  /** A prepared statement for `sql`, compiled once per connection and reused. */
  statement(sql: string): Statement;
}

export type OperationKind = 'read' | 'write';

export interface Operation<Args, Result> {
  /**
   * Writes wait for an open transaction on the source to end; reads never do. An operation that
   * meets SQLITE_BUSY (another process holds the lock) is run again from the start, so a write of
   * several statements must be one SQLite transaction (`ctx.db.transaction(fn).immediate()`).
   */
  readonly kind: OperationKind;
  run(ctx: OperationContext, args: Args): Result;
  /**
   * Optional, reads only: several consecutive calls of this operation in one batch, answered at once
   * (e.g. one statement for all their keys). Must return exactly what `run` would for each, in order;
   * may throw (a bad argument, anything), and then each call runs alone through `run`.
   */
  readonly runMany?: (ctx: OperationContext, args: Args[]) => Result[];
}

// biome-ignore lint/suspicious/noExplicitAny: a map holds operations of every argument type.
export type OperationMap = Record<string, Operation<any, any>>;

export type ArgsOf<O> = O extends Operation<infer A, unknown> ? A : never;
export type ResultOf<O> = O extends Operation<never, infer R> ? R : never;

export function defineOperation<Args, Result>(
  kind: OperationKind,
  run: (ctx: OperationContext, args: Args) => Result,
  runMany?: (ctx: OperationContext, args: Args[]) => Result[],
): Operation<Args, Result> {
  return runMany === undefined || kind !== 'read' ? { kind, run } : { kind, run, runMany };
}

/** What opening a source decided (e.g. after checking the schema version). */
export interface PrepareResult {
  /** When set, every write operation on this source fails with this error; reads still run. */
  refuseWrites?: SerializedError;
}

/** The shape of the module named by `SourceSpec.operationsModule`. */
export interface SourceModule<Ops extends OperationMap = OperationMap> {
  operations: Ops;
  /**
   * Runs once per worker, on the first connection, before any call: check or migrate the
   * schema. Throw a DatabaseError to refuse the source.
   */
  prepareSource?(db: Database, spec: SourceSpec): PrepareResult;
}
