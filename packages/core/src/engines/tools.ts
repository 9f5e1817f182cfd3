/**
 * What the `botdb` command needs from an engine (issue #17: the CLI uses the engines' code). One
 * implementation per engine, `engines/<name>/tools.ts`, in the record `ENGINE_TOOLS` (tools-registry.ts)
 * the compiler checks: adding an engine name lists this as a place still to do. Each implementation
 * connects through the broker's engine half (the same connection, password and error code as a source's
 * worker) and knows the bot's tables from core's engine half; the CLI itself names no engine.
 *
 * Every method takes the source's broker spec (`SpecOf<E>`, made from the configuration by `sourceSpecOf`),
 * never throws synchronously, and fails with the library's typed errors (`DatabaseError` subclasses).
 */
import type { EngineName, SpecOf } from '@pkg/broker';
import type { DatabaseError } from '@pkg/errors';

// ---------------------------------------------------------------------------------------------------------
// botdb move: a reader on the source, a writer on the destination; the copy loop above them (the CLI's
// move/copy.ts) is the same for every pair of engines.
// ---------------------------------------------------------------------------------------------------------

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
   * SQLite's implicit rowid, or a server engine's identity column (filled by the server, never copied).
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
 * (the schema-version keys of `settings`, which belong to each database).
 */
export interface Scope {
  chatId?: number | null;
  exclude?: { column: string; values: readonly string[] };
}

/**
 * A row as the columns of its TableShape, in order. Values as the engine reads them: numbers (an integer
 * beyond 2^53 as a bigint, or refused), strings, null, and on engines with such types Date and boolean.
 * A writer converts what it receives to its columns' types, or refuses the row (QUERY_FAILED naming the
 * table, key, column and value): it never stores a value it cannot hold exactly.
 */
export type Row = unknown[];

/** What reader and writer both answer. */
export interface MoveSide {
  /** Every table with its columns and key, from the database's own catalog (not a hard-coded list). */
  tables(): Promise<TableShape[]>;
  /** The bot's schema version (settings `db-migration-version`), null when missing or not a number. */
  schemaVersion(): Promise<number | null>;
  /** Rows of the scope: the verification counts. */
  count(table: TableShape, scope: Scope): Promise<number>;
  /** Ends the session; never rejects. */
  close(): Promise<void>;
}

/** The source of a move: opened readonly, with one read snapshot held from open to close. */
export interface MoveReader extends MoveSide {
  /** The distinct chat_id values of a chat-scoped table, ascending, NULL (system rows) first. */
  chatIds(table: TableShape): Promise<(number | null)[]>;
  /**
   * Up to `limit` rows of the scope ordered by `orderBy`, strictly after `after` (the orderBy values of
   * the previous page's last row; null for the first page): explicit bounds, no rowid guess. Each row is
   * the table's `columns`, then the `orderBy` columns that are not among them (`rowid`), in that order.
   * Text keys compare byte by byte (SQLite's BINARY order) on every engine.
   */
  page(table: TableShape, scope: Scope, orderBy: readonly string[], after: Row | null, limit: number): Promise<Row[]>;
}

/** The destination of a move: its bot schema exists (openWriter created it when missing). */
export interface MoveWriter extends MoveSide {
  /**
   * Inserts the rows whose primary key the destination does not hold yet, in one transaction, and
   * returns how many it inserted. A row already there is kept as it is (never overwritten); a key column
   * holding NULL (bayes rows of the global classifier) counts as a key value, so a re-run adds nothing.
   */
  insertMissing(table: TableShape, rows: readonly Row[]): Promise<number>;
  /**
   * The online move's statements (OnlineSql's), each on its own (DDL: MySQL commits around it anyway); the
   * rows each answered, as objects keyed by lower-case column name.
   */
  execute(statements: readonly Statement[]): Promise<Record<string, unknown>[][]>;
  /** The same, in one transaction: all applied or none. */
  transaction(statements: readonly Statement[]): Promise<Record<string, unknown>[][]>;
}

/** One statement in the engine's own SQL and parameter style. */
export interface Statement {
  sql: string;
  params: unknown[];
}

// ---------------------------------------------------------------------------------------------------------
// The online chat move (issue #20): the placement table (in the system source) and the fence (in a source a
// chat moved out of), in each engine's SQL. The protocol above them is placement/mover.ts, engine-agnostic.
// ---------------------------------------------------------------------------------------------------------

/** Where every row names itself in a refusal: the wrapper recognises a fenced write by this text. */
export const FENCE_MARKER = 'botdb_chat_moved';
export const PLACEMENT_TABLE = 'botdb_chat_placement';
export const FENCE_TABLE = 'botdb_fenced_chats';

