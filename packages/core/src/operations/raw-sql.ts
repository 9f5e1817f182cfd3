/**
 * Parameterised write SQL for bot code that keeps its own tables in the bot's file (the Bayes spam filter
 * writes bayes_tokens / bayes_classes through the bot's cursor). A write operation: it is refused where
 * writes are (readonly source, SCHEMA_TOO_NEW) and waits like other writes. Its parameters are bound by
 * the engine with the broker's `bindRawSql`, as db.query's and tx.query's are (booleans included).
 */
import { defineOperation, type Plan, type RunResult } from '@pkg/broker/operation';
import { InvalidArgumentError } from '@pkg/errors';
import type { ExecuteArgs, ExecuteResult, SqlParams } from '../types.js';
import { checkSql } from '../validation/index.js';

const METHOD = 'tx.execute';

/** An array of values, or one object of named values (:name, @name, $name) as the bot's queries use them. */
function toParams(params: SqlParams | undefined): unknown[] {
  if (params === undefined || params === null) return [];
  if (Array.isArray(params)) return params;
  if (typeof params === 'object') return [params];
  throw new InvalidArgumentError(METHOD, 'params', 'must be an array of values or an object of named values');
}

export const rawSqlOperations = {
  /**
   * The caller's statement, run as it is. A statement that returns rows is refused by the engine with
   * INVALID_ARGUMENT (read with tx.query / db.query instead).
   */
  execute: defineOperation('write', function* (a: ExecuteArgs): Plan<ExecuteResult> {
    const { sql, params } = checkSql(METHOD, a.sql, toParams(a.params));
    const info = (yield { text: sql, params, mode: 'run', raw: METHOD }) as RunResult & {
      lastInsertRowid?: number | bigint;
    };
    return { changes: info.changes, lastInsertRowid: Number(info.lastInsertRowid ?? 0) };
  }),
};
