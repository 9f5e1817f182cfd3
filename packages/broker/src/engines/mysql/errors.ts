/**
 * How mysql2's and the server's errors (errno, SQLSTATE, the driver's codes) map to the library's stable codes,
 * as PostgreSQL's do (engines/postgresql/errors.ts): the same failure gives the same code on every engine.
 */
import {
  DatabaseError,
  QueryTimeoutError,
  ReadonlySourceError,
  SourceOpenError,
  SourceUnavailableError,
} from '@pkg/errors';
import { isMysqlConnectionLost, mysqlOpenError } from './connect.js';
import { tooLongError } from './key-lengths.js';
import { type MysqlSourceSpec, mysqlLocation } from './spec.js';

/** The server errors this file names. */
export const MYSQL_ERRNO = {
  duplicateKey: 1062,
  lockWaitTimeout: 1205,
  deadlock: 1213,
  readOnlyTransaction: 1792,
  /** MariaDB: max_statement_time exceeded. */
  mariaStatementTime: 1969,
  /** MySQL: max_execution_time exceeded. */
  mysqlExecutionTime: 3024,
  /** SAVEPOINT does not exist: the transaction holding it was rolled back (a deadlock rolls back all of it). */
  noSavepoint: 1305,
} as const;

/**
 * Server errors that end the session: shutdown in progress (1053), the session killed (1927, MariaDB's
 * "connection was killed"), the server gone (2006), the connection lost mid-query (2013), or ended for
 * inactivity (4031, MySQL).
 */
const SESSION_ENDED = new Set([1053, 1927, 2006, 2013, 4031]);

/** mysql2's refusal of a command on a connection it has already closed (it carries no code). */
const CLOSED_STATE = /connection is in closed state|Pool is closed/;

/** The connection (not the statement) failed: lost, refused, killed, or the server shut down. */
export function isConnectionLost(e: unknown): boolean {
  if (isMysqlConnectionLost(e)) return true;
  const err = e as { errno?: unknown; code?: unknown; fatal?: unknown; message?: unknown } | null;
  if (err === null || typeof err !== 'object') return false;
  if (typeof err.errno === 'number' && SESSION_ENDED.has(err.errno)) return true;
  if (err.code === 'CONNECTION_LOST' || err.code === 'ER_SERVER_SHUTDOWN' || err.code === 'ER_CONNECTION_KILLED') {
    return true;
  }
  // A network failure mysql2 flags fatal (the socket is gone), whatever its code.
  if (err.fatal === true && typeof err.errno !== 'number') return true;
  return typeof err.message === 'string' && CLOSED_STATE.test(err.message);
}

/** A deadlock or a lock wait past innodb_lock_wait_timeout: the statement (or, for a deadlock, its transaction) was rolled back. */
export function isLockConflict(e: unknown): boolean {
  const errno = (e as { errno?: unknown } | null)?.errno;
  return errno === MYSQL_ERRNO.deadlock || errno === MYSQL_ERRNO.lockWaitTimeout;
}

