/**
 * How mysql2's and the server's errors map to the library's stable codes, in the same terms as the other
 * engines (engines/postgresql/errors.ts): a duplicate key is QUERY_FAILED with `details.constraint`, a
 * statement over its time limit QUERY_TIMEOUT, a write on a read-only session READONLY_SOURCE, a lost
 * connection SOURCE_UNAVAILABLE, a too-long key INVALID_ARGUMENT naming its limit; an open that fails is
 * SOURCE_OPEN_FAILED naming the fix.
 */
import { DatabaseError, ReadonlySourceError, SourceOpenError, SourceUnavailableError } from '@pkg/errors';
import { isMysqlConnectionLost } from './connect.js';
import { tooLongError } from './key-lengths.js';
import { type MysqlSourceSpec, mysqlLocation } from './spec.js';

type ErrorSpec = Pick<MysqlSourceSpec, 'name' | 'url' | 'timeoutMs' | 'passwordEnv'>;

/** What mysql2 puts on a server's or its own error. */
interface MysqlErrorFields {
  code?: unknown;
  errno?: unknown;
  sqlState?: unknown;
  sqlMessage?: unknown;
  message?: unknown;
  fatal?: unknown;
}

/** Server errors of a key or constraint (SQLite's SQLITE_CONSTRAINT_*, PostgreSQL's 23xxx). */
const CONSTRAINT_ERRNOS = new Set([
  1062, // ER_DUP_ENTRY
  1586, // ER_DUP_ENTRY_WITH_KEY_NAME
  1048, // ER_BAD_NULL_ERROR (NOT NULL)
  1216, // ER_NO_REFERENCED_ROW
  1217, // ER_ROW_IS_REFERENCED
  1451, // ER_ROW_IS_REFERENCED_2
  1452, // ER_NO_REFERENCED_ROW_2
  3819, // MySQL: ER_CHECK_CONSTRAINT_VIOLATED
  4025, // MariaDB: ER_CONSTRAINT_FAILED
]);

/** A statement stopped by its time limit: MariaDB's max_statement_time, MySQL's max_execution_time. */
const TIMEOUT_ERRNOS = new Set([1969, 3024]);

/** A write refused by a read-only transaction or server. */
const READ_ONLY_ERRNOS = new Set([
  1792, // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
  1836, // ER_READ_ONLY_MODE
  1290, // ER_OPTION_PREVENTS_STATEMENT (--read-only)
]);

/** InnoDB gave up on a row lock: the statement (lock wait) or the whole transaction (deadlock) was rolled back. */
export const LOCK_WAIT_TIMEOUT = 1205;
export const DEADLOCK = 1213;

export function errnoOf(e: unknown): number | null {
  const errno = (e as MysqlErrorFields | null)?.errno;
  return typeof errno === 'number' ? errno : null;
}

/** A lock conflict that rolled back what it touched: the work is safe to run once more when nothing else was in it. */
export function isLockConflict(e: unknown): boolean {
  const errno = errnoOf(e);
  return errno === LOCK_WAIT_TIMEOUT || errno === DEADLOCK;
}

/** A write refused because the session or the server is read-only. */
export function isReadOnlyRefusal(e: unknown): boolean {
  const errno = errnoOf(e);
  return errno !== null && READ_ONLY_ERRNOS.has(errno);
}

/** The connection (not the statement) failed: lost, refused, killed, or the server shut down. */
export function isConnectionLost(e: unknown): boolean {
  if (isMysqlConnectionLost(e)) return true;
  const f = e as MysqlErrorFields | null;
  const errno = errnoOf(e);
  // 1053 server shutdown, 1927 ER_CONNECTION_KILLED (KILL CONNECTION), 2006 gone away, 2013 lost during query.
  if (errno === 1053 || errno === 1927 || errno === 2006 || errno === 2013) return true;
  // mysql2 marks an error after which the connection is unusable `fatal`; without a server errno that is the
  // connection itself (closed state, socket errors), not a refused login.
  return f?.fatal === true && errno === null;
}

