/**
 * The SQLite side of `botdb move`: better-sqlite3 connections opened through the broker's `openSqlite`, the
 * source readonly in one read transaction, the destination's bot schema created by the engine's own
 * prepare hook (prepareSchema) on the writer's connection, as a source's worker does on first open.
 */
import type { SqliteSourceSpec } from '@pkg/broker';
import { openSqlite } from '@pkg/broker/sqlite-driver';
import { DatabaseError, QueryFailedError, SourceOpenError } from '@pkg/errors';
import type Database from 'better-sqlite3';
import { VERSION_KEY } from '../../schema/bot-schema.js';
import { quoteIdent as q } from '../tool-helpers.js';
import type { MoveReader, MoveWriter, Row, Scope, Statement, TableShape } from '../tools.js';
import { prepareSchema } from './prepare.js';

interface ColumnInfo {
  name: string;
  pk: number;
}

/** Every table of the file with its columns and primary key, read from the schema (not a hard-coded list). */
function readTables(db: Database.Database): TableShape[] {
  const tables = db
    .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all() as { name: string; sql: string | null }[];
  return tables.map(({ name, sql }) => {
    const cols = db.prepare(`PRAGMA table_info(${q(name)})`).all() as ColumnInfo[];
    return {
      name,
      columns: cols.map((c) => c.name),
      primaryKey: cols
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name),
      chatScoped: cols.some((c) => c.name === 'chat_id'),
      rowid: !/WITHOUT\s+ROWID/i.test(sql ?? '') && !cols.some((c) => c.name.toLowerCase() === 'rowid'),
      insertionOrdered: false,
    };
  });
}

/** WHERE clause and parameters for a scope. `IS ?` so a NULL chat id selects the system-wide rows. */
function where(scope: Scope): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (scope.chatId !== undefined) {
    parts.push('chat_id IS ?');
    params.push(scope.chatId);
  }
  if (scope.exclude !== undefined && scope.exclude.values.length > 0) {
    parts.push(`${q(scope.exclude.column)} NOT IN (${scope.exclude.values.map(() => '?').join(', ')})`);
    params.push(...scope.exclude.values);
  }
  return { sql: parts.length === 0 ? '1' : parts.join(' AND '), params };
}

function version(db: Database.Database): number | null {
  try {
    const v = db.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(VERSION_KEY);
    const n = Number(v);
    return v === undefined || !Number.isInteger(n) ? null : n;
  } catch {
    return null;
  }
}

function count(db: Database.Database, table: TableShape, scope: Scope): number {
  const w = where(scope);
  return db
    .prepare(`SELECT count(*) FROM ${q(table.name)} WHERE ${w.sql}`)
    .pluck()
    .get(...w.params) as number;
}

/**
 * Integers are read as BigInt (exact whatever their size) and handed on as numbers when a number holds
 * them exactly; a larger one stays a BigInt: SQLite binds it exactly, PostgreSQL refuses it with a message.
 */
function exactRow(row: Row): Row {
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) {
      row[i] = Number(v);
    }
  }
  return row;
}