export interface OnlineSql {
  /** One row `{ n }`: 1 when `table` exists in the source's database (schema), else 0. No parameters. */
  tableExists(table: string): string;
  /** Creates the placement table when missing (chat_id, source, state, target, previous, epoch, updated_at). */
  createPlacement: readonly string[];
  /** Every placement row: chat_id, source, state, target, previous, epoch. No parameters. */
  selectPlacements: string;
  /**
   * Compare-and-set of the chat's placement row, in one transaction: writes `row` only when the row is still
   * `expected` (null: absent, and a row another mover inserted first is a lost race; else the same epoch and
   * state). The last statement answers one row `{ n }`: 1 when written, 0 when the row was not as expected.
   */
  casPlacement(
    expected: { epoch: number; state: string } | null,
    row: {
      chatId: number;
      source: string;
      state: string;
      target: string | null;
      previous: string | null;
      epoch: number;
    },
  ): Statement[];
  /**
   * Creates the fence table and, on each of `tables` (chat-scoped), the triggers that refuse an insert, update
   * or delete of a fenced chat's rows with an error whose text holds FENCE_MARKER (a delete passes while the
   * chat's fence row says 'purging'). Idempotent; costs nothing to writes until a chat is fenced.
   */
  createFence(tables: readonly string[]): readonly string[];
  /**
   * Fences the chat (row state 'fenced'), in one transaction with whatever waits for the chat's writes in
   * flight to commit first: after it commits, every write of the chat in this source is refused.
   */
  fence(chatId: number, movedTo: string, epoch: number): readonly Statement[];
  /** Sets the fence row's state ('fenced' | 'purging'), taking the same lock as `fence`. */
  setFenceState(chatId: number, state: 'fenced' | 'purging'): readonly Statement[];
  /** Lifts the chat's fence (the chat moves back into this source). */
  unfence(chatId: number): Statement;
  /** Deletes the chat's rows of one table. */
  deleteChat(table: string, chatId: number): Statement;
}

// ---------------------------------------------------------------------------------------------------------
// check, route, stats: where a source lives and what can be told without opening it.
// ---------------------------------------------------------------------------------------------------------

/** Where a source lives, as `botdb check` and `route` print it. */
export interface SourcePlace {
  /** The engine's name, as the output's `type` says it. */
  type: EngineName;
  /** A file engine's file; null for a server engine. */
  path: string | null;
  /** The file, or the URL without password and the schema/database: what the library's messages name. */
  location: string;
  /** The engine's own fields, shown after `location` in --json (PostgreSQL: `url` without password, `schema`). */
  fields: Record<string, string>;
}

/** What is known of a source before anything opens it. */
export interface LocalFacts {
  /** The file exists; null for a server engine (only opening it can tell). */
  exists: boolean | null;
  /** File and write-ahead-log sizes in bytes; null for a server engine or a missing file. */
  size: number | null;
  walSize: number | null;
  /** Why a missing database could not be created by the bot's open (a missing folder); null when it could. */
  cannotCreate: DatabaseError | null;
}

/** The bot's own figures of a database, as `check` prints them. */
export interface BotFigures {
  schemaVersion: number | null;
  chats: number | null;
  messages: number | null;
}

/** Raw statements (run with `db.query`, on the source's engine) answering one value each. */
export interface BotFigureQueries {
  /** The schema version text (settings `db-migration-version`). */
  version: string;
  /** `count(*)` of chat_info. */
  chats: string;
  /** `count(*)` of chat_messages. */
  messages: string;
}

// ---------------------------------------------------------------------------------------------------------
// backup: a file engine copies its file online; a server engine names its own dump tool.
// ---------------------------------------------------------------------------------------------------------

/** A problem found in a file, as `verify` and `backup` report it. */
export interface FileProblem {
  code: string;
  message: string;
}

/** A database file checked on disk (integrity and bot schema), opened readonly. */
export interface FileReport {
  file: string;
  ok: boolean;
  size: number | null;
  /** "ok", or the engine's first complaints; null when the check could not run. */
  integrity: string | null;
  schemaVersion: number | null;
  missingTables: string[];
  chats: number | null;
  messages: number | null;
  problems: FileProblem[];
}

/** The dump command a server engine's backup suggests (nothing is run). */
export interface DumpCommand {
  /** Where the dump goes: the file named, its extension replaced (a dump never looks like a SQLite copy). */
  dumpFile: string;
  /** The command line to paste into a shell, password taken from the environment, never printed. */
  command: string;
  /** What the dump is and how it is restored, e.g. "a plain SQL dump; restore it with psql". */
  restore: string;
}

