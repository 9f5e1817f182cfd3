/**
 * A MySQL/MariaDB source's pool, as `botdb` opens it (and as a worker may): one set of session settings, so
 * the bot's tables are read and written alike wherever that happens —
 * - time_zone '+00:00': DATETIME columns hold UTC, and CURRENT_TIMESTAMP (the columns' defaults) is UTC;
 * - strict sql_mode: a value too long for its column is refused (1406), never cut; no silent zero dates;
 * - READ COMMITTED, as PostgreSQL's default: no gap locks, so one process's claim never waits for another's;
 * - the connection's collation the tables' binary NO PAD one, so literals and parameters compare among
 *   themselves as the columns do (SQLite's byte order), not in the server's case-folding default;
 * - a readonly source's sessions are READ ONLY at the server;
 * - BIGINT read as exact numbers (a value beyond 2^53 as a bigint, for the caller to refuse), DATETIME as its
 *   text (no zone conversion by the driver), text as strings.
 * The password comes from the environment variable `passwordEnv` names, read here (in the process that
 * connects), never from the configuration.
 */
import { SourceOpenError, SourceUnavailableError } from '@pkg/errors';
import type * as Mysql from 'mysql2/promise';
import type { Pool, TypeCast } from 'mysql2/promise';
import { lazyDriver } from '../lazy-driver.js';
import type { MysqlSourceSpec } from './spec.js';
import { mysqlLocation } from './spec.js';

const mysql = lazyDriver<typeof Mysql>('mysql2/promise');

/** What a connecting spec needs: a worker's full spec, or the CLI's view of a configured source. */
export type MysqlTarget = Pick<MysqlSourceSpec, 'name' | 'url' | 'passwordEnv' | 'readonly' | 'timeoutMs'> &
  Partial<Pick<MysqlSourceSpec, 'poolSize'>>;

/** The sql_mode every session runs with (MySQL 8's and MariaDB's strict defaults, set whatever the server's). */
export const MYSQL_SQL_MODE =
  'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ZERO_DATE,NO_ZERO_IN_DATE,NO_ENGINE_SUBSTITUTION';

/** BIGINT as a number when exact, else a bigint (the caller refuses it); everything else as mysql2 reads it. */
const exactIntegers: TypeCast = (field, next) => {
  if (field.type === 'LONGLONG') {
    const text = field.string();
    if (text === null) return null;
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : BigInt(text);
  }
  return next();
};

/** The password `passwordEnv` names; SOURCE_OPEN_FAILED when that variable is not set. */
export function mysqlPassword(spec: MysqlTarget): string | undefined {
  // As the mysql and mariadb clients do: MYSQL_PWD when no variable is named.
  if (spec.passwordEnv === null) return process.env.MYSQL_PWD;
  const value = process.env[spec.passwordEnv];
  if (value === undefined) {
    throw new SourceOpenError(
      spec.name,
      mysqlLocation(spec.url),
      `password-env names ${spec.passwordEnv}, which is not set`,
      `export ${spec.passwordEnv}=<the password> where the bot (and botdb) run, or remove password-env if the server asks for none`,
    );
  }
  return value;
}

/** The pool, not yet connected (mysql2 connects on the first query). */
export function connectMysql(spec: MysqlTarget): Pool {
  const url = new URL(spec.url);
  const password = mysqlPassword(spec);
  const pool = mysql().createPool({
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    ...(password === undefined ? {} : { password }),
    database: decodeURIComponent(url.pathname.replace(/^\//, '')),
    connectionLimit: spec.poolSize ?? 1,
    connectTimeout: Math.max(1000, spec.timeoutMs),
    charset: 'utf8mb4',
    timezone: 'Z',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    typeCast: exactIntegers,
    multipleStatements: false,
  });
  pool.on('connection', (connection) => {
    // Queued before any statement of the caller on this connection (mysql2 runs a connection's commands in order).
    connection.query(`SET SESSION time_zone = '+00:00', SESSION sql_mode = '${MYSQL_SQL_MODE}'`);
    connection.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
    connection.query(
      "SET SESSION collation_connection = IF(VERSION() LIKE '%MariaDB%', 'utf8mb4_nopad_bin', 'utf8mb4_0900_bin')",
    );
    if (spec.readonly) connection.query('SET SESSION TRANSACTION READ ONLY');
  });
  return pool;
}

/** Server errors that mean the session could not be opened as configured (login, database, host). */
const OPEN_ERRNOS = new Set([1044, 1045, 1049, 1130, 1251]);
/** Driver codes of a server that cannot be reached or went away. */
const LOST = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
]);

/** Whether `error` is a lost or refused connection (the server may come back). */
export function isMysqlConnectionLost(error: unknown): boolean {
  const e = error as { code?: unknown; errno?: unknown } | null;
  return typeof e?.code === 'string' && (LOST.has(e.code) || e.errno === 2013 || e.errno === 2006);
}

/**
 * An open failure as the library's typed error: a login or database the server refuses is SOURCE_OPEN_FAILED
 * (naming where the password comes from, never the password); a server that cannot be reached
 * SOURCE_UNAVAILABLE; null for anything else.
 */
export function mysqlOpenError(spec: MysqlTarget, error: unknown): SourceOpenError | SourceUnavailableError | null {
  const e = error as { errno?: unknown; code?: unknown; message?: unknown } | null;
  const message = String(e?.message ?? error);
  const where = mysqlLocation(spec.url);
  if (typeof e?.errno === 'number' && OPEN_ERRNOS.has(e.errno)) {
    const from =
      spec.passwordEnv === null
        ? 'MYSQL_PWD or no password (password-env is not set)'
        : `the password in ${spec.passwordEnv}`;
    return new SourceOpenError(
      spec.name,
      where,
      `the server refused the session (${String(e.code)}): ${message}`,
      `check the user and database in url, and ${from}; the database must exist (CREATE DATABASE <name> CHARACTER SET utf8mb4)`,
    );
  }
  if (isMysqlConnectionLost(error)) {
    return new SourceUnavailableError(
      spec.name,
      where,
      `${message} (${String(e?.code)})`,
      'check that the server is running and the URL (host, port) is right, then try again',
    );
  }
  return null;
}
