/**
 * Every failure the data layer reports is a `DatabaseError` with a stable `code`.
 * Bots branch on `code` (never on message text); messages name what failed, where, and the fix.
 */

export const ERROR_CODES = [
  'CONFIG_INVALID',
  'UNKNOWN_SOURCE',
  'READONLY_SOURCE',
  'INVALID_ARGUMENT',
  'CROSS_SOURCE_TRANSACTION',
  'SOURCE_OVERLOADED',
  'SOURCE_CRASHED',
  'SOURCE_CLOSED',
  'SOURCE_OPEN_FAILED',
  'NOT_A_BOT_DATABASE',
  'SCHEMA_TOO_NEW',
  'MIGRATION_FAILED',
  'QUERY_FAILED',
  'TRANSACTION_ENDED',
  'SOURCE_UNAVAILABLE',
  'QUERY_TIMEOUT',
  'TRANSACTION_TIMEOUT',
  'CHAT_MOVING',
  'CHAT_MOVE_FAILED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Plain-data form of an error, used to carry it across the worker boundary. */
export interface SerializedError {
  code: ErrorCode;
  message: string;
  details: Record<string, unknown>;
}

export class DatabaseError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }

  toJSON(): SerializedError {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export interface ConfigIssue {
  /** Dotted key path, e.g. `database.sources.archive.pool-size`. */
  key: string;
  message: string;
  fix: string;
}

export class ConfigError extends DatabaseError {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[], origin?: string) {
    const where = origin ? ` in ${origin}` : '';
    const lines = issues.map((i) => `  - ${i.key}: ${i.message} Fix: ${i.fix}`);
    super(
      'CONFIG_INVALID',
      `Invalid database configuration${where} (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
      { issues, origin },
    );
    this.issues = issues;
  }
}

export class UnknownSourceError extends DatabaseError {
  constructor(source: string, known: readonly string[]) {
    super(
      'UNKNOWN_SOURCE',
      `Unknown data source "${source}". Known sources: ${known.map((k) => `"${k}"`).join(', ')}. Fix: pass one of them as dataSource, or add [database.sources.${source}] to the config.`,
      { source, known },
    );
  }
}

export class ReadonlySourceError extends DatabaseError {
  constructor(source: string, operation: string, chatId?: number) {
    const chat = chatId === undefined ? '' : ` for chat ${chatId}`;
    const fix =
      chatId === undefined
        ? `make [database] default name a writable source (system-wide data lives there), or set readonly = false on "${source}".`
        : `map the chat to a writable source in [database.chatMapping], or set readonly = false on "${source}".`;
    super(
      'READONLY_SOURCE',
      `Refused ${operation}${chat}: it routes to source "${source}", which is readonly. Fix: ${fix}`,
      { source, operation, chatId },
    );
  }
}

export class InvalidArgumentError extends DatabaseError {
  constructor(operation: string, argument: string, problem: string) {
    super('INVALID_ARGUMENT', `${operation}: argument "${argument}" ${problem}`, {
      operation,
      argument,
    });
  }
}

export class CrossSourceTransactionError extends DatabaseError {
  constructor(txSource: string, otherSource: string, chatId?: number) {
    super(
      'CROSS_SOURCE_TRANSACTION',
      `A transaction on source "${txSource}" cannot touch source "${otherSource}"${chatId === undefined ? '' : ` (chat ${chatId})`}: a transaction runs on one source's connection (one SQLite file, or one PostgreSQL schema). Fix: keep the transaction to chats of one source, or run two transactions.`,
      { txSource, otherSource, chatId },
    );
  }
}

export class SourceOverloadedError extends DatabaseError {
  constructor(source: string, maxQueued: number) {
    super(
      'SOURCE_OVERLOADED',
      `Source "${source}" is overloaded: ${maxQueued} calls are already waiting. The call was not run. Fix: retry later, slow the caller down, or raise max-queued for "${source}".`,
      { source, maxQueued },
    );
  }
}

export class SourceCrashedError extends DatabaseError {
  constructor(source: string, reason: string) {
    super(
      'SOURCE_CRASHED',
      `The worker of source "${source}" died (${reason}) while this call was in flight; the call may or may not have been applied. The worker is restarting; retry the call.`,
      { source, reason },
    );
  }
}

export class SourceClosedError extends DatabaseError {
  constructor(source: string) {
    super('SOURCE_CLOSED', `Source "${source}" is closed: db.close() was called. Fix: create a new DatabaseWrapper.`, {
      source,
    });
  }
}

export class SourceOpenError extends DatabaseError {
  /** `extra`: details a caller may branch on (e.g. `emptySchema: true`), beside `source` and `path`. */
  constructor(source: string, path: string, reason: string, fix: string, extra: Record<string, unknown> = {}) {
    super('SOURCE_OPEN_FAILED', `Cannot open source "${source}" (${path}): ${reason}. Fix: ${fix}`, {
      ...extra,
      source,
      path,
    });
  }
}

export class NotABotDatabaseError extends DatabaseError {
  constructor(source: string, path: string, missing: readonly string[]) {
    super(
      'NOT_A_BOT_DATABASE',
      `Source "${source}" (${path}) is not a bot database: missing table${missing.length === 1 ? '' : 's'} ${missing.join(', ')}. Fix: point the source at a bot.db file, or at a new path to create one.`,
      { source, path, missing },
    );
  }
}

export class SchemaTooNewError extends DatabaseError {
  constructor(source: string, path: string, found: number, supported: number) {
    super(
      'SCHEMA_TOO_NEW',
      `Source "${source}" (${path}) has schema version ${found}, newer than the ${supported} this library knows: reads work, writes are refused so a newer bot's data is not corrupted. Fix: upgrade this library, or open the source with readonly = true.`,
      { source, path, found, supported },
    );
  }
}

