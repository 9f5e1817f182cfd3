/**
 * The SQLite engine: drives an operation's plan synchronously on one pooled connection (no microtask
 * per call), one `exec` per yielded step.
 *
 * A query that names `dates` or `flags` is run in raw mode and its rows built in JS, one generated
 * object shape per statement: better-sqlite3 builds each row object property by property in native
 * code; a literal of known keys is several times cheaper to build and to clone to the main thread.
 * The rows are the same: keys in the statement's column order (a repeated name keeps its first place
 * and its last value, as better-sqlite3 does), timestamps parsed by `toDateOrNull`, flags 0/1 as
 * booleans. A query without them returns better-sqlite3's rows as they are.
 */
import type { Statement } from 'better-sqlite3';
import { type EngineContext, isAtomic, type Operation, type Plan, type Query, type Step } from '../../operation.js';
import { bindRawSql, returnsRows } from '../../raw-sql-binding.js';
import { toDateOrNull, toFlag } from '../../stored-timestamp.js';
import type { PooledConnection } from './connection-pool.js';
import type { SqliteRunResult, SqliteSourceSpec } from './spec.js';

export interface ShapedStatement {
  /** The statement in raw mode (rows as arrays): its own prepared statement, never the plain cached one. */
  readonly stmt: Statement;
  /** Array row -> the API's row object. */
  readonly row: (values: unknown[]) => Record<string, unknown>;
}

/** One per worker: the plans' EngineContext and the driver of their steps. */
export class SqliteEngine implements EngineContext {
  readonly engine = 'sqlite' as const;
  readonly source: string;
  readonly readonly: boolean;

  constructor(spec: SqliteSourceSpec) {
    this.source = spec.name;
    this.readonly = spec.readonly;
  }

  /** The stored text itself: SQLite compares timestamps as text. */
  timestamp(stored: string): unknown {
    return stored;
  }

  flag(value: boolean): unknown {
    return value ? 1 : 0;
  }

  /** Runs `op` for one call on `conn`, to its result. */
  run<R>(conn: PooledConnection, name: string, op: Operation<unknown, R>, args: unknown): R {
    return this.drive(conn, name, op.plan(args, this));
  }

  /** Runs several calls of a read through its `planMany`. */
  runMany<R>(conn: PooledConnection, name: string, op: Operation<unknown, R>, args: unknown[]): R[] | undefined {
    return op.planMany === undefined ? undefined : this.drive(conn, name, op.planMany(args, this));
  }

  private drive<R>(conn: PooledConnection, name: string, plan: Plan<R>): R {
    let r = plan.next();
    while (r.done !== true) r = plan.next(this.step(conn, name, r.value));
    return r.value;
  }

  private step(conn: PooledConnection, name: string, step: Step): unknown {
    if (!isAtomic(step)) return exec(conn, name, step);
    // IMMEDIATE: the write lock from the start, so the group never fails half-way on SQLITE_BUSY.
    // Inside the caller's open transaction better-sqlite3 makes it a savepoint.
    let atomic = conn.atomic;
    if (atomic === null) {
      atomic = conn.db.transaction((queries: readonly Query[], op: string) => {
        const answers = new Array<unknown>(queries.length);
        for (let i = 0; i < queries.length; i++) answers[i] = exec(conn, op, queries[i] as Query);
        return answers;
      });
      conn.atomic = atomic;
    }
    return atomic.immediate(step.atomic, name);
  }
}

function exec(conn: PooledConnection, name: string, q: Query): unknown {
  const text = typeof q.text === 'string' ? q.text : q.text.sqlite;
  if (q.mode !== 'run' && (q.dates !== undefined || q.flags !== undefined)) {
    const shaped = shapedStatement(conn, text, q.dates, q.flags);
    // An array binds as the anonymous parameters (no spread on the hot path).
    if (q.mode === 'get') {
      const values = shaped.stmt.get(q.params) as unknown[] | undefined;
      return values === undefined ? undefined : shaped.row(values);
    }
    const raw = shaped.stmt.all(q.params) as unknown[][];
    const rows = new Array<Record<string, unknown>>(raw.length);
    for (let i = 0; i < raw.length; i++) rows[i] = shaped.row(raw[i] as unknown[]);
    return rows;
  }
  const stmt = conn.statement(text);
  if (q.mode === 'get') return stmt.get(q.params);
  if (q.mode === 'all') return stmt.all(q.params);
  // A `run` of a statement that returns rows is the caller's mistake (execute's SQL), not SQLite's.
  if (stmt.reader) throw returnsRows(q.raw ?? name);
  const params = q.raw === undefined ? q.params : bindRawSql('sqlite', q.raw, text, q.params).values;
  const info = stmt.run(...params);
  return { changes: info.changes, lastInsertRowid: info.lastInsertRowid } satisfies SqliteRunResult;
}

/**
 * The raw-mode statement for `text` on this connection with its row builder, prepared once per connection.
 * A text always comes with the same `dates`/`flags` (they are the catalog's, fixed per statement).
 */
function shapedStatement(
  conn: PooledConnection,
  text: string,
  dates: readonly string[] | undefined,
  flags: readonly string[] | undefined,
): ShapedStatement {
  let shaped = conn.shapes.get(text);
  if (shaped === undefined) {
    // Its own prepared statement: raw mode on the shared cached one would change what plain queries get.
    const stmt = conn.prepare(text).raw(true);
    const names = stmt.columns().map((c) => c.name);
    shaped = { stmt, row: rowBuilder(names, new Set(dates), new Set(flags)) };
    conn.shapes.set(text, shaped);
  }
  return shaped;
}

function rowBuilder(
  names: string[],
  dates: Set<string>,
  flags: Set<string>,
): (values: unknown[]) => Record<string, unknown> {
  const fields = names.map((name, i) => {
    const value = dates.has(name) ? `d(r[${i}])` : flags.has(name) ? `f(r[${i}])` : `r[${i}]`;
    return `${JSON.stringify(name)}: ${value}`;
  });
  // Generated once per statement: a fixed literal gives every row the same hidden class.
  return new Function('d', 'f', `return function row(r) { return { ${fields.join(', ')} }; };`)(toDateOrNull, toFlag);
}
