/**
 * What `botdb move` needs from a database engine, so the copy loop (copy.ts) is engine-agnostic:
 * SQLite implements it today (sqlite-engine.ts); a PostgreSQL source adds its own reader/writer
 * behind the same command (issue #10) without touching the loop.
 */

/** One table as both sides know it. */
export interface TableShape {
  name: string;
  /** Columns copied, in this order in every row. */
  columns: string[];
  /** Primary key columns, in key order: rows are keyed (deduplicated) and paged by them. */
  primaryKey: string[];
  /** The table has a chat_id column: its rows belong to a chat (NULL chat_id = system-wide rows). */
  chatScoped: boolean;
}

/**
 * Which rows of a table: those of one chat (`chatId`, null meaning chat_id IS NULL), or the whole
 * table (`chatId` undefined). `exclude` leaves out rows whose column holds one of the values
 * (the schema-version keys of `settings`, which belong to each file).
 */
export interface Scope {
  chatId?: number | null;
  exclude?: { column: string; values: readonly string[] };
}

/** A row as the columns of its TableShape, in order. */
export type Row = unknown[];

export interface MoveReader {
  /** Holds one read snapshot from here to close(): counts and pages all see the same data. */
  beginSnapshot(): void;
  tables(): TableShape[];
  schemaVersion(): number | null;
  count(table: TableShape, scope: Scope): number;
  /** The distinct chat_id values of a chat-scoped table, ascending, NULL (system rows) included. */
  chatIds(table: TableShape): (number | null)[];
  /**
   * Up to `limit` rows of the scope ordered by `orderBy`, strictly after `after` (the orderBy values of
   * the previous page's last row; null for the first page): explicit bounds, no rowid guess.
   */
  page(table: TableShape, scope: Scope, orderBy: readonly string[], after: Row | null, limit: number): Row[];
  close(): void;
}

export interface MoveWriter {
  tables(): TableShape[];
  schemaVersion(): number | null;
  count(table: TableShape, scope: Scope): number;
  /**
   * Inserts the rows whose primary key the destination does not hold yet, in one transaction, and
   * returns how many it inserted. A row already there is kept as it is (never overwritten).
   */
  insertMissing(table: TableShape, rows: readonly Row[]): number;
  close(): void;
}
