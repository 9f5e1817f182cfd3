/**
 * Rows built in JS from `stmt.raw()` arrays, one generated object shape per statement. better-sqlite3
 * builds each row object property by property in native code; a literal of known keys is several times
 * cheaper to build and to clone to the main thread. The rows are the same: keys in the statement's column
 * order (a repeated name keeps its first place and its last value, as better-sqlite3 does), timestamps
 * converted as `toDateOrNull` does.
 */
import type { OperationContext } from '@pkg/broker/operation';
import type { Database, Statement } from 'better-sqlite3';
import { toDateOrNull } from './values.js';

export interface ShapedStatement {
  /** The statement in raw mode (rows as arrays). Private to this module's cache: never shared with `ctx.statement`. */
  readonly stmt: Statement;
  /** Array row -> the API's row object. */
  readonly row: (values: unknown[]) => Record<string, unknown>;
  /** The statement's column names, in order (the raw arrays' indexes). */
  readonly columns: readonly string[];
}

const cache = new WeakMap<Database, Map<string, ShapedStatement>>();

/** The raw-mode statement for `sql` on this connection with its row builder, prepared once per connection. */
export function shapedStatement(ctx: OperationContext, sql: string, dateColumns: readonly string[]): ShapedStatement {
  let perDb = cache.get(ctx.db);
  if (perDb === undefined) {
    perDb = new Map();
    cache.set(ctx.db, perDb);
  }
  let shaped = perDb.get(sql);
  if (shaped === undefined) {
    // Its own prepared statement: raw mode on the shared cached one would change what `ctx.statement` returns.
    const stmt = ctx.db.prepare(sql).raw(true);
    const names = stmt.columns().map((c) => c.name);
    shaped = { stmt, row: rowBuilder(names, new Set(dateColumns)), columns: names };
    perDb.set(sql, shaped);
  }
  return shaped;
}

function rowBuilder(names: string[], dates: Set<string>): (values: unknown[]) => Record<string, unknown> {
  const fields = names.map((name, i) => `${JSON.stringify(name)}: ${dates.has(name) ? `d(r[${i}])` : `r[${i}]`}`);
  // Generated once per statement: a fixed literal gives every row the same hidden class.
  return new Function('d', `return function row(r) { return { ${fields.join(', ')} }; };`)(toDateOrNull);
}
