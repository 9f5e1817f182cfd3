/**
 * Parameterised write SQL for bot code that keeps its own tables in the bot's file (the Bayes
 * spam filter writes bayes_tokens / bayes_classes through the bot's cursor). A write operation:
 * it is refused where writes are (readonly source, SCHEMA_TOO_NEW) and waits like other writes.
 */
import { defineOperation, type Plan, type RunResult } from '@pkg/broker/operation';
import { InvalidArgumentError } from '@pkg/errors';
import type { ExecuteArgs, ExecuteResult, SqlParams } from '../types.js';
import { requireString } from './values.js';

/** better-sqlite3 cannot bind booleans; the bot's Python driver binds True/False as 1/0. */
function bindable(value: unknown): unknown {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}

function toParams(params: SqlParams | undefined): unknown[] {
  if (params === undefined || params === null) return [];
  if (Array.isArray(params)) return params.map(bindable);
  if (typeof params === 'object') {
    // Named parameters (:name, @name, $name), as the bot's queries use them.
    const named: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(params)) named[k] = bindable(v);
    return [named];
  }
  throw new InvalidArgumentError('execute', 'params', 'must be an array of values or an object of named values');
}

export const rawSqlOperations = {
  /**
   * The caller's statement, run as it is (SQLite's binding rules). A statement that returns rows is refused
   * by the engine with INVALID_ARGUMENT (read with tx.query / db.query instead).
   */
  execute: defineOperation('write', function* (a: ExecuteArgs): Plan<ExecuteResult> {
    const sql = requireString(a.sql, 'execute', 'sql');
    const info = (yield { text: sql, params: toParams(a.params), mode: 'run' }) as RunResult & {
      lastInsertRowid?: number | bigint;
    };
    return { changes: info.changes, lastInsertRowid: Number(info.lastInsertRowid ?? 0) };
  }),
};
