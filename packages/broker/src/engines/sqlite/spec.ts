/** A SQLite source, and the part of a SQLite connection an operations module's `prepare` may use. */
import type { CommonSourceSpec } from '../../engine.js';

/** A SQLite file (or `:memory:`). */
export interface SqliteSourceSpec extends CommonSourceSpec {
  engine: 'sqlite';
  /** Absolute path of the SQLite file. */
  path: string;
}

/**
 * The part of a SQLite connection an operations module's `prepare.sqlite` may use. Our own type, so
 * the public declarations name no driver type: a bot type-checks without `@types/better-sqlite3`.
 * better-sqlite3's `Database` is one.
 */
export interface SqliteConnection {
  exec(sql: string): unknown;
  prepare(sql: string): SqliteStatement;
  /** Wraps `fn` in a transaction; `.immediate()` runs it under BEGIN IMMEDIATE. */
  transaction(fn: () => void): { immediate(): void };
  readonly inTransaction: boolean;
}

/** A prepared statement of a `SqliteConnection`: positional parameters. */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

/** What a `run` step answers on SQLite: the contract's `changes`, and the rowid `execute` reports. */
export interface SqliteRunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}
