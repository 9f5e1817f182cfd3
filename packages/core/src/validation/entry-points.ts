/**
 * Checks of the entry points that are not domain methods: the constructor's options,
 * `db.query`, `db.transaction` and `tx.query`. Same rules and messages as the domain methods.
 */
import { InvalidArgumentError } from '@pkg/errors';
import { BOOLEAN, describe, isWellFormed, SAFE_INTEGER, TEXT_KIND } from './checkers.js';
import { closest } from './closest.js';
import { DATA_SOURCE } from './methods.js';
import { asArgumentError } from './validate.js';

function objectOf(op: string, arg: string, value: unknown, shape: string): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new InvalidArgumentError(op, arg, `must be an object ${shape} (got ${describe(value)})`);
}

function onlyKnown(op: string, value: Record<string, unknown>, names: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (names.includes(key)) continue;
    const near = closest(key, names);
    throw new InvalidArgumentError(
      op,
      key,
      `is not an argument of ${op}.${near === undefined ? '' : ` Did you mean "${near}"?`} Its arguments: ${names.join(', ')}.`,
    );
  }
}

const SQL = 'a non-empty string of SQL';
const PARAM = 'a number, a string, a boolean, a bigint, null or a Buffer/Uint8Array';

function isBindable(v: unknown): boolean {
  switch (typeof v) {
    case 'number':
    case 'bigint':
    case 'boolean':
      return true;
    case 'string':
      return isWellFormed(v);
    case 'object':
      return v === null || v instanceof Uint8Array;
    default:
      return false;
  }
}

/**
 * SQL text and its parameters: positional values, or objects of named ones (as better-sqlite3 binds them).
 * Booleans are accepted: each engine binds them its way (broker's bindRawSql: 1/0 on SQLite, booleans on PostgreSQL).
 */
export function checkSql(op: string, sql: unknown, params: unknown): { sql: string; params: unknown[] } {
  if (typeof sql !== 'string' || sql.trim() === '') {
    throw new InvalidArgumentError(op, 'sql', `must be ${SQL} (got ${describe(sql)})`);
  }
  TEXT_KIND.check(sql, op, 'sql');
  if (params === undefined || params === null) return { sql, params: [] };
  if (!Array.isArray(params)) {
    throw new InvalidArgumentError(op, 'params', `must be an array of values to bind (got ${describe(params)})`);
  }
  for (let i = 0; i < params.length; i++) {
    const p: unknown = params[i];
    if (isBindable(p)) continue;
    if (typeof p === 'object' && p !== null && !Array.isArray(p) && !(p instanceof Date)) {
      for (const [name, v] of Object.entries(p)) {
        if (!isBindable(v)) {
          throw new InvalidArgumentError(op, `params[${i}].${name}`, `must be ${PARAM} (got ${describe(v)})`);
        }
      }
      continue;
    }
    const hint = p instanceof Date ? '. Fix: pass stored text.' : '';
    throw new InvalidArgumentError(op, `params[${i}]`, `must be ${PARAM} (got ${describe(p)})${hint}`);
  }
  return { sql, params };
}

/** `db.query({ sql, params?, chatId?, dataSource? })`. */
export function checkQueryArgs(args: unknown): {
  sql: string;
  params: unknown[];
  chatId: number | undefined;
  dataSource: string | undefined;
} {
  const op = 'query';
  try {
    const a = objectOf(op, 'args', args, '{ sql, params?, chatId?, dataSource? }');
    onlyKnown(op, a, ['sql', 'params', 'chatId', 'dataSource']);
    const { sql, params } = checkSql(op, a.sql, a.params);
    return {
      sql,
      params,
      chatId: a.chatId == null ? undefined : (SAFE_INTEGER.check(a.chatId, op, 'chatId') as number),
      dataSource:
        a.dataSource == null ? undefined : (DATA_SOURCE.check(a.dataSource, op, 'dataSource') as string | undefined),
    };
  } catch (e) {
    throw asArgumentError(e, op);
  }
}

