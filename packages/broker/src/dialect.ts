/**
 * A statement dialect: how one engine writes the SQL that differs between engines. Each engine has one,
 * in `engines/<name>/dialect.ts`, listed in the registry's `DIALECTS` record (the compiler asks for one per
 * engine name). Pure functions only: no driver import, no I/O, so an operations module (inside a worker)
 * and a CLI may build their texts with it.
 *
 * The statement catalog writes every text that runs on all engines once; a text that differs is built
 * through the dialect, once per engine, into a `Record<EngineName, string>` (a `StatementText`): an engine
 * added to the registry without a dialect fails to compile, and so would a catalog missing its text.
 *
 * What every engine's texts share, so a dialect never has to translate them: parameters are `?` in the
 * catalog (an engine that numbers them does so in `catalogText`); TRUE and FALSE are literals every engine
 * takes; CURRENT_TIMESTAMP is UTC to the second; names are the bot's own (lower case, no quoting needed
 * unless `identifier` says so).
 */

/** What an upsert sets a column of the stored (conflicting) row to. */
export type UpsertSet =
  /** The value this insert proposed for the column: `excluded.col` (SQLite, PostgreSQL), `VALUES(col)` (MySQL). */
  | 'inserted'
  /** CURRENT_TIMESTAMP: the statement's time, UTC, to the second. */
  | 'now'
  /** The stored value plus `add` (a counter): `table.col + 1` (SQLite, PostgreSQL), `col + 1` (MySQL). */
  | { readonly add: number };

/**
 * An insert that, when a row with the same key is stored, updates that row instead (or keeps it). Names
 * (table, columns, key, onConflict's keys) are the bot's, bare: the dialect quotes those it must
 * (`identifier`). `values` and `where` are SQL, written by the caller with `identifier` where needed.
 */
export interface UpsertSpec {
  /** The table, as the bot names it (never the caller's text). */
  readonly table: string;
  /** The columns inserted, in order. */
  readonly columns: readonly string[];
  /**
   * The inserted values, one SQL expression per column: `?` (a parameter) or a literal such as `1`.
   * Left out: one `?` per column.
   */
  readonly values?: readonly string[];
  /**
   * Insert only when this condition holds (an SQL boolean expression, e.g. `NOT EXISTS (...)`); its `?`
   * parameters come after the values'. Rendered as `INSERT ... SELECT <values> WHERE <where>` (SQLite,
   * PostgreSQL) or `SELECT <values> FROM DUAL WHERE <where>` (MySQL); without it, `VALUES (<values>)`.
   */
  readonly where?: string;
  /**
   * The conflict target: the columns of the primary key or unique key the conflict is on (SQLite and
   * PostgreSQL name it: `ON CONFLICT (key...)`; MySQL's ON DUPLICATE KEY takes any unique key, so the table
   * must have no other unique key an insert could hit).
   */
  readonly key: readonly string[];
  /**
   * On a conflict: the columns to set and what to (in this order), or 'nothing': the stored row stays as it
   * is and the statement counts 0 changes (SQLite, PostgreSQL: `ON CONFLICT (key) DO NOTHING`; MySQL: a form
   * that reports 0 affected rows for a duplicate and ignores no other error).
   */
  readonly onConflict: Readonly<Record<string, UpsertSet>> | 'nothing';
}

/** Raw SQL as the engine's driver takes it: its text, and the values in the order of its parameters. */
export interface BoundSql {
  readonly text: string;
  readonly values: unknown[];
}

export interface Dialect {
  /**
   * The upsert statement for `spec`, one text with no trailing semicolon. Parameters: the `values`' `?`,
   * then the `where`'s. An update sets exactly the `onConflict` columns; a column not named keeps its stored
   * value. Whatever the engine, the row read back afterwards is the same (the changes count may differ for
   * an update: SQLite and PostgreSQL count 1, MySQL 2; callers of an upsert never read it, except with
   * 'nothing', where a duplicate counts 0 on every engine).
   * MySQL: `INSERT INTO t (c1, c2) VALUES (?, ?) ON DUPLICATE KEY UPDATE c2 = VALUES(c2), n = n + 1,
   * updated_at = CURRENT_TIMESTAMP` (MariaDB >= 10.6 and MySQL 8 both take VALUES(col)).
   */
  upsert(spec: UpsertSpec): string;

  /**
   * A column or table name as this engine's SQL must write it: bare where the engine takes it bare, quoted
   * where it is a reserved word there. SQLite and PostgreSQL take every name of the bot bare (`key`,
   * `date`, `function`), so their texts stay as they are; MySQL reserves `key` (and more): `` `key` ``.
   */
  identifier(name: string): string;

  /**
   * TTL arithmetic: an SQL expression for "now minus `seconds`", cut down to the whole second, comparable
   * (>=, <) with a stored timestamp column. `seconds` is an SQL expression, usually `?`, whose value is a
   * finite number of seconds, possibly fractional (1.5). SQLite: `datetime('now', '-' || ? || ' seconds')`;
   * PostgreSQL: `date_trunc('second', CURRENT_TIMESTAMP - make_interval(secs => ?))`.
   */
  secondsAgo(seconds: string): string;

  /**
   * The number of characters of a text expression (not bytes): `length(x)` (SQLite, PostgreSQL),
   * `CHAR_LENGTH(x)` (MySQL, whose length() counts bytes).
   */
  charLength(expression: string): string;

  /**
   * A condition true when the tuple of `columns` equals one of `rows` tuples of `?` parameters (row by
   * row, column by column): `(a, b) IN (VALUES (?, ?), (?, ?))` (SQLite, PostgreSQL); MySQL and MariaDB
   * both take `(a, b) IN ((?, ?), (?, ?))`.
   */
  tupleIn(columns: readonly string[], rows: number): string;

  /** A catalog text (`?` parameters) as the driver takes it: as it is, or numbered (`$1`, PostgreSQL). */
  catalogText(text: string): string;

  /** A flag as the engine binds it: 1/0 (SQLite), a boolean (PostgreSQL, MySQL: TINYINT(1)/BOOLEAN). */
  flag(value: boolean): unknown;

  /**
   * A stored UTC timestamp `YYYY-MM-DD HH:MM:SS` as the engine binds it: the text (SQLite compares it as
   * text), a Date (PostgreSQL), whatever the engine's DATETIME column reads as that UTC instant (MySQL).
   */
  timestamp(stored: string): unknown;

  /**
   * A boolean or a finite number bound into a TEXT column, so that the column then reads back the text
   * SQLite stores for the bot's Python value: booleans "1"/"0", integers their digits, other numbers their
   * shortest decimal form. SQLite binds INTEGER (1n/0n, BigInt(n)) or REAL and converts itself; a server
   * engine gets the text ('1', '0', String(n)).
   */
  textValue(value: boolean | number): string | number | bigint;

  /**
   * The caller's raw SQL (db.query, tx.query, tx.execute) bound for the driver. `params`: positional
   * values, or one object of named values (`:name`, `@name`, `$name`). `what` names the method in errors
   * (INVALID_ARGUMENT for a named parameter without a value, or a value the engine cannot store, e.g. a NUL
   * byte in PostgreSQL text). Booleans as the engine binds flags.
   */
  bindRaw(what: string, text: string, params: readonly unknown[]): BoundSql;
}