export class MigrationError extends DatabaseError {
  constructor(source: string, path: string, toVersion: number, cause: string) {
    super(
      'MIGRATION_FAILED',
      `Migrating source "${source}" (${path}) to schema version ${toVersion} failed: ${cause}. The file was left as it was. Fix: check the file is a bot database and writable; restore it from backup if it was edited by hand.`,
      { source, path, toVersion },
    );
  }
}

export class QueryFailedError extends DatabaseError {
  /**
   * `engineCode`: SQLite's extended code (`SQLITE_CONSTRAINT_PRIMARYKEY`), or PostgreSQL's SQLSTATE
   * (`23505`), kept in `details.sqliteCode` or `details.sqlstate`. `details.constraint` is true for a
   * constraint violation on either engine, so code can branch on it without knowing the engine.
   */
  constructor(
    source: string,
    operation: string,
    engineCode: string,
    cause: string,
    engine: 'SQLite' | 'PostgreSQL' = 'SQLite',
  ) {
    const constraint = engine === 'SQLite' ? engineCode.startsWith('SQLITE_CONSTRAINT') : engineCode.startsWith('23');
    super('QUERY_FAILED', `${operation} on source "${source}" failed in ${engine} (${engineCode}): ${cause}`, {
      source,
      operation,
      ...(engine === 'SQLite' ? { sqliteCode: engineCode } : { sqlstate: engineCode }),
      constraint,
    });
  }
}

export class TransactionEndedError extends DatabaseError {
  constructor(source: string) {
    super(
      'TRANSACTION_ENDED',
      `The transaction on source "${source}" has already ended (committed, rolled back, or lost with a crashed worker). Fix: make every call through tx inside the transaction callback and await it.`,
      { source },
    );
  }
}

export class SourceUnavailableError extends DatabaseError {
  constructor(source: string, path: string, reason: string, fix: string) {
    super('SOURCE_UNAVAILABLE', `Source "${source}" (${path}) is unavailable: ${reason}. Fix: ${fix}`, {
      source,
      path,
      reason,
    });
  }
}

export class QueryTimeoutError extends DatabaseError {
  constructor(source: string, operation: string, timeoutMs: number) {
    super(
      'QUERY_TIMEOUT',
      `${operation} on source "${source}" ran longer than its ${timeoutMs / 1000} s limit and was stopped (the source's worker was restarted; calls queued behind it run on the new one). Fix: make the query cheaper, or raise query-timeout for "${source}".`,
      { source, operation, timeoutMs },
    );
  }
}

export class TransactionTimeoutError extends DatabaseError {
  constructor(source: string, timeoutMs: number) {
    super(
      'TRANSACTION_TIMEOUT',
      `The transaction on source "${source}" was still open after its ${timeoutMs / 1000} s limit and was rolled back; its later calls are refused. Fix: keep the work inside db.transaction() short (no waiting on users or the network), or raise transaction-timeout for "${source}".`,
      { source, timeoutMs },
    );
  }
}

/**
 * A write of a chat that is being moved to another source, or was moved (the old source fences it), could
 * not be placed within its bound: the placement did not switch in time, or could not be read. Nothing was
 * written: the write may be sent again.
 */
export class ChatMovingError extends DatabaseError {
  constructor(chatId: number, source: string, operation: string, waitedMs: number, reason: string) {
    super(
      'CHAT_MOVING',
      `${operation} for chat ${chatId}: the chat is moving away from source "${source}" (${reason}); the write waited ${waitedMs} ms for the move to finish and was not applied. Fix: send it again; if this persists, finish the move (db.moveChat again, or botdb move --resume) and check the system source.`,
      { chatId, source, operation, waitedMs },
    );
  }
}

/** An online chat move that refused to start or stopped (the chat stays readable and writable where the placement says). */
export class ChatMoveError extends DatabaseError {
  constructor(chatId: number, message: string, fix: string, details: Record<string, unknown> = {}) {
    super('CHAT_MOVE_FAILED', `moving chat ${chatId}: ${message} Fix: ${fix}`, { chatId, ...details });
  }
}

/** Rebuild an error that crossed the worker boundary as an instance of its own class. */
export function reviveError(e: SerializedError): DatabaseError {
  const err = new DatabaseError(e.code, e.message, e.details);
  const cls = CLASS_BY_CODE[e.code];
  Object.setPrototypeOf(err, cls.prototype);
  err.name = cls.name;
  return err;
}

const CLASS_BY_CODE: Record<ErrorCode, abstract new (...args: never[]) => DatabaseError> = {
  CONFIG_INVALID: ConfigError,
  UNKNOWN_SOURCE: UnknownSourceError,
  READONLY_SOURCE: ReadonlySourceError,
  INVALID_ARGUMENT: InvalidArgumentError,
  CROSS_SOURCE_TRANSACTION: CrossSourceTransactionError,
  SOURCE_OVERLOADED: SourceOverloadedError,
  SOURCE_CRASHED: SourceCrashedError,
  SOURCE_CLOSED: SourceClosedError,
  SOURCE_OPEN_FAILED: SourceOpenError,
  NOT_A_BOT_DATABASE: NotABotDatabaseError,
  SCHEMA_TOO_NEW: SchemaTooNewError,
  MIGRATION_FAILED: MigrationError,
  QUERY_FAILED: QueryFailedError,
  TRANSACTION_ENDED: TransactionEndedError,
  SOURCE_UNAVAILABLE: SourceUnavailableError,
  QUERY_TIMEOUT: QueryTimeoutError,
  TRANSACTION_TIMEOUT: TransactionTimeoutError,
  CHAT_MOVING: ChatMovingError,
  CHAT_MOVE_FAILED: ChatMoveError,
};