/** A failed call, as the library's typed error. `what`: the operation or statement. */
export function toMysqlError(
  spec: Pick<MysqlSourceSpec, 'name' | 'url' | 'timeoutMs'>,
  what: string,
  e: unknown,
): DatabaseError {
  if (e instanceof DatabaseError) return e;
  const err = (e ?? {}) as { errno?: unknown; code?: unknown; sqlState?: unknown; sqlMessage?: unknown };
  const errno = typeof err.errno === 'number' ? err.errno : null;
  const code = String(err.code ?? 'INTERNAL');
  const message = String(err.sqlMessage ?? (e instanceof Error ? e.message : e));
  if (isConnectionLost(e)) {
    return new SourceUnavailableError(
      spec.name,
      mysqlLocation(spec.url),
      `the connection to MySQL failed (${code}${errno === null ? '' : ` ${errno}`}: ${message}); a read is tried once more, a write is not (it may have been applied)`,
      'check that the server is up and reachable; the source reconnects by itself on the next call',
    );
  }
  const tooLong = tooLongError(what, e);
  if (tooLong !== null) return tooLong;
  if (errno === MYSQL_ERRNO.readOnlyTransaction) return new ReadonlySourceError(spec.name, what);
  if (errno === MYSQL_ERRNO.mariaStatementTime || errno === MYSQL_ERRNO.mysqlExecutionTime) {
    return new QueryTimeoutError(spec.name, what, spec.timeoutMs);
  }
  const sqlstate = typeof err.sqlState === 'string' ? err.sqlState : '';
  const details: Record<string, unknown> = {
    source: spec.name,
    operation: what,
    mysqlErrno: errno,
    sqlstate,
    constraint: isConstraint(errno, sqlstate),
  };
  let fix = '';
  if (errno === MYSQL_ERRNO.deadlock) {
    details.lock = 'deadlock';
    fix =
      ' Fix: run it again (a write the library could repeat safely was already tried twice); keep transactions short and take rows in one order.';
  } else if (errno === MYSQL_ERRNO.lockWaitTimeout) {
    details.lock = 'wait-timeout';
    fix = ` Fix: find the session holding the rows' locks (a long transaction); the wait lasts at most half of the source's ${spec.timeoutMs / 1000} s timeout.`;
  }
  return new DatabaseError(
    'QUERY_FAILED',
    `${what} on source "${spec.name}" failed in MySQL (${code}${errno === null ? '' : ` ${errno}`}): ${message}${fix}`,
    details,
  );
}

/**
 * A constraint violation, as SQLite's SQLITE_CONSTRAINT_* and PostgreSQL's class 23: a duplicate or foreign key,
 * a NULL in a NOT NULL column (23000), a column without a value or default (1364), a CHECK (4025 MariaDB, 3819 MySQL).
 */
function isConstraint(errno: number | null, sqlstate: string): boolean {
  return sqlstate.startsWith('23') || errno === 1364 || errno === 4025 || errno === 3819;
}

/** Why the source could not be opened, with the fix that matches the cause. */
export function mysqlOpenFailed(
  spec: Pick<MysqlSourceSpec, 'name' | 'url' | 'passwordEnv' | 'readonly' | 'timeoutMs'>,
  e: unknown,
): DatabaseError {
  if (e instanceof DatabaseError) return e;
  const mapped = mysqlOpenError(spec, e);
  const err = e as { code?: unknown; message?: unknown } | null;
  // A server out of reach fails the open as on PostgreSQL (SOURCE_OPEN_FAILED; a later call opens it again).
  if (mapped instanceof SourceUnavailableError) {
    return new SourceOpenError(
      spec.name,
      mysqlLocation(spec.url),
      `cannot reach the server (${String(err?.code)}: ${String(err?.message ?? e)})`,
      'check host and port in url and that the server is up',
    );
  }
  if (mapped !== null) return mapped;
  return new SourceOpenError(
    spec.name,
    mysqlLocation(spec.url),
    `${err?.code ? `${String(err.code)}: ` : ''}${String(err?.message ?? e)}`,
    'check url and the server log',
  );
}

/** A BIGINT beyond ±2^53-1 read back: refused, never rounded (a rounded id would address another chat). */
export function bigintError(
  spec: Pick<MysqlSourceSpec, 'name'>,
  what: string,
  column: string,
  value: bigint,
): DatabaseError {
  return new DatabaseError(
    'QUERY_FAILED',
    `${what} on source "${spec.name}" read BIGINT ${value} (column "${column}"), beyond ±2^53-1: JavaScript cannot hold it exactly, so it was refused instead of rounded. Fix: keep ids and counters within Number.MAX_SAFE_INTEGER.`,
    { source: spec.name, operation: what, column, value: String(value), constraint: false },
  );
}