/** A failed call, as the library's typed error. `what`: the operation or statement. */
export function toMysqlError(spec: ErrorSpec, what: string, e: unknown): DatabaseError {
  if (e instanceof DatabaseError) return e;
  const tooLong = tooLongError(what, e);
  if (tooLong !== null) return tooLong;
  const f = (e ?? {}) as MysqlErrorFields;
  const errno = errnoOf(e);
  const code = String(f.code ?? 'INTERNAL');
  const message = String(f.sqlMessage ?? f.message ?? e);
  if (isConnectionLost(e)) {
    return new SourceUnavailableError(
      spec.name,
      mysqlLocation(spec.url),
      `the connection to MySQL failed (${code}${errno === null ? '' : ` ${errno}`}: ${message}); a read is tried once more, a write is not (it may have been applied)`,
      'check that the server is up and reachable; the source reconnects by itself on the next call',
    );
  }
  if (errno !== null && READ_ONLY_ERRNOS.has(errno)) return new ReadonlySourceError(spec.name, what);
  if (errno !== null && TIMEOUT_ERRNOS.has(errno)) {
    // QUERY_TIMEOUT as every engine says it, in words that fit: the server stopped the statement, no worker restarted.
    return new DatabaseError(
      'QUERY_TIMEOUT',
      `${what} on source "${spec.name}" ran longer than its ${spec.timeoutMs / 1000} s statement limit and MySQL stopped it (max_statement_time / max_execution_time); the source goes on. Fix: make the query cheaper, or raise timeout for "${spec.name}".`,
      { source: spec.name, operation: what, timeoutMs: spec.timeoutMs },
    );
  }
  return queryFailed(spec.name, what, e);
}

/** QUERY_FAILED in MySQL's terms: its error name and number, its SQLSTATE, and whether a constraint refused it. */
export function queryFailed(source: string, what: string, e: unknown): DatabaseError {
  const f = (e ?? {}) as MysqlErrorFields;
  const errno = errnoOf(e);
  const code = String(f.code ?? 'INTERNAL');
  const message = String(f.sqlMessage ?? f.message ?? e);
  const lock =
    errno === DEADLOCK
      ? ' (a deadlock: the server rolled back the transaction)'
      : errno === LOCK_WAIT_TIMEOUT
        ? ' (another session held the row lock past innodb_lock_wait_timeout)'
        : '';
  return new DatabaseError(
    'QUERY_FAILED',
    `${what} on source "${source}" failed in MySQL (${code}${errno === null ? '' : ` ${errno}`}): ${message}${lock}`,
    {
      source,
      operation: what,
      mysqlCode: code,
      ...(errno === null ? {} : { errno }),
      ...(typeof f.sqlState === 'string' ? { sqlstate: f.sqlState } : {}),
      constraint: errno !== null && CONSTRAINT_ERRNOS.has(errno),
    },
  );
}

/** Why the source could not be opened, with the fix that matches the cause (SOURCE_OPEN_FAILED). */
export function mysqlOpenFailed(spec: ErrorSpec, e: unknown): DatabaseError {
  if (e instanceof DatabaseError) return e;
  const f = (e ?? {}) as MysqlErrorFields;
  const errno = errnoOf(e);
  const code = String(f.code ?? '');
  const message = String(f.sqlMessage ?? f.message ?? e);
  const open = (reason: string, fix: string) => new SourceOpenError(spec.name, mysqlLocation(spec.url), reason, fix);
  if (errno === 1045 || errno === 1044 || errno === 1130 || errno === 1251) {
    const from =
      spec.passwordEnv === null
        ? 'MYSQL_PWD or no password (password-env is not set)'
        : `the password in ${spec.passwordEnv}`;
    return open(
      `MySQL refused the login (${code} ${errno}: ${message})`,
      `check the user in url, its grants on the database and ${from}`,
    );
  }
  if (errno === 1049) {
    return open(
      `the database does not exist (${message})`,
      'create it (CREATE DATABASE <name> CHARACTER SET utf8mb4), or correct the database in url',
    );
  }
  if (code === 'ETIMEDOUT') {
    return open(
      `no answer from the server within ${spec.timeoutMs / 1000} s (${message})`,
      'check host and port in url and that the server is up, or raise timeout',
    );
  }
  if (isConnectionLost(e)) {
    return open(
      `cannot reach the server (${code}: ${message})`,
      'check host and port in url and that the server is up',
    );
  }
  return open(`${code ? `${code}: ` : ''}${message}`, 'check url and the server log');
}
