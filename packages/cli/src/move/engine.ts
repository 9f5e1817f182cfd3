/**
 * What `botdb move` needs from a database engine, so the copy loop (copy.ts) is engine-agnostic:
 * SQLite (sqlite-engine.ts) and PostgreSQL (pg-engine.ts). Every call returns a promise: the
 * PostgreSQL driver is asynchronous (the SQLite side simply resolves at once).
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
  /**
   * Rows can be read in insertion order through a column named `rowid` that is not in `columns`:
   * SQLite's implicit rowid, or a PostgreSQL identity column (filled by the server, never copied).
   */
  rowid: boolean;
  /**
   * The bot reads this table in insertion order (`ORDER BY rowid`): known on an engine where that order
   * is an explicit identity column (PostgreSQL); SQLite cannot tell, every table has a rowid there.
   */
  insertionOrdered: boolean;
  /** Set by the plan: pages follow `rowid` (not the key), so the destination receives the rows in insertion order. */
  copyInInsertionOrder?: boolean;
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
  beginSnapshot(): Promise<void>;
  tables(): Promise<TableShape[]>;
  schemaVersion(): Promise<number | null>;
  count(table: TableShape, scope: Scope): Promise<number>;
  /** The distinct chat_id values of a chat-scoped table, ascending, NULL (system rows) included. */
  chatIds(table: TableShape): Promise<(number | null)[]>;
  /**
   * Up to `limit` rows of the scope ordered by `orderBy`, strictly after `after` (the orderBy values of
   * the previous page's last row; null for the first page): explicit bounds, no rowid guess. Each row is
   * the table's `columns`, then the `orderBy` columns that are not among them (`rowid`), in that order.
   */
  page(table: TableShape, scope: Scope, orderBy: readonly string[], after: Row | null, limit: number): Promise<Row[]>;
  close(): Promise<void>;
}

export interface MoveWriter {
  tables(): Promise<TableShape[]>;
  schemaVersion(): Promise<number | null>;
  count(table: TableShape, scope: Scope): Promise<number>;
  /**
   * Inserts the rows whose primary key the destination does not hold yet, in one transaction, and
   * returns how many it inserted. A row already there is kept as it is (never overwritten).
   */
  insertMissing(table: TableShape, rows: readonly Row[]): Promise<number>;
  close(): Promise<void>;
}
