/**
 * The one binding of raw SQL parameters, for every entry point (db.query, tx.query, tx.execute) and every
 * engine. Parameters come as positional values, or as one object of named values (`:name`, `@name`, `$name`).
 * - SQLite: booleans as 1/0 (what the bot's Python driver sends); the text as it is (better-sqlite3 binds
 *   `?` and named parameters itself).
 * - PostgreSQL: booleans as booleans (BOOLEAN columns such as bayes_classes.is_spam); `?` and named
 *   parameters become `$n` (pg-text.ts). Text holding a NUL byte is refused before it reaches the server,
 *   which cannot store one (SQLSTATE 22021).
 */
import { InvalidArgumentError } from '@pkg/errors';
import { pgTextOf } from './engines/postgresql/text.js';
import type { EngineName } from './engines/registry.js';
import type { WorkerRequest } from './protocol.js';

export interface BoundSql {
  readonly text: string;
  readonly values: unknown[];
}

/** `what`: the method, for errors (`query`, `tx.query`, `tx.execute`). */
export function bindRawSql(engine: EngineName, what: string, text: string, params: readonly unknown[]): BoundSql {
  if (engine === 'sqlite') return { text, values: params.map(sqliteValue) };
  refuseNul(what, 'sql', text);
  const named = params.length === 1 && isNamed(params[0]) ? (params[0] as Record<string, unknown>) : null;
  const converted = pgTextOf(text, named !== null);
  if (named === null) {
    params.forEach((v, i) => {
      refuseNul(what, `params[${i}]`, v);
    });
    return { text: converted.text, values: params as unknown[] };
  }
  const values = (converted.names as readonly string[]).map((name) => {
    if (!Object.hasOwn(named, name)) {
      throw new InvalidArgumentError(what, 'params', `has no value for the parameter :${name} of the SQL text`);
    }
    refuseNul(what, `params[0].${name}`, named[name]);
    return named[name];
  });
  return { text: converted.text, values };
}

/** An object of named values (not a value to bind itself). */
function isNamed(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && !(v instanceof Date) && !Array.isArray(v);
}

function sqliteValue(v: unknown): unknown {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (!isNamed(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = typeof x === 'boolean' ? (x ? 1 : 0) : x;
  return out;
}

function refuseNul(what: string, argument: string, value: unknown): void {
  if (typeof value === 'string' && value.includes('\0')) throw nulError(what, argument);
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

export function nulError(what: string, argument: string): InvalidArgumentError {
  return new InvalidArgumentError(
    what,
    argument,
    'holds a NUL byte (\\u0000), which PostgreSQL text cannot store (SQLite can). Fix: remove it (e.g. value.replaceAll("\\0", "")), or pass binary data as a Buffer/Uint8Array where raw SQL takes one',
  );
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
