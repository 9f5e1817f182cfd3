/** The SQLite side of `botdb move`: better-sqlite3 connections, the source opened readonly. */
import { VERSION_KEY } from '@pkg/core';
import Database from 'better-sqlite3';
import type { MoveReader, MoveWriter, Row, Scope, TableShape } from './engine.js';

const q = (name: string): string => `"${name.replaceAll('"', '""')}"`;

interface ColumnInfo {
  name: string;
  pk: number;
}

/** Every table of the file with its columns and primary key, read from the schema (not a hard-coded list). */
function readTables(db: Database.Database): TableShape[] {
  const names = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all() as string[];
  return names.map((name) => {
    const cols = db.prepare(`PRAGMA table_info(${q(name)})`).all() as ColumnInfo[];
    return {
      name,
      columns: cols.map((c) => c.name),
      primaryKey: cols
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name),
      chatScoped: cols.some((c) => c.name === 'chat_id'),
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

export class SqliteReader implements MoveReader {
  private readonly db: Database.Database;
  constructor(path: string, timeoutMs: number) {
    this.db = new Database(path, { readonly: true, fileMustExist: true, timeout: timeoutMs });
  }
  beginSnapshot(): void {
    // A deferred BEGIN takes its snapshot at the first read; read once now so it is taken here.
    this.db.exec('BEGIN');
    this.db.prepare('SELECT count(*) FROM sqlite_master').get();
  }
  tables(): TableShape[] {
    return readTables(this.db);
  }
  schemaVersion(): number | null {
    return version(this.db);
  }
  count(table: TableShape, scope: Scope): number {
    return count(this.db, table, scope);
  }
  chatIds(table: TableShape): (number | null)[] {
    return this.db
      .prepare(`SELECT DISTINCT chat_id FROM ${q(table.name)} ORDER BY chat_id`)
      .pluck()
      .all() as (number | null)[];
  }
  page(table: TableShape, scope: Scope, orderBy: readonly string[], after: Row | null, limit: number): Row[] {
    const w = where(scope);
    const params = [...w.params];
    let bound = '';
    if (after !== null && orderBy.length > 0) {
      // Row-value comparison on the key: the next page starts strictly after the last key read.
      bound = ` AND (${orderBy.map(q).join(', ')}) > (${orderBy.map(() => '?').join(', ')})`;
      params.push(...after);
    }
    const order = orderBy.length > 0 ? ` ORDER BY ${orderBy.map(q).join(', ')}` : '';
    const sql = `SELECT ${table.columns.map(q).join(', ')} FROM ${q(table.name)} WHERE ${w.sql}${bound}${order} LIMIT ?`;
    return this.db
      .prepare(sql)
      .raw()
      .all(...params, limit) as Row[];
  }
  close(): void {
    if (this.db.inTransaction) this.db.exec('COMMIT');
    this.db.close();
  }
}

export class SqliteWriter implements MoveWriter {
  private readonly db: Database.Database;
  private readonly inserts = new Map<string, Database.Statement>();
  constructor(path: string, timeoutMs: number) {
    this.db = new Database(path, { fileMustExist: true, timeout: timeoutMs });
  }
  tables(): TableShape[] {
    return readTables(this.db);
  }
  schemaVersion(): number | null {
    return version(this.db);
  }
  count(table: TableShape, scope: Scope): number {
    return count(this.db, table, scope);
  }
  insertMissing(table: TableShape, rows: readonly Row[]): number {
    const insert = this.insertFor(table);
    const keyAt = table.primaryKey.map((k) => table.columns.indexOf(k));
    const run = this.db.transaction(() => {
      let inserted = 0;
      for (const row of rows) inserted += insert.run(...row, ...keyAt.map((i) => row[i])).changes;
      return inserted;
    });
    return run();
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
  close(): void {
    this.db.close();
  }
}