/** What one online copy did. */
export interface FileCopy {
  /** Pages (or blocks) copied. */
  pages: number;
  /** The source's figures in the snapshot the copy was taken from. */
  snapshot: { chats: number; messages: number };
}

export type BackupSupport<E extends EngineName> =
  | {
      kind: 'file';
      /**
       * The files on disk of a database at `path` (the file and its sidecars): a backup must not land on
       * one of the source's, and a failed copy's are removed.
       */
      files(path: string): string[];
      /**
       * Copies the source, online and consistent while the bot writes, into `file` (a new path), as a
       * standalone file; rejects with SOURCE_OPEN_FAILED when the source cannot be opened, else with an
       * Error whose message is the reason (the partial file removed). Bounded by `timeoutMs`.
       * `onProgress(done, total)` while it copies.
       */
      copy(
        spec: SpecOf<E>,
        file: string,
        options: { timeoutMs: number; onProgress?: (done: number, total: number) => void },
      ): Promise<FileCopy>;
      /** Checks a copy (or any file of this engine) on disk, readonly; never rejects. */
      verify(file: string, options?: { timeoutMs?: number; integrity?: boolean }): Promise<FileReport>;
    }
  | {
      kind: 'dump';
      /** The server's own dump tool for this source, writing next to `fileArg` (as given on the command line). */
      command(spec: SpecOf<E>, fileArg: string): DumpCommand;
    };

// ---------------------------------------------------------------------------------------------------------
// The whole contract.
// ---------------------------------------------------------------------------------------------------------

export interface EngineTools<E extends EngineName> {
  /** The online move's SQL (placement table, fence); undefined: the engine cannot take part in an online move. */
  online?: OnlineSql;
  /** Where the source lives, for check and route. */
  place(spec: SpecOf<E>): SourcePlace;
  /** Two sources of this engine name the same data (one file; one server database and schema). */
  sameData(a: SpecOf<E>, b: SpecOf<E>): boolean;
  /** What can be told without opening the source (check, stats). */
  local(spec: SpecOf<E>): LocalFacts;
  /**
   * The note of `check` for a writable source not created yet (a missing file; a schema without bot
   * tables), and the SOURCE_MISSING message of `stats`, which opens existing databases only.
   */
  notCreated(spec: SpecOf<E>): { checkNote: string; statsMessage: string };
  /**
   * A writable source whose schema is older than the library's, read as it is (check reports it and does
   * not open it: a readonly look refuses an older schema, and the bot's open would migrate it); null when
   * it is not older, or the engine has no older schemas, or it cannot be read (the open then says why).
   */
  olderSchema(spec: SpecOf<E>): Promise<BotFigures | null>;
  /**
   * The statements `check` runs through the library on an open source; null for an engine that holds no bot
   * tables (Redis: the caches only), which `check` and `stats` ask through `cacheFigures` instead.
   */
  figureQueries: BotFigureQueries | null;
  /** A cache engine: reaches the server and counts the caches' entries (check, stats). */
  cacheFigures?(spec: SpecOf<E>): Promise<CacheFigures>;
  /** A cache engine: the destination of `botdb move --cache`. */
  openCacheWriter?(spec: SpecOf<E>): Promise<CacheWriter>;
  /** The source of a move, opened readonly, its read snapshot begun (so a source that cannot be read fails first). */
  openReader(spec: SpecOf<E>): Promise<MoveReader>;
  /**
   * The destination of a move, its bot schema created when missing by the engine's own prepare hook (the
   * code a bot's open runs, under the engine's migration lock). The spec is writable (move refuses a
   * readonly destination before).
   */
  openWriter(spec: SpecOf<E>): Promise<MoveWriter>;
  backup: BackupSupport<E>;
}

// ---------------------------------------------------------------------------------------------------------
// Cache engines (Redis): what check/stats tell of them, and move --cache's destination.
// ---------------------------------------------------------------------------------------------------------

/** A cache source's figures: entries per cache type and storage pairs (live ones). */
export interface CacheFigures {
  /** The server's version, as it reports it. */
  serverVersion: string;
  /** Live entries by cache type (the type's index size). */
  entries: Record<string, number>;
  /** Live cache_storage pairs. */
  storage: number;
}

/**
 * Writes the caches of another source with their own timestamps (created_at and updated_at kept, seconds
 * since the epoch). An entry the destination holds already is kept as it is (a re-run adds nothing); an entry
 * older than the destination's max-age is not written (it would expire at once). Each resolves true when written.
 */
export interface CacheWriter {
  putEntry(type: string, key: string, data: string, createdAt: number, updatedAt: number): Promise<boolean>;
  putStorage(namespace: string, key: string, value: string, updatedAt: number): Promise<boolean>;
  close(): Promise<void>;
}
