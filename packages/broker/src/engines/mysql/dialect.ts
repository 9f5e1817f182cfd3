/**
 * MySQL's and MariaDB's statement dialect (see dialect.ts): one text for MariaDB >= 10.6 and MySQL 8.
 * - Upserts: `INSERT ... ON DUPLICATE KEY UPDATE col = VALUES(col)` (both servers take VALUES(col); MySQL 8.0.20+
 *   only warns that a row alias is the newer form, which MariaDB lacks). ON DUPLICATE KEY meets any unique key:
 *   the schema gives each bot table one (its rowid's key never conflicts).
 * - Names: backticks where MySQL reserves the word (`key`).
 * - Timestamps: DATETIME columns in UTC (the sessions run with time_zone '+00:00'), bound as the stored text.
 * - Booleans: TINYINT(1) columns; mysql2 binds true/false as 1/0 and the rows' flags are converted back.
 * Parameters are `?` as in the catalog; the caller's named parameters are turned into `?` (raw-text.ts).
 */
import type { BoundSql, Dialect, UpsertSet, UpsertSpec } from '../../dialect.js';
import { namedValues, valuesByName } from '../../raw-sql-params.js';
import { mysqlTextOf } from './raw-text.js';

/**
 * Words MySQL 8 or MariaDB reserve that could name a column or table (the bot's only one is `key`); a reserved
 * word must be quoted, any other name may be.
 */
const RESERVED = new Set([
  'key',
  'keys',
  'index',
  'order',
  'group',
  'rank',
  'row',
  'rows',
  'range',
  'read',
  'release',
  'table',
  'values',
  'condition',
  'interval',
  'match',
  'left',
  'right',
  'usage',
  'window',
  'lead',
  'lag',
  'system',
  'groups',
  'function',
  'desc',
  'describe',
  'change',
  'column',
  'option',
]);

function identifier(name: string): string {
  return RESERVED.has(name.toLowerCase()) ? `\`${name.replace(/`/g, '``')}\`` : name;
}

function conflictValue(column: string, set: UpsertSet): string {
  const c = identifier(column);
  if (set === 'inserted') return `VALUES(${c})`;
  if (set === 'now') return 'CURRENT_TIMESTAMP';
  return `${c} + ${set.add}`;
}

/**
 * 'nothing': the row is inserted only when no row holds its key, decided by the statement itself (a derived
 * row `v` checked against the table), so a duplicate counts 0 rows whatever the session's CLIENT_FOUND_ROWS
 * (mysql2 sets it: an UPDATE counts the rows it matched, as SQLite does). Key columns compare with `=`: a NULL
 * key value never matches, as SQLite's and PostgreSQL's unique keys treat NULLs as distinct. A concurrent
 * insert of the same key that commits between the check and the insert is met by ON DUPLICATE KEY, which keeps
 * the stored row; no other error is ignored (unlike INSERT IGNORE, which turns a too-long value into a warning).
 */
function insertUnlessStored(spec: UpsertSpec, values: readonly string[]): string {
  const columns = spec.columns.map(identifier);
  const derived = values.map((v, i) => `${v} AS ${columns[i]}`).join(', ');
  const same = spec.key.map((k) => `s.${identifier(k)} = v.${identifier(k)}`).join(' AND ');
  const conditions = [`NOT EXISTS (SELECT 1 FROM ${spec.table} s WHERE ${same})`];
  if (spec.where !== undefined) conditions.push(`(${spec.where})`);
  const first = identifier(spec.key[0] as string);
  return `INSERT INTO ${spec.table} (${columns.join(', ')}) SELECT ${columns.map((c) => `v.${c}`).join(', ')}
  FROM (SELECT ${derived}) AS v WHERE ${conditions.join(' AND ')}
  ON DUPLICATE KEY UPDATE ${first} = ${spec.table}.${first}`;
}

function upsert(spec: UpsertSpec): string {
  const values = spec.values ?? spec.columns.map(() => '?');
  if (spec.onConflict === 'nothing') return insertUnlessStored(spec, values);
  const rows =
    spec.where === undefined
      ? `VALUES (${values.join(', ')})`
      : `SELECT ${values.join(', ')} FROM DUAL WHERE ${spec.where}`;
  const sets = Object.entries(spec.onConflict)
    .map(([column, set]) => `${identifier(column)} = ${conflictValue(column, set)}`)
    .join(', ');
  return `INSERT INTO ${spec.table} (${spec.columns.map(identifier).join(', ')}) ${rows} ON DUPLICATE KEY UPDATE ${sets}`;
}

/** The caller's raw SQL: `?` as it is, named values in the order their names appear. */
function bindRaw(what: string, text: string, params: readonly unknown[]): BoundSql {
  const named = namedValues(params);
  if (named === null) return { text, values: params as unknown[] };
  const converted = mysqlTextOf(text, true);
  return { text: converted.text, values: valuesByName(what, named, converted.names as readonly string[]) };
}

export const mysqlDialect: Dialect = {
  upsert,
  identifier,
  // UNIX_TIMESTAMP(NOW(6)) keeps the fraction (CURRENT_TIMESTAMP alone is already cut to the second, which would
  // move the bound by up to a second against SQLite's); FLOOR cuts the difference to the whole second as
  // SQLite's datetime() does. Both functions read the session's zone ('+00:00'), like the stored values.
  secondsAgo: (seconds) => `FROM_UNIXTIME(FLOOR(UNIX_TIMESTAMP(NOW(6)) - (${seconds})))`,
  // length() counts bytes on MySQL.
  charLength: (expression) => `CHAR_LENGTH(${expression})`,
  tupleIn: (columns, rows) => {
    const row = `(${columns.map(() => '?').join(', ')})`;
    return `(${columns.map(identifier).join(', ')}) IN (${Array.from({ length: rows }, () => row).join(', ')})`;
  },
  catalogText: (text) => text,
  flag: (value) => value,
  // A DATETIME column takes the stored UTC text as it is: no zone conversion by the driver or the session.
  timestamp: (stored) => stored,
  // LONGTEXT takes text only: for integers and booleans the text SQLite stores; other numbers in JavaScript's
  // shortest exact form, as on PostgreSQL.
  textValue: (value) => (typeof value === 'boolean' ? (value ? '1' : '0') : String(value)),
  bindRaw,
};