/** `db.transaction(scope, fn)`: scope `{ chatId? } | { dataSource? }`, fn a function. */
export function checkTransactionArgs(
  scope: unknown,
  fn: unknown,
): { chatId: number | undefined; dataSource: string | undefined } {
  const op = 'transaction';
  try {
    const s = objectOf(op, 'scope', scope, '{ chatId } or { dataSource }');
    onlyKnown(op, s, ['chatId', 'dataSource']);
    if (typeof fn !== 'function') {
      throw new InvalidArgumentError(op, 'fn', `must be a function (tx) => Promise (got ${describe(fn)})`);
    }
    return {
      chatId: s.chatId == null ? undefined : (SAFE_INTEGER.check(s.chatId, op, 'chatId') as number),
      dataSource:
        s.dataSource == null ? undefined : (DATA_SOURCE.check(s.dataSource, op, 'dataSource') as string | undefined),
    };
  } catch (e) {
    throw asArgumentError(e, op);
  }
}

/**
 * `db.routeFor({ chatId?, dataSource?, write?, operation? })`: synchronous, so a refusal is thrown
 * (a DatabaseError). `operation` only names the call in a refusal.
 */
export function checkRouteArgs(req: unknown): {
  chatId?: number;
  dataSource?: string;
  write?: boolean;
  operation?: string;
} {
  const op = 'routeFor';
  try {
    const r = objectOf(op, 'req', req, '{ chatId?, dataSource?, write?, operation? }');
    onlyKnown(op, r, ['chatId', 'dataSource', 'write', 'operation']);
    return {
      operation: r.operation == null ? undefined : (TEXT_KIND.check(r.operation, op, 'operation') as string),
      chatId: r.chatId == null ? undefined : (SAFE_INTEGER.check(r.chatId, op, 'chatId') as number),
      dataSource:
        r.dataSource == null ? undefined : (DATA_SOURCE.check(r.dataSource, op, 'dataSource') as string | undefined),
      write: r.write == null ? undefined : (BOOLEAN.check(r.write, op, 'write') as boolean),
    };
  } catch (e) {
    throw asArgumentError(e, op);
  }
}

const OPTION_NAMES = ['dbPath', 'maxConnections', 'timeout', 'config', 'baseDir', 'broker', 'logger'];

/**
 * The constructor's options, their shape only: the values of dbPath, maxConnections, timeout and
 * config are checked by the configuration validation (CONFIG_INVALID), as in a configuration file.
 */
export function checkOptions(options: unknown): void {
  const op = 'new DatabaseWrapper';
  try {
    const o = objectOf(op, 'options', options, '{ dbPath } (one file) or { config } (several sources)');
    onlyKnown(op, o, OPTION_NAMES);
    if (o.dbPath != null && typeof o.dbPath !== 'string') {
      throw new InvalidArgumentError(op, 'dbPath', `must be a file path string (got ${describe(o.dbPath)})`);
    }
    if (o.baseDir != null && typeof o.baseDir !== 'string') {
      throw new InvalidArgumentError(op, 'baseDir', `must be a folder path string (got ${describe(o.baseDir)})`);
    }
    if (o.config != null) objectOf(op, 'config', o.config, '{ default, sources, chatMapping }');
    if (o.broker != null) objectOf(op, 'broker', o.broker, 'of broker options');
    if (o.logger != null) {
      const l = objectOf(op, 'logger', o.logger, 'a pino logger or { debug?, info?, warn, error? }');
      const bad = ['debug', 'info', 'error'].filter((m) => l[m] != null && typeof l[m] !== 'function');
      if (typeof l.warn !== 'function' || bad.length > 0) {
        throw new InvalidArgumentError(
          op,
          'logger',
          'must be a pino logger or an object with the method warn(fields, message) and optionally debug, info and error (see docs/operations.md)',
        );
      }
    }
  } catch (e) {
    throw asArgumentError(e, op, 'options');
  }
}
