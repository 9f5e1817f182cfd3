/**
 * The one binding of raw SQL parameters, for every entry point (db.query, tx.query, tx.execute) and every
 * engine. Parameters come as positional values, or as one object of named values (`:name`, `@name`, `$name`).
 * How an engine binds them is its dialect's `bindRaw` (engines/<name>/dialect.ts): e.g. booleans as 1/0 on
 * SQLite, `?` and named parameters as `$n` on PostgreSQL, whose text cannot hold a NUL byte (refused before
 * it reaches the server, SQLSTATE 22021).
 */
import { InvalidArgumentError } from '@pkg/errors';
import type { BoundSql } from './dialect.js';
import { DIALECTS, type SqlEngineName } from './engines/registry.js';
import type { WorkerRequest } from './protocol.js';

export type { BoundSql } from './dialect.js';
export { nulError } from './raw-sql-params.js';

/** `what`: the method, for errors (`query`, `tx.query`, `tx.execute`). Each engine's dialect binds its way. */
export function bindRawSql(engine: SqlEngineName, what: string, text: string, params: readonly unknown[]): BoundSql {
  return DIALECTS[engine].bindRaw(what, text, params);
}

/**
 * The path of the first string holding a NUL byte inside a call's arguments (`text`, `messages[2].text`),
 * or null. PostgreSQL text cannot hold one; SQLite stores it.
 */
export function nulPath(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return value.includes('\0') ? path || 'args' : null;
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array || value instanceof Date) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulPath(value[i], `${path}[${i}]`);
      if (found !== null) return found;
    }
    return null;
  }
  for (const [k, v] of Object.entries(value)) {
    const found = nulPath(v, path === '' ? k : `${path}.${k}`);
    if (found !== null) return found;
  }
  return null;
}

/** The raw-SQL contract, on every engine: `execute` runs statements that return no rows. */
export function returnsRows(what: string): InvalidArgumentError {
  return new InvalidArgumentError(what, 'sql', 'returns rows; read with tx.query / db.query instead');
}

/** The raw-SQL contract, on every engine: `query` runs only statements that read rows, never writes. */
export function wouldWrite(what: string): InvalidArgumentError {
  return new InvalidArgumentError(
    what,
    'sql',
    'would write; only read-only SQL that returns rows runs here (writes go through the domain methods, or tx.execute)',
  );
}

/** The raw-SQL contract: `query` runs statements that return rows (a SET, a DDL statement returns none). */
export function returnsNoRows(what: string): InvalidArgumentError {
  return new InvalidArgumentError(what, 'sql', 'returns no rows; only a statement that reads rows runs here');
}

/** The public method a raw SQL request came from, as errors name it. */
export function rawSqlMethod(req: Extract<WorkerRequest, { type: 'sql' }>): string {
  return req.tx === undefined ? 'query' : 'tx.query';
}