/** A value from another engine as SQLite stores it: instants as the bot's UTC text, booleans as 0/1. */
export function toSqliteValue(value: unknown): unknown {
  if (value instanceof Date) {
    const iso = value.toISOString(); // 2025-01-02T03:04:05.678Z
    const ms = iso.slice(19, 23);
    return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${ms === '.000' ? '' : ms}`;
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

/** Opening a file, its failure typed: a missing file (or folder) names the path. */
function open(spec: SqliteSourceSpec, options: Database.Options): Database.Database {
  try {
    return openSqlite(spec.name, spec.path, { timeout: spec.timeoutMs, ...options });
  } catch (error) {
    if (error instanceof SourceOpenError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new SourceOpenError(
      spec.name,
      spec.path,
      reason,
      'check the path in the configuration and that the file exists.',
    );
  }
}

/** The source of a move, readonly, its snapshot begun. */
export async function openSqliteReader(spec: SqliteSourceSpec): Promise<MoveReader> {
  const reader = new SqliteReader(spec, open(spec, { readonly: true, fileMustExist: true }));
  try {
    await reader.beginSnapshot();
    return reader;
  } catch (error) {
    await reader.close();
    throw error;
  }
}

/**
 * The destination of a move: the file created when missing and given the bot's schema (or migrated) by
 * prepareSchema, then switched to WAL as a writable source's worker does; a file whose writes the schema
 * check refuses (a newer schema) keeps its journal mode, and the move reports the version mismatch.
 */
export async function openSqliteWriter(spec: SqliteSourceSpec): Promise<MoveWriter> {
  const db = open(spec, {});
  try {
    const prepared = prepareSchema(db, spec);
    if (prepared.refuseWrites === undefined) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    return new SqliteWriter(spec, db);
  } catch (error) {
    db.close();
    if (error instanceof DatabaseError) throw error;
    // Not a database (SQLITE_NOTADB), locked past the timeout, unwritable: SQLite's reason, typed.
    const reason = error instanceof Error ? error.message : String(error);
    throw new SourceOpenError(
      spec.name,
      spec.path,
      reason,
      'check that the path names a bot database the move may write.',
    );
  }
}

/** What reader and writer share: the connection, and SQLite's failures as QUERY_FAILED naming what was done. */
class SqliteSide {
  constructor(
    protected readonly spec: SqliteSourceSpec,
    protected readonly db: Database.Database,
  ) {}
  protected async call<T>(doing: string, run: () => T): Promise<T> {
    try {
      return run();
    } catch (error) {
      if (error instanceof DatabaseError) throw error;
      const e = error as { code?: unknown; message?: unknown };
      throw new QueryFailedError(
        this.spec.name,
        `move: ${doing}`,
        String(e.code ?? 'SQLITE_ERROR'),
        String(e.message ?? error),
      );
    }
  }
  tables(): Promise<TableShape[]> {
    return this.call('reading the tables', () => readTables(this.db));
  }
  schemaVersion(): Promise<number | null> {
    return this.call('reading the schema version', () => version(this.db));
  }
  count(table: TableShape, scope: Scope): Promise<number> {
    return this.call(`counting ${table.name}`, () => count(this.db, table, scope));
  }
}

class SqliteReader extends SqliteSide implements MoveReader {
  beginSnapshot(): Promise<void> {
    return this.call('starting a read snapshot', () => {
      // A deferred BEGIN takes its snapshot at the first read; read once now so it is taken here.
      this.db.exec('BEGIN');
      this.db.prepare('SELECT count(*) FROM sqlite_master').get();
    });
  }
  chatIds(table: TableShape): Promise<(number | null)[]> {
    return this.call(
      `listing the chats of ${table.name}`,
      () =>
        this.db
          .prepare(`SELECT DISTINCT chat_id FROM ${q(table.name)} ORDER BY chat_id`)
          .pluck()
          .all() as (number | null)[],
    );
  }
  page(table: TableShape, scope: Scope, orderBy: readonly string[], after: Row | null, limit: number): Promise<Row[]> {
    return this.call(`reading ${table.name}`, () => this.readPage(table, scope, orderBy, after, limit));
  }
  private readPage(
    table: TableShape,
    scope: Scope,
    orderBy: readonly string[],
    after: Row | null,
    limit: number,
  ): Row[] {
    const w = where(scope);
    const params = [...w.params];
    let bound = '';
    if (after !== null && orderBy.length > 0) {
      // Row-value comparison on the key: the next page starts strictly after the last key read.
      bound = ` AND (${orderBy.map(q).join(', ')}) > (${orderBy.map(() => '?').join(', ')})`;
      params.push(...after);
    }
    const order = orderBy.length > 0 ? ` ORDER BY ${orderBy.map(q).join(', ')}` : '';
    const selected = [...table.columns, ...orderBy.filter((k) => !table.columns.includes(k))];
    const sql = `SELECT ${selected.map(q).join(', ')} FROM ${q(table.name)} WHERE ${w.sql}${bound}${order} LIMIT ?`;
    const rows = this.db
      .prepare(sql)
      .raw()
      .safeIntegers(true)
      .all(...params, limit) as Row[];
    return rows.map(exactRow);
  }
  async close(): Promise<void> {
    // A read snapshot has nothing to save: closing ends it (close() never rejects, the contract).
    try {
      this.db.close();
    } catch {
      // Nothing to report after the move's own outcome.
    }
  }
}

class SqliteWriter extends SqliteSide implements MoveWriter {
  private readonly inserts = new Map<string, Database.Statement>();
  private runAll(statements: readonly Statement[]): Record<string, unknown>[][] {
    return statements.map(({ sql, params }) => {
      const s = this.db.prepare(sql);
      if (s.reader) return s.all(...params) as Record<string, unknown>[];
      s.run(...params);
      return [];
    });
  }
  execute(statements: readonly Statement[]): Promise<Record<string, unknown>[][]> {
    return this.call("running the online move's statements", () => this.runAll(statements));
  }
  transaction(statements: readonly Statement[]): Promise<Record<string, unknown>[][]> {
    // IMMEDIATE: the write lock first, so the transaction never fails half-way on a busy file.
    return this.call("running the online move's transaction", () =>
      this.db.transaction(() => this.runAll(statements)).immediate(),
    );
  }
  insertMissing(table: TableShape, rows: readonly Row[]): Promise<number> {
    return this.call(`writing ${table.name}`, () => {
      const insert = this.insertFor(table);
      const keyAt = table.primaryKey.map((k) => table.columns.indexOf(k));
      const run = this.db.transaction(() => {
        let inserted = 0;
        for (const source of rows) {
          const row = source.map(toSqliteValue);
          inserted += insert.run(...row, ...keyAt.map((i) => row[i])).changes;
        }
        return inserted;
      });
      return run();
    });
  }
  /**
   * INSERT ... WHERE NOT EXISTS (key IS ...), not INSERT OR IGNORE: SQLite lets primary-key columns of
   * these tables hold NULL (bayes rows with chat_id NULL), and NULLs never conflict, so OR IGNORE would
   * duplicate those rows on every re-run.
   */
  private insertFor(table: TableShape): Database.Statement {
    let s = this.inserts.get(table.name);
    if (s === undefined) {
      const cols = table.columns.map(q).join(', ');
      const values = table.columns.map(() => '?').join(', ');
      const key = table.primaryKey.map((k) => `${q(k)} IS ?`).join(' AND ');
      s = this.db.prepare(
        `INSERT INTO ${q(table.name)} (${cols}) SELECT ${values} WHERE NOT EXISTS (SELECT 1 FROM ${q(table.name)} WHERE ${key})`,
      );
      this.inserts.set(table.name, s);
    }
    return s;
  }
  async close(): Promise<void> {
    try {
      this.db.close();
    } catch {
      // Closing cannot fail in a way worth reporting after the move's own outcome.
    }
  }
}
